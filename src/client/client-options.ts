import type { Registry as PromRegistry } from 'prom-client';
import { StableIdError } from '../model/errors.js';
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
import { type CacheOptions, DEFAULT_CACHE } from './cache.js';
import { type CircuitBreakerOptions, DEFAULT_BREAKER } from './circuit-breaker.js';
import { type Clock, systemClock } from './clock.js';
import type { FlagReaderOptions } from './flag-reader.js';
import { type ProofConfig, type ProofOptions, proofConfig } from './proof-check.js';
import type { TransportOptions } from './transport.js';

export interface ClientOptions {
  /** The service's base URL, or several: they are tried in order of health. */
  readonly endpoints: string | readonly string[];
  /** An API token, sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** How long one HTTP attempt may take, body included (default 2 s). */
  readonly timeoutMs?: number;
  /** Further rounds over the endpoints after the first fails (default 2). */
  readonly retries?: number;
  readonly backoff?: BackoffOptions;
  /** The circuit breaker each endpoint has. */
  readonly breaker?: CircuitBreakerOptions;
  /** The in-process cache; false for none (every lookup goes to the service). */
  readonly cache?: CacheOptions | false;
  /** The cache of transition flags and the flags assumed while none can be read (`client.flags`). */
  readonly flags?: Omit<FlagReaderOptions, 'clock'>;
  /** How long single lookups are gathered into one batch request (default 2 ms). */
  readonly batchWindowMs?: number;
  /** The most identifiers one batch request names: the service's batch limit (default 1000). */
  readonly batchLimit?: number;
  /** Prometheus counters of the lookups' sources, registered into this registry. */
  readonly metrics?: { readonly registry: PromRegistry; readonly prefix?: string };
  /**
   * A file of last-known-good answers: loaded on start, written (atomically)
   * on close and every `intervalMs` (default 60 s; 0 for only on close).
   */
  readonly snapshot?: { readonly path: string; readonly intervalMs?: number };
  /** The registry's public keys, pinned, that `resolveVerified` checks proofs against; without them it is refused. */
  readonly proofs?: ProofOptions;
  /** The time the cache and the circuit breakers read (default `Date.now`). */
  readonly clock?: Clock;
  /** The jitter source, [0, 1) (default `Math.random`). */
  readonly random?: () => number;
}

/** The options with their defaults: the transport's part, and the client's own. */
export interface ClientConfig extends Omit<TransportOptions, 'clock' | 'random'> {
  readonly cache: Required<CacheOptions> | null;
  readonly batchWindowMs: number;
  readonly batchLimit: number;
  readonly metrics: ClientOptions['metrics'] | undefined;
  readonly snapshot: { readonly path: string; readonly intervalMs: number } | null;
  readonly proofs: ProofConfig | null;
  readonly clock: Clock;
  readonly random: () => number;
}

const nonNegative = (field: string, value: number): number => {
  if (!Number.isFinite(value) || value < 0) throw new StableIdError('INVALID_ARGUMENT', `client option ${field} must be a non-negative number, not ${value}`, { field });
  return value;
};

/** The options with their defaults, checked and frozen. */
export function clientConfig(options: ClientOptions): ClientConfig {
  const endpoints = typeof options.endpoints === 'string' ? [options.endpoints] : [...options.endpoints];
  if (endpoints.length === 0) throw new StableIdError('INVALID_ARGUMENT', 'the client needs at least one endpoint', { field: 'endpoints' });
  const cache = options.cache === false ? null : Object.freeze({ ...DEFAULT_CACHE, ...options.cache });
  if (cache !== null && cache.maxEntries < 1) throw new StableIdError('INVALID_ARGUMENT', 'client option cache.maxEntries must be at least 1', { field: 'cache.maxEntries' });
  const batchLimit = options.batchLimit ?? 1000;
  if (!Number.isInteger(batchLimit) || batchLimit < 1) throw new StableIdError('INVALID_ARGUMENT', 'client option batchLimit must be a positive integer', { field: 'batchLimit' });
  return Object.freeze({
    endpoints: Object.freeze(endpoints),
    token: options.token,
    timeoutMs: nonNegative('timeoutMs', options.timeoutMs ?? 2000),
    retries: nonNegative('retries', options.retries ?? 2),
    backoff: Object.freeze({ ...DEFAULT_BACKOFF, ...options.backoff }),
    breaker: Object.freeze({ ...DEFAULT_BREAKER, ...options.breaker }),
    cache,
    batchWindowMs: nonNegative('batchWindowMs', options.batchWindowMs ?? 2),
    batchLimit,
    metrics: options.metrics,
    snapshot: options.snapshot === undefined ? null : Object.freeze({ path: options.snapshot.path, intervalMs: options.snapshot.intervalMs ?? 60_000 }),
    proofs: options.proofs === undefined ? null : proofConfig(options.proofs),
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
  });
}
