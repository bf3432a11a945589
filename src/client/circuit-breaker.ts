import type { Clock } from './clock.js';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit (default 5). */
  readonly failureThreshold?: number;
  /** How long an open circuit refuses calls before letting one probe through (default 10 s). */
  readonly coolDownMs?: number;
}

export const DEFAULT_BREAKER: Required<CircuitBreakerOptions> = Object.freeze({ failureThreshold: 5, coolDownMs: 10_000 });

export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * One endpoint's circuit: closed while it answers; open after
 * `failureThreshold` consecutive failures, refusing calls; half-open once the
 * cool-down has passed, letting exactly one probe through, whose outcome
 * closes or reopens it.
 */
export class CircuitBreaker {
  readonly #options: Required<CircuitBreakerOptions>;
  readonly #clock: Clock;
  #failures = 0;
  #openedAt: number | null = null;
  #probing = false;

  constructor(options: Required<CircuitBreakerOptions>, clock: Clock) {
    this.#options = options;
    this.#clock = clock;
  }

  /** The state now; reading it changes nothing. */
  get state(): CircuitState {
    if (this.#openedAt === null) return 'closed';
    return this.#clock() - this.#openedAt >= this.#options.coolDownMs ? 'half-open' : 'open';
  }

  /** Consecutive failures since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** Whether a call may go out now; in half-open, true once (the probe) until its outcome is recorded. */
  acquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#openedAt = null;
    this.#probing = false;
  }

  failed(): void {
    this.#failures += 1;
    if (this.#probing || this.#failures >= this.#options.failureThreshold) this.#openedAt = this.#clock();
    this.#probing = false;
  }
}
