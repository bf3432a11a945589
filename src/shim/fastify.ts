import type { FastifyInstance, FastifyReply, FastifyRequest, onSendAsyncHookHandler, preValidationAsyncHookHandler } from 'fastify';
import { problemAnswer } from './problem.js';
import { isJsonMediaType } from './response-capture.js';
import type { ShimExchange } from './shim-exchange.js';
import { type ShimRoute, compileShimRoute } from './shim-route.js';
import type { StableIdShim } from './stable-id-shim.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The legacy-identifier shim of this route; {@link registerFastifyShim} installs it. */
    stableIdShim?: ShimRoute;
  }
}

/** The hooks that put the shim in front of one Fastify route. */
export interface FastifyShimHooks {
  /**
   * Translates the request's identifiers before validation, so that the
   * route's schemas see (and check) the handler's scheme; answers a problem
   * itself, without the handler, when it cannot.
   */
  readonly preValidation: preValidationAsyncHookHandler;
  /** Rewrites the JSON response into the caller's scheme, when the caller used another. */
  readonly onSend: onSendAsyncHookHandler;
}

/**
 * The shim's hooks for one route, to list in its options
 * (`preValidation`, `onSend`). Checks `route` now: a misconfigured route
 * fails when the app is built, not on a request.
 */
export function fastifyShimHooks(shim: StableIdShim, route: ShimRoute): FastifyShimHooks {
  const compiled = compileShimRoute(route);
  const exchanges = new WeakMap<FastifyRequest, ShimExchange>();

  const preValidation: preValidationAsyncHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    let exchange: ShimExchange;
    try {
      exchange = await shim.translateRequest(compiled, {
        method: request.method,
        url: request.url,
        headers: request.headers,
        params: request.params,
        query: request.query,
        body: request.body,
      });
    } catch (error) {
      const problem = problemAnswer(error, request.headers);
      return reply.code(problem.status).header('content-type', problem.contentType).send(problem.body);
    }
    request.params = exchange.params;
    request.query = exchange.query;
    request.body = exchange.body;
    reply.headers(exchange.headers);
    if (exchange.rewritesResponse) exchanges.set(request, exchange);
    return undefined;
  };

  const onSend: onSendAsyncHookHandler = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const exchange = exchanges.get(request);
    if (exchange === undefined || !isJsonMediaType(reply.getHeader('content-type'))) return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    let document: unknown;
    try {
      document = JSON.parse(payload.toString());
    } catch {
      return payload;
    }
    try {
      const rewritten = await exchange.rewriteResponse(document);
      return rewritten === document ? payload : JSON.stringify(rewritten);
    } catch (error) {
      const problem = problemAnswer(error, request.headers);
      reply.code(problem.status).header('content-type', problem.contentType);
      return problem.body;
    }
  };

  return Object.freeze({ preValidation, onSend });
}

const asList = <T>(hooks: T | T[] | undefined): T[] => (hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]);

/**
 * Puts the shim in front of every route registered after it (in this
 * instance and its children) whose options name `config.stableIdShim`. Its
 * hooks run before the route's own `preValidation` and `onSend` hooks, so
 * those see the handler's scheme and can compress the rewritten response.
 * Routes without the config get no hook at all.
 */
export function registerFastifyShim(app: FastifyInstance, shim: StableIdShim): void {
  app.addHook('onRoute', (route) => {
    const config = route.config?.stableIdShim;
    if (config === undefined) return;
    const hooks = fastifyShimHooks(shim, config);
    route.preValidation = [hooks.preValidation, ...asList(route.preValidation)];
    route.onSend = [hooks.onSend, ...asList(route.onSend)];
  });
}
