import type { IncomingMessage } from 'node:http';
import { StableIdError } from '../model/errors.js';

/** The largest JSON body read by default: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

const tooLarge = (limit: number): StableIdError =>
  new StableIdError('INVALID_ARGUMENT', `the request body is larger than ${limit} bytes`, { in: 'body', rule: 'body.size', limit });

/**
 * Reads a request's body and parses it as JSON; undefined when it is empty
 * (or was read already by someone else).
 * Rejects with INVALID_ARGUMENT: rule `body.size` (413) past `limit` bytes —
 * the rest of the body is then discarded, not buffered — and rule
 * `body.json` (400) when it is not JSON.
 */
export async function readJsonBody(request: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  if (request.readableEnded) return undefined;
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    throw tooLarge(limit);
  }
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > limit) {
        request.off('data', onData);
        request.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(buffer);
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', (error) =>
      reject(new StableIdError('INVALID_ARGUMENT', `the request body could not be read: ${error.message}`, { in: 'body', rule: 'body.read' }, { cause: error })),
    );
  });
  if (text.trim().length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new StableIdError('INVALID_ARGUMENT', `the request body is not JSON: ${(error as Error).message}`, { in: 'body', rule: 'body.json' }, { cause: error });
  }
}
