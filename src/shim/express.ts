import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody } from './json-body.js';
import { problemAnswer, writeProblem } from './problem.js';
import { interceptJsonResponse } from './response-capture.js';
import { type ShimRoute, compileShimRoute } from './shim-route.js';
import type { StableIdShim } from './stable-id-shim.js';

/** What the shim reads and rewrites of an Express request; Express's `Request` fits. */
export interface ExpressShimRequest extends IncomingMessage {
  params: unknown;
  query: unknown;
  body?: unknown;
}

/**
 * An Express-style middleware; it fits wherever Express takes a
 * `RequestHandler`. Generic, so that it leaves Express to type the route's
 * `req.params` and `req.query` from the path for the handlers after it.
 */
export type ExpressShimMiddleware = <Request extends ExpressShimRequest>(request: Request, response: ServerResponse, next: (error?: unknown) => void) => void;

export interface ExpressShimOptions {
  /** The largest JSON body the shim reads itself, when no body parser ran before it (default 1 MiB). */
  readonly bodyLimit?: number;
}

/**
 * The shim as Express middleware for one route. Mount it on the route, so
 * that it sees the route's path parameters:
 * `app.get('/orders/:id', expressShim(shim, { … }), handler)`.
 *
 * It reads the body itself when the route carries identifiers there and no
 * body parser ran before it. On success it replaces `req.params`,
 * `req.query` and `req.body` with the handler's scheme, sets the deprecation
 * headers and, when the caller used another scheme, rewrites the JSON the
 * handler answers. On failure it answers the problem itself and does not
 * call `next`. Express itself is never imported.
 */
export function expressShim(shim: StableIdShim, route: ShimRoute, options: ExpressShimOptions = {}): ExpressShimMiddleware {
  const compiled = compileShimRoute(route);
  const run = async (request: ExpressShimRequest, response: ServerResponse): Promise<boolean> => {
    try {
      if (compiled.readsBody && request.body === undefined) request.body = await readJsonBody(request, options.bodyLimit);
      const exchange = await shim.translateRequest(compiled, {
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        headers: request.headers,
        params: request.params,
        query: request.query,
        body: request.body,
      });
      request.params = exchange.params;
      // Express 5 computes `req.query` anew on each read: an own property replaces the getter.
      Object.defineProperty(request, 'query', { value: exchange.query, writable: true, configurable: true, enumerable: true });
      if (compiled.readsBody) request.body = exchange.body;
      for (const [name, value] of Object.entries(exchange.headers)) response.setHeader(name, value);
      if (exchange.rewritesResponse) {
        interceptJsonResponse(response, (document) => exchange.rewriteResponse(document), (error) => problemAnswer(error, request.headers));
      }
      return true;
    } catch (error) {
      writeProblem(response, problemAnswer(error, request.headers));
      return false;
    }
  };
  return (request, response, next) => {
    run(request, response).then(
      (proceed) => {
        if (proceed) next();
      },
      (error: unknown) => next(error),
    );
  };
}
