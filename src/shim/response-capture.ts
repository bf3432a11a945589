import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ProblemAnswer } from './problem.js';

/** `application/json` and every `application/…+json`. */
const JSON_MEDIA_TYPE = /^application\/(?:[^;\s]*\+)?json\s*(?:;|$)/i;

/** Whether a Content-Type header names JSON. */
export const isJsonMediaType = (contentType: unknown): boolean => JSON_MEDIA_TYPE.test(String(contentType ?? ''));

type Callback = () => void;

const METHODS = ['writeHead', 'write', 'end'] as const;

/**
 * Holds back what a handler writes to a node:http (or Express) response and,
 * when it ends, sends the body through `rewrite` if it is uncompressed JSON:
 * the rewritten document with its new Content-Length (and no ETag, which
 * named the old bytes). Anything else — an empty body, another media type, a
 * compressed body, a body that does not parse — is sent as written. When
 * `rewrite` rejects, the answer is `failure`'s problem instead.
 *
 * The handler may use `writeHead`, `write` and `end` as usual; its status and
 * headers are kept. The body is buffered, so only routes whose responses
 * need rewriting should be intercepted.
 */
export function interceptJsonResponse(response: ServerResponse, rewrite: (document: unknown) => Promise<unknown>, failure: (error: unknown) => ProblemAnswer): void {
  const saved = METHODS.map((method) => ({ method, own: Object.hasOwn(response, method), value: response[method] }));
  const chunks: Buffer[] = [];
  const collect = (chunk: unknown, encoding: unknown): void => {
    if (chunk === undefined || chunk === null) return;
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  const restore = (): void => {
    for (const { method, own, value } of saved) {
      if (own) Object.assign(response, { [method]: value });
      else delete (response as Partial<Record<(typeof METHODS)[number], unknown>>)[method];
    }
  };
  /** Sends through the response's own `end`, restored by then. */
  const send = (body: Buffer, callback: Callback | undefined): void => {
    response.end(body, callback);
  };
  const finish = async (body: Buffer, callback: Callback | undefined): Promise<void> => {
    const encoding = response.getHeader('content-encoding');
    if (body.length === 0 || !isJsonMediaType(response.getHeader('content-type')) || (encoding !== undefined && String(encoding) !== 'identity')) {
      send(body, callback);
      return;
    }
    let document: unknown;
    try {
      document = JSON.parse(body.toString('utf8'));
    } catch {
      send(body, callback);
      return;
    }
    let text: Buffer;
    try {
      const rewritten = await rewrite(document);
      if (rewritten === document) {
        send(body, callback);
        return;
      }
      text = Buffer.from(JSON.stringify(rewritten));
    } catch (error) {
      const problem = failure(error);
      response.statusCode = problem.status;
      response.setHeader('content-type', problem.contentType);
      text = Buffer.from(problem.body);
    }
    response.removeHeader('etag');
    response.setHeader('content-length', text.length);
    send(text, callback);
  };

  const writeHead = (status: number, ...rest: unknown[]): ServerResponse => {
    response.statusCode = status;
    let headers = rest[0];
    if (typeof headers === 'string') {
      response.statusMessage = headers;
      headers = rest[1];
    }
    if (Array.isArray(headers)) {
      const pairs: unknown[][] = headers.every((entry) => Array.isArray(entry))
        ? (headers as unknown[][])
        : Array.from({ length: Math.floor(headers.length / 2) }, (_, i) => [headers[2 * i], headers[2 * i + 1]] as unknown[]);
      for (const [name, value] of pairs) response.appendHeader(String(name), Array.isArray(value) ? value.map(String) : String(value));
    } else if (typeof headers === 'object' && headers !== null) {
      for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) if (value !== undefined) response.setHeader(name, value);
    }
    return response;
  };
  const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    collect(chunk, encoding);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done as Callback);
    return true;
  };
  const ended = (chunk?: unknown, encoding?: unknown, callback?: unknown): ServerResponse => {
    const done = [chunk, encoding, callback].find((arg) => typeof arg === 'function') as Callback | undefined;
    if (typeof chunk !== 'function') collect(chunk, encoding);
    restore();
    void finish(Buffer.concat(chunks), done).catch(() => response.destroy());
    return response;
  };
  Object.assign(response, { writeHead, write, end: ended });
}
