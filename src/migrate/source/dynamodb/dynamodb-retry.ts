import { setTimeout as sleep } from 'node:timers/promises';
import { StableIdError } from '../../../model/errors.js';

/** How a call the store pushed back on (throttling, a transaction in conflict) is tried again. */
export interface RetryPolicy {
  /** The ceiling of the first delay; it doubles with each retry, up to `maxDelayMs`. Each delay is drawn at random below its ceiling (full jitter). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** How long one call keeps trying before it fails with STORE_BUSY. */
  readonly giveUpAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ baseDelayMs: 50, maxDelayMs: 5_000, giveUpAfterMs: 15 * 60_000 });

/** One retry, as reported to whoever listens (logs, tests). */
export interface RetryNotice {
  readonly operation: string;
  /** What the store said: the error or cancellation reason. */
  readonly reason: string;
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
}

/** Names what makes an error worth another try, or null when it is not. */
export type Retryable = (error: unknown) => string | null;

/**
 * Retries with exponential backoff and full jitter: a throttled store is
 * given time rather than failing the run, and concurrent callers spread out
 * instead of retrying in step. Every retry is reported to `onRetry`.
 */
export class Backoff {
  readonly #policy: RetryPolicy;
  readonly #onRetry: (notice: RetryNotice) => void;
  readonly #random: () => number;

  constructor(policy: RetryPolicy, onRetry: (notice: RetryNotice) => void = () => undefined, random: () => number = Math.random) {
    this.#policy = policy;
    this.#onRetry = onRetry;
    this.#random = random;
  }

  /** Runs `fn` until it succeeds or fails with an error `retryable` does not name, or until the policy gives up. */
  async run<T>(operation: string, fn: () => Promise<T>, retryable: Retryable, where: string): Promise<T> {
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        const reason = retryable(error);
        if (reason === null) throw error;
        const ceiling = Math.min(this.#policy.maxDelayMs, this.#policy.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
        const delayMs = Math.round(this.#random() * ceiling);
        if (performance.now() - started + delayMs >= this.#policy.giveUpAfterMs) {
          throw new StableIdError('STORE_BUSY', `${where}: ${operation} was still refused (${reason}) after ${attempt} tries; nothing of it was written, and it can be repeated`, { store: where, reason }, { cause: error });
        }
        this.#onRetry({ operation, reason, attempt, delayMs });
        await sleep(delayMs);
      }
    }
  }
}
