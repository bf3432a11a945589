import { setTimeout as sleep } from 'node:timers/promises';
import { StableIdError } from '../model/errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Reads an interval such as `500ms`, `30s`, `5m`, `1h` (a bare number is seconds) as milliseconds. */
export function parseInterval(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * (UNIT_MS[match[2] ?? 's'] as number) : NaN;
  if (!Number.isFinite(ms) || ms < 1) {
    throw new StableIdError('INVALID_ARGUMENT', `an interval is a number with ms, s, m or h, e.g. 30s or 5m; got ${JSON.stringify(text)}`, { field: 'every' });
  }
  return Math.round(ms);
}

export interface ScheduleOptions<T> {
  /** From the start of one round to the start of the next; a round that takes longer is followed at once. */
  readonly everyMs: number;
  /** How many rounds at most (default: until the signal). */
  readonly times?: number;
  /** Stops the schedule: the round in progress finishes, no other starts. */
  readonly signal?: AbortSignal;
  /** One round; `n` counts from 1. A rejection stops the schedule and is passed on. */
  readonly round: (n: number) => Promise<T>;
  /** Told each round's result before the wait for the next. */
  readonly onRound?: (result: T, n: number) => void | Promise<void>;
}

/** Runs rounds on a fixed rate until `times` rounds ran or the signal fired; answers how many ran. Holds no timer once settled. */
export async function runSchedule<T>(options: ScheduleOptions<T>): Promise<number> {
  const { everyMs, times, signal } = options;
  if (times !== undefined && (!Number.isInteger(times) || times < 1)) {
    throw new StableIdError('INVALID_ARGUMENT', `the number of rounds must be a whole number >= 1, got ${times}`, { field: 'times' });
  }
  let rounds = 0;
  while (!signal?.aborted && (times === undefined || rounds < times)) {
    const started = Date.now();
    rounds += 1;
    await options.onRound?.(await options.round(rounds), rounds);
    if (times !== undefined && rounds >= times) break;
    try {
      await sleep(Math.max(0, started + everyMs - Date.now()), undefined, signal ? { signal } : {});
    } catch (error) {
      if ((error as Error).name === 'AbortError') break;
      throw error;
    }
  }
  return rounds;
}
