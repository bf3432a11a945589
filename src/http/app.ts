import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type TracerProvider, trace } from '@opentelemetry/api';
import Fastify, { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { packageVersion } from '../version.js';
import type { TokenStore } from '../auth/token-store.js';
import { StableIdError } from '../model/errors.js';
import type { Registry } from '../registry/registry.js';
import type { UsageStore } from '../usage/usage-store.js';
import { type AuthMode, registerAuth } from './auth.js';
import { registerCaching } from './caching.js';
import { CORRELATION_HEADER, correlationIdOf } from './correlation.js';
import { registerRouteDeprecation } from './deprecation.js';
import { PROBLEM_CONTENT_TYPE, toHttpError, toProblem } from './errors.js';
import { type IdempotencyOptions, registerIdempotency } from './idempotency.js';
import { type LoggerOptions, loggerOptions } from './logging.js';
import { ServiceMetrics, registerMetrics } from './metrics.js';
import { batchRoutes } from './routes/batch-routes.js';
import { docRoutes } from './routes/doc-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { changeRoutes } from './routes/change-routes.js';
import { flagRoutes } from './routes/flag-routes.js';
import { historyRoutes } from './routes/history-routes.js';
import { identifierRoutes } from './routes/identifier-routes.js';
import { importRoutes } from './routes/import-routes.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { namespaceRoutes } from './routes/namespace-routes.js';
import type { HttpApp, RouteContext } from './routes/route-context.js';
import { usageRoutes } from './routes/usage-routes.js';
import { writeRoutes } from './routes/write-routes.js';
import { SHARED_SCHEMAS } from './schemas.js';
import { TRACER_NAME, registerTracing } from './tracing.js';

export interface AppOptions {
  /** The registry every route reads; the app does not close it (its owner does). */
  readonly registry: Registry;
  /** Request logs (pino, JSON): off by default; credentials are always redacted. */
  readonly logger?: boolean | LoggerOptions;
  /** The most identifiers one batch request may name (default 1000); more is refused with 413. */
  readonly batchLimit?: number;
  /** The largest request body in bytes (default 1 MiB); more is refused with 413. */
  readonly bodyLimit?: number;
  /** `Cache-Control: max-age` of cacheable reads, in seconds (default 60). */
  readonly cacheMaxAge?: number;
  /** `max-age` in seconds of reads in these namespaces, instead of `cacheMaxAge`. */
  readonly namespaceMaxAge?: Readonly<Record<string, number>>;
  /**
   * The API tokens requests are checked against; the app does not close it.
   * Without one, reads are open and every write is refused (401).
   */
  readonly tokens?: TokenStore;
  /** With `tokens`: whether reads need a token too (`required`, the default) or not (`reads-open`). Writes always do. */
  readonly auth?: AuthMode;
  /**
   * More routes of an embedding application, registered after the service's
   * own and in the same scope: they pass through the same hooks (tokens,
   * caching, deprecation, errors) and appear in the same OpenAPI document.
   */
  readonly routes?: (app: HttpApp, context: RouteContext) => void;
  /** The `Idempotency-Key` memory: how many keys, for how long (default 10,000 keys, 24 h). */
  readonly idempotency?: IdempotencyOptions;
  /** Whether to keep Prometheus metrics and serve them, without a token, at `GET /metrics` (default true). */
  readonly metrics?: boolean;
  /** Where the request spans go (default: the global OpenTelemetry tracer provider, a no-op until an SDK registers one). */
  readonly tracerProvider?: TracerProvider;
  /** Where usage reports (`POST /v1/usage`) are counted; the app does not close it. Without one, the route is not served. */
  readonly usage?: UsageStore;
}

export const DEFAULT_BATCH_LIMIT = 1000;
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_CACHE_MAX_AGE = 60;
/** Longer identifier values are refused by the router (414) before any route runs. */
const MAX_PARAM_LENGTH = 2048;

/**
 * The identity service's HTTP face: parses requests, calls the registry,
 * formats answers. It holds no rules of its own; every error leaves as an
 * RFC 9457 problem document. Call `ready()` (or `inject`/`listen`, which do)
 * before use.
 */
export function buildApp(options: AppOptions): HttpApp {
  const config = Object.freeze({
    batchLimit: wholeNumber('batchLimit', options.batchLimit ?? DEFAULT_BATCH_LIMIT),
    bodyLimit: wholeNumber('bodyLimit', options.bodyLimit ?? DEFAULT_BODY_LIMIT),
    cache: {
      maxAge: wholeNumber('cacheMaxAge', options.cacheMaxAge ?? DEFAULT_CACHE_MAX_AGE, 0),
      namespaces: new Map(Object.entries(options.namespaceMaxAge ?? {}).map(([namespace, seconds]) => [namespace, wholeNumber(`namespaceMaxAge.${namespace}`, seconds, 0)])),
    },
  });
  const app: HttpApp = Fastify({
    logger: loggerOptions(options.logger),
    bodyLimit: config.bodyLimit,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    genReqId: (request) => correlationIdOf(request.headers),
    logController: new LogController({ requestIdLogLabel: 'correlationId' }),
    frameworkErrors: (error, request, reply) => sendProblem(error, request, reply),
  })
    .withTypeProvider<TypeBoxTypeProvider>()
    .setValidatorCompiler(TypeBoxValidatorCompiler);

  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  const release = packageVersion();
  app.decorateReply('errorCode', null);
  // First, so that the request's span covers every later hook, authentication included.
  registerTracing(app, options.tracerProvider?.getTracer(TRACER_NAME, release) ?? trace.getTracer(TRACER_NAME, release));
  const metrics = options.metrics === false ? null : new ServiceMetrics();
  if (metrics !== null) registerMetrics(app, metrics);
  app.addHook('onRequest', async (request, reply) => {
    reply.header(CORRELATION_HEADER, request.id);
  });
  registerAuth(app, options.tokens, options.auth ?? 'required');
  registerIdempotency(app, options.idempotency);
  registerCaching(app, config.cache);
  registerRouteDeprecation(app);
  app.setErrorHandler((error, request, reply) => sendProblem(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(new StableIdError('INVALID_ARGUMENT', `no route ${request.method} ${request.url.split('?')[0]}`, { rule: 'http.route', field: 'url' }), request, reply),
  );

  const context: RouteContext = { registry: options.registry, batchLimit: config.batchLimit };
  app.register(async (scope) => {
    await docRoutes(scope, release);
    healthRoutes(scope, context);
    if (metrics !== null) metricsRoutes(scope, metrics);
    namespaceRoutes(scope, context);
    identifierRoutes(scope, context);
    historyRoutes(scope, context);
    changeRoutes(scope, context);
    flagRoutes(scope, context);
    batchRoutes(scope, context);
    writeRoutes(scope, context);
    importRoutes(scope, context);
    if (options.usage) usageRoutes(scope, context, options.usage);
    options.routes?.(scope, context);
  });
  return app;
}

/** Answers any failure as a problem document; 5xx are logged with their cause, nothing of it is sent. */
function sendProblem(thrown: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = toHttpError(thrown);
  const problem = toProblem(error, request.id);
  reply.errorCode = error.code;
  if (problem.status >= 500) request.log.error({ err: error.cause ?? error, code: error.code }, error.message);
  else request.log.info({ code: error.code, status: problem.status }, error.message);
  if (error.code === 'UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer realm="stableid"');
  if (error.code === 'STORE_BUSY' || error.code === 'STORE_UNAVAILABLE') reply.header('retry-after', '1');
  reply.header(CORRELATION_HEADER, request.id);
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

function wholeNumber(field: string, value: number, min = 1): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new StableIdError('INVALID_ARGUMENT', `${field} must be a whole number >= ${min}, got ${value}`, { field });
  }
  return value;
}
