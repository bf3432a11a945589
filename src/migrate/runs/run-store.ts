import type { JsonObject } from '../source/source.js';

/**
 * The run store port: where the migration engine keeps what it needs to
 * resume, gate and roll back a run — run records, per-partition
 * checkpoints, before-images, leases. It lives beside the registry (the same
 * SQLite file or PostgreSQL schema, in tables of its own).
 */

export type RunStatus =
  /** Recorded, not started. */
  | 'pending'
  | 'running'
  /** Stopped by `migrate pause`; `resume` goes on. */
  | 'paused'
  /** Waiting at a manual gate; `continue` releases it. */
  | 'gated'
  /** A gate failed or a batch could not be written; the reason is recorded. */
  | 'failed'
  | 'aborted'
  | 'completed'
  | 'rolled-back';

/** Everything recorded of one run; the engine reads it back to resume. */
export interface RunRecord {
  readonly id: string;
  readonly migration: string;
  readonly namespace: string;
  readonly collection: string;
  /** The source's description (never a password). */
  readonly source: string;
  readonly status: RunStatus;
  /** Wave sizes, cumulative percentages of the documents, e.g. [1, 10, 50, 100]. */
  readonly waves: readonly number[];
  /** Index into `waves` of the wave under way (or last finished). */
  readonly wave: number;
  readonly actor: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The run's settings and findings as JSON: options, plan summary, digests, counts, gate results, failure. */
  readonly details: JsonObject;
}

/** Where one partition of one wave stands: the last key written (exclusive cursor), and whether the partition is done. */
export interface Checkpoint {
  readonly run: string;
  readonly wave: number;
  readonly partition: string;
  readonly cursor: string | null;
  readonly done: boolean;
  /** Counters of the partition in this wave (documents seen, written, skipped, conflicts). */
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * A document as it was before the run first wrote it, and what the run
 * wrote: rollback restores `before` under `key` unless the document at
 * `newKey` no longer carries `afterVersion` (the application changed it).
 */
export interface BeforeImage {
  readonly run: string;
  readonly key: string;
  readonly newKey: string;
  readonly before: JsonObject;
  /** The version the run's write produced, once known. */
  readonly afterVersion: string | null;
  /** The identifier's binding before the run moved it (null when it had none): rollback puts it back. */
  readonly binding: JsonObject | null;
}

/** A lease on a migration: one runner at a time; the token grows with every new holder and fences stale writers. */
export interface Lease {
  readonly migration: string;
  readonly holder: string;
  readonly token: number;
  readonly expiresAt: string;
}

export interface RunStore {
  /** Where the store lives, e.g. "sqlite:/data/registry.db"; never a password. */
  readonly description: string;
  /** Records a new run; an id already recorded is refused (INTERNAL). JSON reads back exactly as written. */
  createRun(record: RunRecord): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Runs of a migration (or all), newest first: by `createdAt`, then by id, both descending. */
  listRuns(migration?: string): Promise<RunRecord[]>;
  /** Replaces status, wave, details and updatedAt of a run; RUN_NOT_FOUND when there is no such run. */
  updateRun(id: string, change: Pick<RunRecord, 'status' | 'wave' | 'details' | 'updatedAt'>): Promise<void>;

  /** Inserts or replaces the checkpoint of (run, wave, partition). */
  saveCheckpoint(checkpoint: Checkpoint): Promise<void>;
  /** The checkpoints of one wave of a run, by partition id (bytewise). */
  checkpoints(run: string, wave: number): Promise<Checkpoint[]>;

  /** Keeps the first before-image of each key: a resumed batch writing it again changes nothing. */
  saveBeforeImages(images: readonly BeforeImage[]): Promise<void>;
  /** Records the versions the run's writes produced, by key; keys without a before-image are ignored. */
  recordAfterVersions(run: string, versions: ReadonlyMap<string, string>): Promise<void>;
  /** Before-images of a run in key order (bytewise, UTF-8), after `cursor`, at most `limit` (a positive integer). */
  beforeImages(run: string, cursor: string | null, limit: number): Promise<BeforeImage[]>;

  /**
   * Takes the migration's lease for `holder` when it is free or expired (a
   * new, higher token) or already the holder's (same token, new expiry);
   * undefined when someone else holds it. A lease is expired from its
   * `expiresAt` on. Atomic: of runners racing for it, across processes,
   * one gets it.
   */
  acquireLease(migration: string, holder: string, ttlMs: number, now: Date): Promise<Lease | undefined>;
  /**
   * Extends the holder's lease; undefined when it is no longer theirs (it
   * expired and someone took it). A lease that expired while nobody took it
   * is still theirs: its token was never superseded.
   */
  renewLease(lease: Lease, ttlMs: number, now: Date): Promise<Lease | undefined>;
  /** Frees the lease at once if it is still this one (holder and token); the next holder gets the next token. */
  releaseLease(lease: Lease): Promise<void>;

  /** Closes the store's connections; later calls fail with STORE_UNAVAILABLE. Idempotent. */
  close(): Promise<void>;
}
