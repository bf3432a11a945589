export type { AuthMode } from './auth.js';
export type { IdempotencyOptions } from './idempotency.js';
export { type AppOptions, DEFAULT_BATCH_LIMIT, DEFAULT_BODY_LIMIT, DEFAULT_CACHE_MAX_AGE, buildApp } from './app.js';
export { PROBLEM_CONTENT_TYPE, type Problem, STATUS_BY_CODE, STATUS_BY_RULE, statusOf } from './errors.js';
export { METRIC_NAMES, NO_NAMESPACE, type ResolveOutcome, UNKNOWN_OPERATION } from './metrics.js';
export { METRICS_PATH } from './routes/metrics-routes.js';
export type { HttpApp } from './routes/route-context.js';
export { TRACER_NAME } from './tracing.js';
export { DEFAULT_HOST, DEFAULT_PORT, type RunningServer, type ServerOptions, startServer } from './server.js';
