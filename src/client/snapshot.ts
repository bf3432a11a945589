import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { type LookupKey, lookupKey } from './lookup-key.js';

/** One remembered answer of a last-known-good snapshot. */
export interface SnapshotEntry<V> {
  readonly key: LookupKey;
  readonly value: V;
  readonly values: readonly string[];
  readonly storedAt: number;
}

const VERSION = 1;

interface StoredEntry {
  readonly kind: LookupKey['kind'];
  readonly namespace: string;
  readonly value: string;
  readonly scheme: string | null;
  readonly to: string | null;
  readonly answer: unknown;
  readonly values: readonly string[];
  readonly storedAt: number;
}

/**
 * Writes the snapshot atomically: to a temporary file beside it, then renamed
 * over it, so a reader (or a crash) sees the old snapshot or the new one, never part of one.
 */
export async function writeSnapshot<V>(path: string, entries: readonly SnapshotEntry<V>[]): Promise<void> {
  const stored: StoredEntry[] = entries.map(({ key, value, values, storedAt }) => ({
    kind: key.kind,
    namespace: key.namespace,
    value: key.value,
    scheme: key.scheme ?? null,
    to: key.to ?? null,
    answer: value,
    values,
    storedAt,
  }));
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, JSON.stringify({ version: VERSION, entries: stored }));
  await rename(temporary, path);
}

/**
 * The entries of the snapshot at `path`; none when there is no file, or when
 * it is not a snapshot of this version — a client must start even without
 * its last-known-good answers.
 */
export function readSnapshot<V>(path: string): SnapshotEntry<V>[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
  const document = parsed as { version?: unknown; entries?: unknown } | null;
  if (document?.version !== VERSION || !Array.isArray(document.entries)) return [];
  return (document.entries as StoredEntry[]).map((entry) => ({
    key: lookupKey(entry.kind, entry.namespace, entry.value, entry.scheme ?? undefined, entry.to ?? undefined),
    value: entry.answer as V,
    values: entry.values,
    storedAt: entry.storedAt,
  }));
}
