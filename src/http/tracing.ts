import type { IncomingHttpHeaders } from 'node:http';
import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  type SpanOptions,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  context,
  createTraceState,
  isSpanContextValid,
  trace,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import { formatTraceparent } from '../model/traceparent.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The OpenTelemetry context the route handler runs in, holding the
     * request's server span; null when there is no span worth carrying (no
     * SDK registered and no valid `traceparent`) or once the span has ended.
     */
    traceContext: Context | null;
  }
}

/** The instrumentation scope of the service's spans. */
export const TRACER_NAME = 'stableid';
export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';

const SERVER_SPAN: SpanOptions = Object.freeze({ kind: SpanKind.SERVER });

/** W3C Trace Context: version-traceid-parentid-flags in lowercase hex; later versions may append fields. */
const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;

/**
 * The remote span context of a request's W3C `traceparent` (with its
 * `tracestate`), or undefined when the header is absent or malformed: a bad
 * header is ignored, never refused (version ff, a version 00 with extra
 * fields, all-zero ids and repeated headers are malformed).
 */
export function remoteSpanContextOf(headers: IncomingHttpHeaders): SpanContext | undefined {
  const header = headers[TRACEPARENT_HEADER];
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (match === null) return undefined;
  const [, version, traceId = '', spanId = '', flags = '', extra] = match;
  if (version === 'ff' || (version === '00' && extra !== undefined)) return undefined;
  const state = headers[TRACESTATE_HEADER];
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16),
    isRemote: true,
    ...(typeof state === 'string' && state.length > 0 ? { traceState: createTraceState(state) } : {}),
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * Traces every request with OpenTelemetry (the API only: without an SDK
 * registered it costs next to nothing). Each request gets a SERVER span named
 * `{method} {route}` following the HTTP semantic conventions, child of the
 * caller's span when it sent a valid `traceparent`. The route handler runs
 * with that span active, so that spans started beneath it nest under it; the
 * response carries the span's `traceparent`, and the request's log lines its
 * `trace_id` and `span_id`. 5xx answers set the span's status to ERROR.
 * Must be registered before the routes it traces, and before the hooks it
 * should time.
 */
export function registerTracing(app: FastifyInstance, tracer: Tracer): void {
  app.decorateRequest('traceContext', null);

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const remote = remoteSpanContextOf(request.headers);
    const parent = remote === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, remote);
    const route = request.is404 ? undefined : request.routeOptions;
    const span = tracer.startSpan(route?.url === undefined ? request.method : `${request.method} ${route.url}`, SERVER_SPAN, parent);
    const spanContext = span.spanContext();
    // No SDK and no caller's trace: a span of nothing, not worth carrying.
    if (!span.isRecording() && !isSpanContextValid(spanContext)) return done();
    if (span.isRecording()) startAttributes(span, request, route);
    request.traceContext = trace.setSpan(parent, span);
    reply.header(TRACEPARENT_HEADER, formatTraceparent(spanContext));
    // Both: Fastify's own completion line goes through the reply's logger.
    request.log = reply.log = request.log.child({ trace_id: spanContext.traceId, span_id: spanContext.spanId });
    // A response the client gave up on never finishes, so onResponse never comes: end the span as the connection closes.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) abandon(request);
    });
    done();
  });

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const span = takeSpan(request);
    if (span !== undefined) {
      if (span.isRecording()) {
        const status = reply.statusCode;
        span.setAttribute('http.response.status_code', status);
        if (reply.errorCode !== null) span.setAttribute('stableid.error.code', reply.errorCode);
        // Server spans: only the server's own failures are errors, never a client's mistake (4xx).
        if (status >= 500) {
          span.setAttribute('error.type', reply.errorCode ?? String(status));
          span.setStatus({ code: SpanStatusCode.ERROR, message: reply.errorCode ?? `status ${status}` });
        }
      }
      span.end();
    }
    done();
  });

  // The handler runs in the span's context. A hook cannot set it for what follows
  // (each hook runs in its own async continuation): the handler itself is wrapped.
  app.addHook('onRoute', (route: RouteOptions) => {
    const handler = route.handler as (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown;
    route.handler = function traced(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const active = request.traceContext;
      return active === null ? handler.call(this, request, reply) : context.with(active, handler, this, request, reply);
    } as RouteOptions['handler'];
  });
}

function startAttributes(span: Span, request: FastifyRequest, route: FastifyRequest['routeOptions'] | undefined): void {
  const query = request.url.indexOf('?');
  span.setAttribute('http.request.method', request.method);
  span.setAttribute('url.path', query === -1 ? request.url : request.url.slice(0, query));
  if (route === undefined) return;
  if (route.url !== undefined) span.setAttribute('http.route', route.url);
  const operation = route.schema?.operationId;
  if (operation !== undefined) span.setAttribute('stableid.operation', operation);
  const namespace = (request.params as { namespace?: string } | undefined)?.namespace;
  if (namespace !== undefined) span.setAttribute('stableid.namespace', namespace);
}

function abandon(request: FastifyRequest): void {
  const span = takeSpan(request);
  if (span === undefined) return;
  if (span.isRecording()) span.setAttribute('error.type', 'aborted').setStatus({ code: SpanStatusCode.ERROR, message: 'the connection closed before the response was sent' });
  span.end();
}

/** The request's span, once: whoever takes it ends it. */
function takeSpan(request: FastifyRequest): Span | undefined {
  const active = request.traceContext;
  if (active === null) return undefined;
  request.traceContext = null;
  return trace.getSpan(active);
}
