import { randomUUID } from 'node:crypto';
import { StableIdError } from '../../model/errors.js';
import type { Stage } from '../../model/flags.js';
import { type Clock, systemClock } from '../clock.js';

/** One of a migration's two paths: the implementation migrated from, or the one migrated to. */
export type MigrationPath = 'old' | 'new';

/** A failure as a reconciliation entry keeps it: serialisable. */
export interface RecordedError {
  readonly name: string;
  readonly message: string;
  /** The error's `code`, when it has a string one (a StableIdError's, a driver's). */
  readonly code?: string;
}

/** A write that succeeded on the authoritative path and failed on the other: that path's store is behind. */
export interface ReconciliationEntry {
  readonly id: string;
  readonly namespace: string;
  readonly consumer: string;
  readonly identifier: string;
  /** The path whose write failed. */
  readonly path: MigrationPath;
  /** The stage the write ran in. */
  readonly stage: Stage;
  /** What the caller gave the write to redo it with (`payload`); undefined when it gave none. */
  readonly payload: unknown;
  readonly error: RecordedError;
  /** When the write failed (the queue's clock). */
  readonly failedAt: number;
  /** Replays tried so far. */
  readonly attempts: number;
  /** The last replay's failure, if a replay failed. */
  readonly lastError?: RecordedError;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * Where a reconciliation queue keeps its entries. The in-memory store is
 * the default; a store on disk or in a database keeps entries across restarts.
 */
export interface ReconciliationStore {
  /** Keeps the entry: replaces the one with its id in place, or adds it as the newest. A bounded store may drop its oldest to make room. */
  put(entry: ReconciliationEntry): MaybePromise<void>;
  /** Every entry, oldest first. */
  list(): MaybePromise<readonly ReconciliationEntry[]>;
  /** Forgets the entry with that id; true if there was one. */
  remove(id: string): MaybePromise<boolean>;
}

/** Entries in memory, oldest first, at most `maxEntries`: past that the oldest is dropped and counted. */
export class MemoryReconciliationStore implements ReconciliationStore {
  readonly #entries = new Map<string, ReconciliationEntry>();
  readonly #maxEntries: number;
  #dropped = 0;

  constructor(maxEntries = 10_000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new StableIdError('INVALID_ARGUMENT', 'a reconciliation store holds at least one entry', { field: 'maxEntries' });
    this.#maxEntries = maxEntries;
  }

  /** Entries dropped to stay within the bound. */
  get dropped(): number {
    return this.#dropped;
  }

  put(entry: ReconciliationEntry): void {
    if (!this.#entries.has(entry.id)) {
      for (const oldest of this.#entries.keys()) {
        if (this.#entries.size < this.#maxEntries) break;
        this.#entries.delete(oldest);
        this.#dropped += 1;
      }
    }
    this.#entries.set(entry.id, entry);
  }

  list(): readonly ReconciliationEntry[] {
    return [...this.#entries.values()];
  }

  remove(id: string): boolean {
    return this.#entries.delete(id);
  }
}

/** What one replay did. */
export interface ReplayResult {
  /** Entries the caller's function applied: removed from the queue. */
  readonly replayed: number;
  /** Entries it failed on again: kept, with `attempts` and `lastError`. */
  readonly failed: number;
  /** Entries in the queue afterwards. */
  readonly remaining: number;
}

export interface ReconciliationQueueOptions {
  /** Default an in-memory store of at most `maxEntries` (default 10,000). */
  readonly store?: ReconciliationStore;
  readonly maxEntries?: number;
  readonly clock?: Clock;
  readonly newId?: () => string;
}

/** The part of an entry its writer names; the queue adds the id, the time and the attempts. */
export type FailedWrite = Omit<ReconciliationEntry, 'id' | 'failedAt' | 'attempts' | 'lastError' | 'error'> & { readonly error: unknown };

/** A failure as an entry keeps it. */
export function recordedError(error: unknown): RecordedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? { name: error.name, message: error.message, code } : { name: error.name, message: error.message };
  }
  return { name: 'Error', message: String(error) };
}

/**
 * Non-authoritative writes that failed, to inspect and replay. A replay
 * hands each entry, oldest first, to the caller's function — which redoes
 * the write on the entry's path, from its identifier and payload — and
 * removes the entries it applied; the rest stay, counted. Replays run one at
 * a time; an entry is never handed to two at once.
 */
export class ReconciliationQueue {
  readonly #store: ReconciliationStore;
  readonly #clock: Clock;
  readonly #newId: () => string;
  #replaying: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #replayed = 0;

  constructor(options: ReconciliationQueueOptions = {}) {
    this.#store = options.store ?? new MemoryReconciliationStore(options.maxEntries);
    this.#clock = options.clock ?? systemClock;
    this.#newId = options.newId ?? randomUUID;
  }

  /** Entries ever added, and ever replayed, by this queue. */
  counts(): { readonly queued: number; readonly replayed: number } {
    return { queued: this.#queued, replayed: this.#replayed };
  }

  /** Adds a failed write; returns its entry. */
  async add(write: FailedWrite): Promise<ReconciliationEntry> {
    const { error, ...rest } = write;
    const entry: ReconciliationEntry = Object.freeze({ ...rest, id: this.#newId(), error: recordedError(error), failedAt: this.#clock(), attempts: 0 });
    await this.#store.put(entry);
    this.#queued += 1;
    return entry;
  }

  /** The entries, oldest first. */
  async entries(): Promise<readonly ReconciliationEntry[]> {
    return [...(await this.#store.list())];
  }

  async size(): Promise<number> {
    return (await this.#store.list()).length;
  }

  /** Forgets an entry without replaying it (its write is reconciled otherwise, or given up); true if it was there. */
  async drop(id: string): Promise<boolean> {
    return this.#store.remove(id);
  }

  /**
   * Hands the entries (those `filter` keeps, oldest first, at most `limit`)
   * to `apply`, one at a time; removes each it applies, keeps each it throws
   * on with one more attempt and the failure. Never rejects for `apply`'s failures.
   */
  replay(
    apply: (entry: ReconciliationEntry) => unknown,
    options: { readonly limit?: number; readonly filter?: (entry: ReconciliationEntry) => boolean } = {},
  ): Promise<ReplayResult> {
    const run = this.#replaying.then(() => this.#replay(apply, options));
    this.#replaying = run.catch(() => undefined);
    return run;
  }

  async #replay(
    apply: (entry: ReconciliationEntry) => unknown,
    { limit = Infinity, filter }: { readonly limit?: number; readonly filter?: (entry: ReconciliationEntry) => boolean },
  ): Promise<ReplayResult> {
    const chosen = (await this.#store.list()).filter((entry) => filter === undefined || filter(entry)).slice(0, limit);
    let replayed = 0;
    let failed = 0;
    for (const entry of chosen) {
      try {
        await apply(entry);
      } catch (error) {
        failed += 1;
        await this.#store.put(Object.freeze({ ...entry, attempts: entry.attempts + 1, lastError: recordedError(error) }));
        continue;
      }
      await this.#store.remove(entry.id);
      replayed += 1;
      this.#replayed += 1;
    }
    return { replayed, failed, remaining: await this.size() };
  }
}
