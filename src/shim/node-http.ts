import type { IncomingMessage, ServerResponse } from 'node:http';
import { StableIdError } from '../model/errors.js';
import { readJsonBody } from './json-body.js';
import { problemAnswer, writeProblem } from './problem.js';
import { interceptJsonResponse } from './response-capture.js';
import type { ShimIdentifier } from './shim-exchange.js';
import { type ShimRoute, compileShimRoute } from './shim-route.js';
import type { StableIdShim } from './stable-id-shim.js';

/** A shim route for node:http, which has no router: the pattern names the path parameters. */
export interface NodeHttpShimRoute extends ShimRoute {
  /** The request path's shape, e.g. `/orders/:id`: each `:name` matches one path segment. Needed when identifiers travel in `params`. */
  readonly pattern?: string;
}

export interface NodeHttpShimOptions {
  /** The largest JSON body read (default 1 MiB); a larger one is answered 413. */
  readonly bodyLimit?: number;
}

/** The request's parts in the handler's scheme. */
export interface ShimmedRequest {
  readonly params: Readonly<Record<string, string>>;
  /** A parameter given once is a string, given several times a list. */
  readonly query: Readonly<Record<string, string | readonly string[]>>;
  /** The parsed JSON body; undefined when the route carries no identifier there (the body is then left unread) or it was empty. */
  readonly body: unknown;
  /** Every identifier the request carried, as sent and as translated. */
  readonly identifiers: readonly ShimIdentifier[];
}

/** A node:http handler behind the shim; `(req, res) => void` handlers fit, and may read `req.url` (rewritten). */
export type ShimmedHandler = (request: IncomingMessage, response: ServerResponse, shimmed: ShimmedRequest) => void | Promise<void>;

type Segment = { readonly param: string } | { readonly literal: string };

const PARAM = /^:([A-Za-z_$][\w$]*)$/;

function compilePattern(pattern: string | undefined, route: ShimRoute): readonly Segment[] | null {
  const names = route.identifiers.filter((location) => location.in === 'params').map((location) => location.path);
  if (pattern === undefined) {
    if (names.length > 0) throw new StableIdError('INVALID_ARGUMENT', 'shim route pattern is missing: identifiers travel in params', { field: 'pattern', rule: 'shim.route' });
    return null;
  }
  if (!pattern.startsWith('/')) throw new StableIdError('INVALID_ARGUMENT', `shim route pattern ${JSON.stringify(pattern)} must start with /`, { field: 'pattern', rule: 'shim.route' });
  const segments = pattern
    .slice(1)
    .split('/')
    .map((part): Segment => {
      const param = PARAM.exec(part)?.[1];
      return param === undefined ? { literal: part } : { param };
    });
  const declared = new Set(segments.flatMap((segment) => ('param' in segment ? [segment.param] : [])));
  const unknown = names.find((name) => !declared.has(name));
  if (unknown !== undefined) throw new StableIdError('INVALID_ARGUMENT', `shim route params path ${JSON.stringify(unknown)} is not a parameter of ${pattern}`, { field: 'pattern', rule: 'shim.route' });
  return segments;
}

/** The path parameters of `pathname`; empty when it does not have the pattern's shape. */
function paramsOf(segments: readonly Segment[] | null, pathname: string): Record<string, string> {
  const params: Record<string, string> = {};
  if (segments === null) return params;
  const parts = pathname.slice(1).split('/');
  if (parts.length !== segments.length) return {};
  for (const [index, segment] of segments.entries()) {
    const part = parts[index] ?? '';
    if ('literal' in segment) {
      if (segment.literal !== part) return {};
      continue;
    }
    try {
      params[segment.param] = decodeURIComponent(part);
    } catch {
      return {};
    }
  }
  return params;
}

function queryOf(search: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(search.keys())) {
    const values = search.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return query;
}

/**
 * Wraps a node:http handler in the shim. The wrapper reads the path
 * parameters (by the route's pattern), the query and — when identifiers
 * travel there — the JSON body (up to `bodyLimit`), translates them, and
 * calls the handler with `req.url` rewritten into the handler's scheme and
 * the rewritten parts as its third argument. When the caller used another
 * scheme it rewrites the JSON the handler answers. It answers a problem
 * itself, without calling the handler, when it cannot translate; a handler
 * that throws before answering is answered 500.
 */
export function nodeHttpShim(
  shim: StableIdShim,
  route: NodeHttpShimRoute,
  handler: ShimmedHandler,
  options: NodeHttpShimOptions = {},
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const compiled = compileShimRoute(route);
  const segments = compilePattern(route.pattern, route);
  return async (request, response) => {
    let shimmed: ShimmedRequest;
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const body = compiled.readsBody ? await readJsonBody(request, options.bodyLimit) : undefined;
      const exchange = await shim.translateRequest(compiled, {
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        headers: request.headers,
        params: paramsOf(segments, url.pathname),
        query: queryOf(url.searchParams),
        body,
      });
      request.url = exchange.url;
      for (const [name, value] of Object.entries(exchange.headers)) response.setHeader(name, value);
      if (exchange.rewritesResponse) {
        interceptJsonResponse(response, (document) => exchange.rewriteResponse(document), (error) => problemAnswer(error, request.headers));
      }
      // Translation replaces strings with strings: the parts keep the shapes built above.
      shimmed = {
        params: exchange.params as Record<string, string>,
        query: exchange.query as Record<string, string | string[]>,
        body: exchange.body,
        identifiers: exchange.identifiers,
      };
    } catch (error) {
      writeProblem(response, problemAnswer(error, request.headers));
      return;
    }
    try {
      await handler(request, response, shimmed);
    } catch (error) {
      if (response.headersSent || response.writableEnded) response.destroy(error instanceof Error ? error : undefined);
      else writeProblem(response, problemAnswer(error, request.headers));
    }
  };
}
