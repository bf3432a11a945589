import { StableIdError } from '../../model/errors.js';
import type { JsonObject } from '../source/source.js';
import type { BeforeImage, Checkpoint, Lease, RunRecord, RunStatus } from './run-store.js';

/**
 * What both run stores share: how records become rows and back, and the
 * arithmetic of leases. Column names are the same in both dialects; JSON is
 * kept as text, so that a value reads back exactly as written (key order and
 * number spelling included).
 */

export type Row = Record<string, unknown>;

/** A released lease expires at the epoch: expired for any `now`, so the next acquire takes a new token. */
export const RELEASED_AT = new Date(0).toISOString();

/** The expiry of a lease taken or renewed at `now` for `ttlMs`; refuses a clock or ttl that makes no instant. */
export function leaseExpiry(now: Date, ttlMs: number): string {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new StableIdError('INVALID_ARGUMENT', `lease ttl must be a positive number of milliseconds, got ${String(ttlMs)}`, { field: 'ttlMs' });
  }
  const expires = new Date(now.getTime() + ttlMs);
  if (Number.isNaN(expires.getTime())) {
    throw new StableIdError('INVALID_ARGUMENT', 'lease time is not a valid date', { field: 'now' });
  }
  return expires.toISOString();
}

/** A page size, refused unless it is a positive integer. */
export function pageSize(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new StableIdError('INVALID_ARGUMENT', `page limit must be a positive integer, got ${String(limit)}`, { field: 'limit' });
  }
  return limit;
}

/**
 * The first image of each (run, key) in `images`: a batch that names a key
 * twice keeps the earlier one, as a second batch would, whichever order the
 * database inserts a statement's rows in.
 */
export function firstImages(images: readonly BeforeImage[]): BeforeImage[] {
  const seen = new Set<string>();
  return images.filter((image) => {
    // Run ids and keys may hold any character, so the pair is joined by its JSON form.
    const id = JSON.stringify([image.run, image.key]);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

export function runNotFound(id: string, store: string): StableIdError {
  return new StableIdError('RUN_NOT_FOUND', `no migration run "${id}" in ${store}`, { run: id, store });
}

export function runExists(id: string, store: string, cause: unknown): StableIdError {
  return new StableIdError('INTERNAL', `migration run "${id}" already exists in ${store}`, { run: id, store }, { cause });
}

/** The stored columns of a run, in the order of {@link RUN_COLUMNS}. */
export function runValues(record: RunRecord): unknown[] {
  return [
    record.id,
    record.migration,
    record.namespace,
    record.collection,
    record.source,
    record.status,
    JSON.stringify(record.waves),
    record.wave,
    record.actor,
    record.createdAt,
    record.updatedAt,
    JSON.stringify(record.details),
  ];
}

export const RUN_COLUMNS = 'id, migration, namespace, collection, source, status, waves, wave, actor, created_at, updated_at, details';

export function toRunRecord(row: Row): RunRecord {
  return {
    id: String(row['id']),
    migration: String(row['migration']),
    namespace: String(row['namespace']),
    collection: String(row['collection']),
    source: String(row['source']),
    status: String(row['status']) as RunStatus,
    waves: JSON.parse(String(row['waves'])) as number[],
    wave: Number(row['wave']),
    actor: String(row['actor']),
    createdAt: String(row['created_at']),
    updatedAt: String(row['updated_at']),
    details: JSON.parse(String(row['details'])) as JsonObject,
  };
}

export const CHECKPOINT_COLUMNS = 'run, wave, partition, cursor, done, counts';

export function toCheckpoint(row: Row): Checkpoint {
  return {
    run: String(row['run']),
    wave: Number(row['wave']),
    partition: String(row['partition']),
    cursor: row['cursor'] == null ? null : String(row['cursor']),
    // SQLite answers 0 or 1, PostgreSQL a boolean.
    done: Boolean(row['done']),
    counts: JSON.parse(String(row['counts'])) as Record<string, number>,
  };
}

export const IMAGE_COLUMNS = 'run, key, new_key, before, after_version, binding';

export function toBeforeImage(row: Row): BeforeImage {
  return {
    run: String(row['run']),
    key: String(row['key']),
    newKey: String(row['new_key']),
    before: JSON.parse(String(row['before'])) as JsonObject,
    afterVersion: row['after_version'] == null ? null : String(row['after_version']),
    binding: row['binding'] == null ? null : (JSON.parse(String(row['binding'])) as JsonObject),
  };
}

export function toLease(migration: string, row: Row): Lease {
  return {
    migration,
    holder: String(row['holder']),
    // PostgreSQL answers a BIGINT as a string.
    token: Number(row['token']),
    expiresAt: String(row['expires_at']),
  };
}
