import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ErrorCode } from '../model/errors.js';
import type { IdentifierView, LifecycleState } from '../model/types.js';

/** The names of the service's metrics; the process metrics (`process_*`, `nodejs_*`) keep prom-client's standard names. */
export const METRIC_NAMES = Object.freeze({
  /** Histogram, seconds from request to response; labels operation, namespace, status. */
  requestDuration: 'stableid_http_request_duration_seconds',
  /** Counter of problem documents answered; labels code, status. */
  errors: 'stableid_http_errors_total',
  /** Counter of resolve and translate answers, batch items included; labels operation, namespace, outcome. */
  resolveOutcomes: 'stableid_resolve_outcomes_total',
  /** Histogram of the identifiers (or import items) one batch request names; label operation. */
  batchSize: 'stableid_batch_size',
});

/** What a resolve or translate found: the identifier asked for, by its state, or nothing. */
export type ResolveOutcome = 'found' | 'not_found' | 'deprecated' | 'archived';

/** The operation label of a request that matched no route. */
export const UNKNOWN_OPERATION = 'unknown';
/** The namespace label of a request that names none the registry is known to hold. */
export const NO_NAMESPACE = '-';

const OUTCOME_OF_STATE: Readonly<Record<LifecycleState, ResolveOutcome>> = { active: 'found', deprecated: 'deprecated', archived: 'archived' };

/**
 * Codes of failures the registry raises only once it has found the
 * namespace: a request failing with one of them names a real namespace. Any
 * other failure (authentication, validation, NAMESPACE_NOT_FOUND, the store,
 * an Idempotency-Key conflict) may name any string at all, so it is counted
 * under {@link NO_NAMESPACE}: label values stay bounded by the namespaces the
 * registry holds.
 */
const INSIDE_NAMESPACE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'SCHEME_NOT_FOUND',
  'IDENTIFIER_NOT_FOUND',
  'TRANSLATION_NOT_FOUND',
  'INVALID_IDENTIFIER',
  'AMBIGUOUS_IDENTIFIER',
  'IDENTIFIER_ERASED',
  'IDENTIFIER_CONFLICT',
  'ALIAS_CONFLICT',
  'SCHEME_ARCHIVED',
  'BATCH_REJECTED',
]);

const NOT_FOUND: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['IDENTIFIER_NOT_FOUND', 'TRANSLATION_NOT_FOUND']);

/** Operations answering one identifier, whose not-found is a request-level problem. */
const SINGLE_READS: ReadonlySet<string> = new Set(['resolveIdentifier', 'translateIdentifier']);

/** Sub-millisecond to seconds: most reads answer from one indexed lookup. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

let processRegistry: Registry | undefined;

/**
 * The process metrics (CPU, memory, event loop, GC, handles), collected once
 * per process into a registry of their own: they describe the process, not
 * an app, and collecting them starts an event-loop monitor and a GC observer
 * that nothing can stop, so each app collecting them anew would leak those.
 */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The metrics of one app, in a registry of its own (never prom-client's
 * global one), so that several apps in one process never clash. Recording is
 * synchronous and allocates little: it sits on every request's path.
 */
export class ServiceMetrics {
  readonly #registry = new Registry();
  readonly #process = processMetrics();
  readonly #requests: Histogram<'operation' | 'namespace' | 'status'>;
  readonly #errors: Counter<'code' | 'status'>;
  readonly #outcomes: Counter<'operation' | 'namespace' | 'outcome'>;
  readonly #batchSize: Histogram<'operation'>;
  /** Status codes as label values, made once each. */
  readonly #statusText: string[] = [];

  constructor() {
    const registers = [this.#registry];
    this.#requests = new Histogram({
      name: METRIC_NAMES.requestDuration,
      help: 'Time from request to response, by OpenAPI operation, namespace and status',
      labelNames: ['operation', 'namespace', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#errors = new Counter({ name: METRIC_NAMES.errors, help: 'Problem documents answered, by error code and status', labelNames: ['code', 'status'], registers });
    this.#outcomes = new Counter({
      name: METRIC_NAMES.resolveOutcomes,
      help: 'Identifiers resolved or translated (batch items each), by operation, namespace and outcome: found, not_found, deprecated, archived',
      labelNames: ['operation', 'namespace', 'outcome'],
      registers,
    });
    this.#batchSize = new Histogram({ name: METRIC_NAMES.batchSize, help: 'Identifiers (or import items) per batch request, by operation', labelNames: ['operation'], buckets: BATCH_BUCKETS, registers });
  }

  /** The media type of {@link exposition}. */
  get contentType(): string {
    return this.#registry.contentType;
  }

