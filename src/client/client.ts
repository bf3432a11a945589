import { type Attributes, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { type ErrorCode, StableIdError, isStableIdError, toStableIdError } from '../model/errors.js';
import type { Resolution, Translation } from '../model/types.js';
import type { Answer, BatchItem, Outcome } from './answer.js';
import { LookupCache } from './cache.js';
import { ClientStats } from './client-stats.js';
import { type ClientConfig, type ClientOptions, clientConfig } from './client-options.js';
import { FlagReader } from './flag-reader.js';
import { HttpFlagSource } from './http-flag-source.js';
import { type LookupKey, batchGroupOf, lookupKey } from './lookup-key.js';
import { MicroBatcher } from './micro-batcher.js';
import { withSource } from './problem-error.js';
import { ProofCheck, type VerifiedAnswer, type VerifiedResolveOptions } from './proof-check.js';
import { type LookupValue, ServiceReads, valuesOf } from './service-reads.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import { traceparentOf } from './traceparent.js';
import { type EndpointHealth, HttpTransport } from './transport.js';

/** The instrumentation scope of the client's spans. */
export const CLIENT_TRACER_NAME = 'stableid-client';

/** The name of a lookup's span, by kind. */
const SPAN_NAMES: Readonly<Record<LookupKey['kind'], string>> = Object.freeze({ resolve: 'stableid.resolve', translate: 'stableid.translate' });
const CLIENT_SPAN = Object.freeze({ kind: SpanKind.CLIENT });

/** The attributes a lookup's span starts with (a sampler may read them). */
function lookupAttributes(namespace: string, scheme: string | undefined, to: string | undefined): Attributes {
  const attributes: Attributes = { 'stableid.namespace': namespace };
  if (scheme !== undefined) attributes['stableid.scheme'] = scheme;
  if (to !== undefined) attributes['stableid.to'] = to;
  return attributes;
}

/** The problems that say a key is not there; the cache remembers them for `negativeTtlMs`. */
const NEGATIVE_CODES: ReadonlySet<ErrorCode> = new Set(['IDENTIFIER_NOT_FOUND', 'TRANSLATION_NOT_FOUND']);

/** One identifier of a batch lookup. */
export interface IdentifierInput {
  readonly value: string;
  readonly scheme?: string;
}

interface Queued {
  readonly key: LookupKey;
  readonly traceparent: string | undefined;
}

/**
 * A client of the stableid identity service. Every lookup is answered from
 * the in-process cache when it can be, else from the service; concurrent
 * lookups of one key share one call, and lookups made within `batchWindowMs`
 * of one another travel in one batch request per namespace and target.
 *
 * A problem answered by the service is thrown as a StableIdError with the
 * problem's code and context (`context.source` says `canonical`, or
 * `negative` for a remembered not-found); a service that cannot be reached is
 * a StableIdError SERVICE_UNAVAILABLE — unless the cache still holds an answer
 * within its grace window, which is then served as `stale`.
 *
 * Every lookup has a client span (`stableid.resolve`, `stableid.translate`)
 * of the tracer {@link CLIENT_TRACER_NAME}, taken from OpenTelemetry's global
 * provider once, when the client is made: a client made before any provider
 * was registered gets one registered later (the API's proxy tracer hands its
 * spans on), and a client keeps the provider it was made under. A lookup
 * that goes to the service sends its span's context as `traceparent`; one
 * answered from the cache sends nothing, and its span starts and ends at once.
 *
 * The client owns timers and background refreshes: {@link close} it.
 */
export class StableIdClient {
  readonly #config: ClientConfig;
  readonly #transport: HttpTransport;
  readonly #reads: ServiceReads;
  readonly #cache: LookupCache<LookupValue> | null;
  readonly #batcher: MicroBatcher<Queued, LookupValue>;
  readonly #proofs: ProofCheck | null;
  readonly #tracer = trace.getTracer(CLIENT_TRACER_NAME);
  readonly #inflight = new Map<string, Promise<Outcome<LookupValue>>>();
  readonly #background = new Set<Promise<void>>();
  readonly #snapshotTimer: NodeJS.Timeout | null = null;
  #saving: Promise<void> = Promise.resolve();
  #closing: Promise<void> | null = null;
  /** Counts of where lookups were answered from. */
  readonly stats = new ClientStats();
  /** The service's transition flags (stages, exposure), through the client's transport with a cache of their own; a flag read never rejects. */
  readonly flags: FlagReader;

  constructor(options: ClientOptions) {
    const config = clientConfig(options);
    this.#config = config;
    this.#transport = new HttpTransport({ ...config, endpoints: config.endpoints });
    this.#reads = new ServiceReads(this.#transport);
    this.#proofs = config.proofs === null ? null : new ProofCheck(this.#reads, config.proofs, this.#tracer, this.stats);
    this.flags = new FlagReader(new HttpFlagSource(this.#transport), { ...options.flags, clock: config.clock });
    this.#cache = config.cache === null ? null : new LookupCache<LookupValue>(config.cache, config.clock);
    this.#batcher = new MicroBatcher<Queued, LookupValue>({
      windowMs: config.batchWindowMs,
      limit: config.batchLimit,
      send: (queued) => this.#reads.many(queued.map((q) => q.key), queued[0]?.traceparent),
    });
    if (config.metrics !== undefined) this.stats.register(config.metrics.registry, config.metrics.prefix);
    if (config.snapshot !== null && this.#cache !== null) {
      this.#cache.load(readSnapshot<LookupValue>(config.snapshot.path));
      if (config.snapshot.intervalMs > 0) {
        this.#snapshotTimer = setInterval(() => void this.saveSnapshot().catch(() => undefined), config.snapshot.intervalMs);
        this.#snapshotTimer.unref();
      }
    }
  }

  /** The entity, lineage and binding of `value` in `namespace`; without `scheme`, every scheme whose format accepts it is tried. */
  resolve(namespace: string, value: string, options?: { scheme?: string }): Promise<Answer<Resolution>> {
    const scheme = options?.scheme;
    const answer = this.#fresh('resolve', namespace, value, scheme, undefined) ?? this.#lookup(lookupKey('resolve', namespace, value, scheme, undefined));
    return answer as Promise<Answer<Resolution>>;
  }

  /** The identifier of `value`'s entity in scheme `to`. */
  translate(namespace: string, value: string, to: string, options?: { scheme?: string }): Promise<Answer<Translation>> {
    const scheme = options?.scheme;
    const answer = this.#fresh('translate', namespace, value, scheme, to) ?? this.#lookup(lookupKey('translate', namespace, value, scheme, to));
    return answer as Promise<Answer<Translation>>;
  }

  /**
   * {@link resolve}, proven: asks the service for the resolution with its
   * mapping proof and checks the proof offline against the keys pinned in
   * the `proofs` option before answering (`verified: true`, with the
   * checkpoint and the proof). A proof that fails is refused: SIGNATURE_INVALID
   * when no pinned key signed its checkpoint, PROOF_FAILED when it does not
   * prove the answer or answers another question. Always asks the service:
   * the cache is neither read nor written. INVALID_ARGUMENT without `proofs`.
   */
  resolveVerified(namespace: string, value: string, options: VerifiedResolveOptions = {}): Promise<VerifiedAnswer<Resolution>> {
    if (this.#proofs === null) return Promise.reject(new StableIdError('INVALID_ARGUMENT', 'resolveVerified needs the client option proofs: the public keys to verify against', { field: 'proofs' }));
    return this.#proofs.resolve(namespace, value, options);
  }

  /** Resolves each identifier; each item succeeds or fails on its own, in the order asked. Never rejects. */
  resolveMany(namespace: string, identifiers: readonly IdentifierInput[]): Promise<BatchItem<Resolution>[]> {
    return this.#many(identifiers.map(({ value, scheme }) => lookupKey('resolve', namespace, value, scheme, undefined))) as Promise<BatchItem<Resolution>[]>;
  }

  /** Translates each identifier into `to`; each item succeeds or fails on its own, in the order asked. Never rejects. */
  translateMany(namespace: string, identifiers: readonly IdentifierInput[], to: string): Promise<BatchItem<Translation>[]> {
    return this.#many(identifiers.map(({ value, scheme }) => lookupKey('translate', namespace, value, scheme, to))) as Promise<BatchItem<Translation>[]>;
  }

  /**
   * Forgets the cached answers of `namespace`, or only those naming `value`.
   * A fetch already in flight for one of them still answers its callers but
   * is not written back. Returns how many entries were dropped.
   */
  invalidate(namespace: string, value?: string): number {
    return this.#cache?.invalidate(namespace, value) ?? 0;
  }

  /** The endpoints, healthiest first, with their circuit state. */
  health(): EndpointHealth[] {
    return this.#transport.health();
  }

  /** Settles once no call to the service is in flight (background refreshes included). */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0 || this.#background.size > 0) {
      await Promise.allSettled([...this.#inflight.values(), ...this.#background]);
    }
    await this.flags.idle();
  }

  /** Writes the cached answers to the snapshot file (atomically); nothing without a snapshot path. Writes run one at a time. */
  saveSnapshot(): Promise<void> {
    const { snapshot } = this.#config;
    const cache = this.#cache;
    if (snapshot === null || cache === null) return Promise.resolve();
    const write = this.#saving.then(() =>
      writeSnapshot(
        snapshot.path,
        cache.positiveEntries().map(({ key, value, values, storedAt }) => ({ key, value, values: [...values], storedAt })),
      ),
    );
    this.#saving = write.catch(() => undefined);
    return write;
  }

  /** Sends what is gathered, waits for the calls in flight, writes the snapshot and stops the timers. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#snapshotTimer !== null) clearInterval(this.#snapshotTimer);
      this.#batcher.flushAll();
      await this.idle();
      await this.saveSnapshot();
    })();
    return this.#closing;
  }

  #many(keys: readonly LookupKey[]): Promise<BatchItem<LookupValue>[]> {
    return Promise.all(
      keys.map((key) =>
        (this.#fresh(key.kind, key.namespace, key.value, key.scheme, key.to) ?? this.#lookup(key)).then(
          (answer): BatchItem<LookupValue> => ({ ok: true, ...answer }),
          (error: unknown): BatchItem<LookupValue> => ({ ok: false, error: toStableIdError(error) }),
        ),
      ),
    );
  }

  /**
   * The warm path: a fresh cached answer, found without building the key or
   * awaiting anything, and counted; undefined when the cache holds none, for
   * {@link #lookup} to find an answer. Its span has no children and sends
   * nothing, so it is never made active; it is given its attributes only
   * once it is known to record (so a sampler sees its name and kind only):
   * with no tracer provider registered, OpenTelemetry hands out a
   * non-recording span, and a warm answer then pays for no attribute object.
   */
  #fresh(kind: LookupKey['kind'], namespace: string, value: string, scheme: string | undefined, to: string | undefined): Promise<Answer<LookupValue>> | undefined {
    const cached = this.#cache?.fresh(kind, namespace, value, scheme, to);
    if (cached === undefined) return undefined;
    this.stats.answered('fresh');
    const span = this.#tracer.startSpan(SPAN_NAMES[kind], CLIENT_SPAN);
    if (span.isRecording()) span.setAttributes({ ...lookupAttributes(namespace, scheme, to), 'stableid.source': 'fresh' });
    span.end();
    return Promise.resolve({ value: cached, source: 'fresh' });
  }

  /** One lookup in its own client span, active while it runs: the span's context travels as `traceparent`. */
  #lookup(key: LookupKey): Promise<Answer<LookupValue>> {
    const options = { ...CLIENT_SPAN, attributes: lookupAttributes(key.namespace, key.scheme, key.to) };
    return this.#tracer.startActiveSpan(SPAN_NAMES[key.kind], options, async (span) => {
      try {
        const answer = await this.#answer(key, traceparentOf(context.active()));
        span.setAttribute('stableid.source', answer.source);
        return answer;
      } catch (thrown) {
        const error = toStableIdError(thrown);
        span.setAttribute('stableid.error_code', error.code);
        if (typeof error.context['source'] === 'string') span.setAttribute('stableid.source', error.context['source']);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  async #answer(key: LookupKey, traceparent: string | undefined): Promise<Answer<LookupValue>> {
    const cached = this.#cache?.read(key);
    if (cached?.state === 'fresh') {
      this.stats.answered('fresh');
      return { value: cached.value, source: 'fresh' };
    }
    if (cached?.state === 'negative') {
      this.stats.answered('negative');
      throw withSource(cached.error, 'negative');
    }
    if (cached?.state === 'stale') {
      this.stats.answered('stale');
      this.#refresh(key, traceparent);
      return { value: cached.value, source: 'stale' };
    }
    let outcome: Outcome<LookupValue>;
    try {
      outcome = await this.#fetch(key, traceparent);
    } catch (error) {
      if (cached?.state === 'fallback' && isStableIdError(error, 'SERVICE_UNAVAILABLE')) {
        this.stats.answered('stale');
        return { value: cached.value, source: 'stale' };
      }
      this.stats.failed();
      throw error;
    }
    this.stats.answered('canonical');
    if (outcome.ok) return { value: outcome.value, source: 'canonical' };
    throw withSource(outcome.error, 'canonical');
  }

  /** The service's answer for `key`: one call however many ask at once, written back unless invalidated meanwhile. */
  #fetch(key: LookupKey, traceparent: string | undefined): Promise<Outcome<LookupValue>> {
    const inflight = this.#inflight.get(key.id);
    if (inflight !== undefined) return inflight;
    const cache = this.#cache;
    const ticket = cache?.begin(key);
    const call = this.#batcher.enqueue(batchGroupOf(key), { key, traceparent }).then(
      (outcome) => {
        if (cache !== null && ticket !== undefined) {
          if (outcome.ok) cache.fill(ticket, outcome, valuesOf(outcome.value));
          else if (NEGATIVE_CODES.has(outcome.error.code)) cache.fill(ticket, outcome, []);
          else cache.abandon(ticket);
        }
        return outcome;
      },
      (error: unknown) => {
        if (cache !== null && ticket !== undefined) cache.abandon(ticket);
        throw toStableIdError(error);
      },
    );
    const tracked = call.finally(() => {
      if (this.#inflight.get(key.id) === tracked) this.#inflight.delete(key.id);
    });
    this.#inflight.set(key.id, tracked);
    return tracked;
  }

  /** Refreshes a stale answer in the background; its failure leaves the stale answer in place. */
  #refresh(key: LookupKey, traceparent: string | undefined): void {
    const refresh = this.#fetch(key, traceparent).then(
      () => undefined,
      () => undefined,
    );
    this.#background.add(refresh);
    void refresh.finally(() => this.#background.delete(refresh));
  }
}
