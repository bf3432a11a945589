/** How long to wait between rounds of retries. */
export interface BackoffOptions {
  /** The delay before the first retry, before jitter (default 50 ms). */
  readonly baseMs?: number;
  /** The largest delay, before jitter (default 1 s). */
  readonly maxMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = Object.freeze({ baseMs: 50, maxMs: 1000 });

/**
 * The delay before retry `retry` (1 for the first): exponential, capped, with
 * "equal jitter" — between half and all of the capped delay — so that clients
 * that failed together do not retry together. `random` returns [0, 1).
 */
export function backoffDelay(retry: number, options: Required<BackoffOptions>, random: () => number): number {
  const capped = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  return capped / 2 + (capped / 2) * random();
}
