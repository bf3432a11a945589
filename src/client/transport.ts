import { setTimeout as sleep } from 'node:timers/promises';
import { StableIdError } from '../model/errors.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker.js';
import type { Clock } from './clock.js';
import { errorOfProblem } from './problem-error.js';

export interface TransportOptions {
  readonly endpoints: readonly string[];
  readonly token: string | undefined;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoff: Required<BackoffOptions>;
  readonly breaker: Required<CircuitBreakerOptions>;
  readonly clock: Clock;
  readonly random: () => number;
}

/** A request sent to the service: idempotent (a read, or a PUT of a whole state), so it may be retried on any endpoint. */
export interface ServiceRead {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** The path and query, from the service root. */
  readonly path: string;
  readonly body?: unknown;
  /** A W3C traceparent to send, or undefined. */
  readonly traceparent?: string | undefined;
  /** Further request headers (e.g. `x-reason`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The service's answer: any status below 500, with its JSON body. */
export interface ServiceResponse {
  readonly status: number;
  readonly body: unknown;
}

/** One endpoint's health as the transport sees it. */
export interface EndpointHealth {
  readonly url: string;
  readonly state: CircuitState;
  readonly failures: number;
}

interface Endpoint {
  readonly url: string;
  readonly index: number;
  readonly breaker: CircuitBreaker;
}

const STATE_RANK: Readonly<Record<CircuitState, number>> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Sends reads to the service's endpoints. Each round tries the endpoints in
 * order of health (closed circuits first, fewest recent failures first, then
 * as configured), skipping open circuits; a connection failure, a timeout or a
 * 5xx moves on to the next. After `retries` further rounds, each after a
 * jittered exponential backoff, it fails with SERVICE_UNAVAILABLE, keeping the
 * last failure as the cause. A 4xx is an answer, never retried.
 */
export class HttpTransport {
  readonly #options: TransportOptions;
  readonly #endpoints: readonly Endpoint[];

  constructor(options: TransportOptions) {
    if (options.endpoints.length === 0) throw new StableIdError('INVALID_ARGUMENT', 'the client needs at least one endpoint', { field: 'endpoints' });
    this.#options = options;
    this.#endpoints = options.endpoints.map((url, index) => ({ url: url.replace(/\/+$/, ''), index, breaker: new CircuitBreaker(options.breaker, options.clock) }));
  }

  /** The endpoints, healthiest first: the order the next round tries them in. */
  health(): EndpointHealth[] {
    return this.#ordered().map(({ url, breaker }) => ({ url, state: breaker.state, failures: breaker.failures }));
  }

  async send(read: ServiceRead): Promise<ServiceResponse> {
    let lastFailure: unknown;
    let attempts = 0;
    for (let round = 0; round <= this.#options.retries; round += 1) {
      if (round > 0) await sleep(backoffDelay(round, this.#options.backoff, this.#options.random));
      for (const endpoint of this.#ordered()) {
        if (!endpoint.breaker.acquire()) continue;
        attempts += 1;
        try {
          const response = await this.#fetch(endpoint, read);
          endpoint.breaker.succeeded();
          return response;
        } catch (error) {
          endpoint.breaker.failed();
          lastFailure = error;
        }
      }
    }
    const reason = attempts === 0 ? 'every endpoint’s circuit is open' : `${attempts} attempts failed`;
    throw new StableIdError(
      'SERVICE_UNAVAILABLE',
      `the identity service cannot be reached: ${reason}${lastFailure instanceof Error ? ` (last: ${lastFailure.message})` : ''}`,
      { endpoints: this.#endpoints.map((e) => e.url), attempts, rule: attempts === 0 ? 'circuit.open' : 'service.unreachable' },
      { cause: lastFailure },
    );
  }

  #ordered(): Endpoint[] {
    return [...this.#endpoints].sort(
      (a, b) => STATE_RANK[a.breaker.state] - STATE_RANK[b.breaker.state] || a.breaker.failures - b.breaker.failures || a.index - b.index,
    );
  }

  /** One attempt: resolves with a response below 500, throws on anything else. */
  async #fetch(endpoint: Endpoint, read: ServiceRead): Promise<ServiceResponse> {
    const headers: Record<string, string> = { ...read.headers, accept: 'application/json, application/problem+json' };
    if (read.body !== undefined) headers['content-type'] = 'application/json';
    if (this.#options.token !== undefined) headers['authorization'] = `Bearer ${this.#options.token}`;
    if (read.traceparent !== undefined) headers['traceparent'] = read.traceparent;
    const response = await fetch(`${endpoint.url}${read.path}`, {
      method: read.method,
      headers,
      ...(read.body === undefined ? {} : { body: JSON.stringify(read.body) }),
      signal: AbortSignal.timeout(this.#options.timeoutMs),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text.length === 0 ? null : JSON.parse(text);
    } catch (error) {
      throw new Error(`${endpoint.url} answered ${response.status} with a body that is not JSON`, { cause: error });
    }
    if (response.status >= 500) throw errorOfProblem(body, response.status);
    return { status: response.status, body };
  }
}