  /** This app's metrics, then the process's, in the Prometheus text exposition format. */
  async exposition(): Promise<string> {
    return `${await this.#registry.metrics()}\n${await this.#process.metrics()}`;
  }

  observeRequest(operation: string, namespace: string, status: number, seconds: number): void {
    this.#requests.observe({ operation, namespace, status: this.#status(status) }, seconds);
  }

  countError(code: ErrorCode, status: number): void {
    this.#errors.inc({ code, status: this.#status(status) });
  }

  countOutcome(operation: string, namespace: string, outcome: ResolveOutcome): void {
    this.#outcomes.inc({ operation, namespace, outcome });
  }

  observeBatch(operation: string, size: number): void {
    this.#batchSize.observe({ operation }, size);
  }

  #status(status: number): string {
    return (this.#statusText[status] ??= String(status));
  }
}

type Payload = { readonly results?: readonly ({ readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: { readonly code: ErrorCode } })[] };

/** The state of the identifier asked for, in each answer an operation gives (undefined in an answer of another shape). */
const ASKED: Readonly<Record<string, (result: unknown) => LifecycleState | undefined>> = {
  resolveIdentifier: (result) => (result as { identifier?: IdentifierView } | null)?.identifier?.state,
  translateIdentifier: (result) => (result as { from?: IdentifierView } | null)?.from?.state,
  resolveBatch: (result) => (result as { identifier?: IdentifierView } | null)?.identifier?.state,
  translateBatch: (result) => (result as { from?: IdentifierView } | null)?.from?.state,
};

/** Batch operations, and the body member listing their items. */
const BATCH_ITEMS: Readonly<Record<string, string>> = { resolveBatch: 'identifiers', translateBatch: 'identifiers', importWrites: 'items' };

/**
 * Records every response of the app into `metrics`: its latency, its problem
 * (if any), and for the resolve and translate operations what they found and
 * how big their batches were. The operation label is the route's OpenAPI
 * operationId (its URL pattern when it has none, `unknown` when no route
 * matched). Must be registered before the routes it measures.
 */
export function registerMetrics(app: FastifyInstance, metrics: ServiceMetrics): void {
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const status = reply.statusCode;
    const code = reply.errorCode;
    let operation = UNKNOWN_OPERATION;
    let namespace = NO_NAMESPACE;
    if (!request.is404) {
      const { schema, config } = request.routeOptions;
      operation = schema?.operationId ?? config.url ?? UNKNOWN_OPERATION;
      const named = (request.params as { namespace?: string } | undefined)?.namespace;
      if (named !== undefined && (status < 400 || (code !== null && INSIDE_NAMESPACE.has(code)))) namespace = named;
    }
    metrics.observeRequest(operation, namespace, status, reply.elapsedTime / 1000);
    if (code !== null) {
      metrics.countError(code, status);
      if (NOT_FOUND.has(code) && SINGLE_READS.has(operation)) metrics.countOutcome(operation, namespace, 'not_found');
    }
    done();
  });

  const countFound = (operation: string, namespace: string, state: LifecycleState | undefined): void => {
    const outcome = state === undefined ? undefined : OUTCOME_OF_STATE[state];
    if (outcome !== undefined) metrics.countOutcome(operation, namespace, outcome);
  };

  // Per route, so that the routes without outcomes or batches pay nothing for them.
  app.addHook('onRoute', (route: RouteOptions) => {
    const operation = route.schema?.operationId;
    if (operation === undefined) return;
    const asked = ASKED[operation];
    if (asked !== undefined) {
      const batch = !SINGLE_READS.has(operation);
      appendHook(route, 'preSerialization', (request: FastifyRequest, _reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
        // An answer proves the registry holds the namespace: the label stays bounded.
        const namespace = (request.params as { namespace: string }).namespace;
        if (!batch) countFound(operation, namespace, asked(payload));
        else {
          for (const item of (payload as Payload | null)?.results ?? []) {
            if (item.ok) countFound(operation, namespace, asked(item.result));
            else if (NOT_FOUND.has(item.error.code)) metrics.countOutcome(operation, namespace, 'not_found');
          }
        }
        done(null, payload);
      });
    }
    const member = BATCH_ITEMS[operation];
    if (member !== undefined) {
      // After validation: the body is well formed and within the batch limit.
      appendHook(route, 'preHandler', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
        const items = (request.body as Record<string, unknown> | null)?.[member];
        if (Array.isArray(items)) metrics.observeBatch(operation, items.length);
        done();
      });
    }
  });
}

function appendHook(route: RouteOptions, name: 'preHandler' | 'preSerialization', hook: unknown): void {
  const given = route[name] as unknown;
  const hooks = given === undefined ? [] : Array.isArray(given) ? given : [given];
  (route as unknown as Record<string, unknown>)[name] = [...hooks, hook];
}
