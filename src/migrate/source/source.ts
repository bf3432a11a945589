/**
 * The source port: how the migration engine reaches the user's own data
 * store — the documents that carry external identifiers. A backend is a
 * folder under src/migrate/source implementing this and passing the source
 * conformance suite (test/sources/).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One document as read: its key, an opaque version token, and its body. */
export interface SourceDocument {
  readonly key: string;
  /**
   * Changes whenever the stored document changes, by whatever writer —
   * the engine, or the application behind its back. A conditional write
   * names the version it read and is refused if the document moved on.
   */
  readonly version: string;
  readonly body: JsonObject;
}

/**
 * A slice of a collection scanned on its own: a key range where the store
 * orders keys (`from` inclusive, `to` exclusive, null for unbounded), so that
 * workers can split a collection and each resume its own slice.
 */
export interface Partition {
  /** Stable across calls for the same split; names the partition in checkpoints. */
  readonly id: string;
  readonly from: string | null;
  readonly to: string | null;
}

/** One page of a scan, in key order, and where the next page starts (null when the partition is done). */
export interface ScanPage {
  readonly documents: readonly SourceDocument[];
  readonly cursor: string | null;
}

/** A write to a collection. `expected` is the version the writer read: the write holds only if it is still current. */
export type WriteOp =
  | { readonly kind: 'replace'; readonly key: string; readonly expected: string; readonly body: JsonObject }
  | { readonly kind: 'insert'; readonly key: string; readonly body: JsonObject }
  | { readonly kind: 'delete'; readonly key: string; readonly expected: string };

/** Why one write of a refused batch could not hold. */
export type WriteRefusal =
  /** The document changed (or vanished) since it was read. */
  | 'conflict'
  /** An insert met an existing key. */
  | 'exists';

export type ApplyResult =
  /** Every write held; the new version of each written document, by key (deleted keys absent). */
  | { readonly ok: true; readonly versions: ReadonlyMap<string, string> }
  /** Nothing was written; the writes that could not hold, by key. */
  | { readonly ok: false; readonly refused: ReadonlyMap<string, WriteRefusal> };

/**
 * A fencing token: a writer holding a lease passes its token with each
 * batch, and the collection refuses a batch whose token is lower than one it
 * has already seen for the same lease name — so a runner that lost its lease
 * can never write after its successor has.
 */
export interface Fence {
  readonly name: string;
  readonly token: number;
}

export interface SourceCollection {
  readonly name: string;
  /** Splits the collection into at most `count` key ranges that together cover every key, in key order. */
  partitions(count: number): Promise<Partition[]>;
  /** Up to `limit` documents of the partition with keys after `cursor` (from its start when null), in key order. */
  scan(partition: Partition, cursor: string | null, limit: number): Promise<ScanPage>;
  /** The documents with these keys; missing keys are absent from the answer. */
  getMany(keys: readonly string[]): Promise<SourceDocument[]>;
  /**
   * Applies the writes atomically: all of them, or none when any cannot
   * hold. With a fence, a stale token refuses the whole batch with
   * LEASE_LOST and writes nothing.
   */
  apply(ops: readonly WriteOp[], fence?: Fence): Promise<ApplyResult>;
  /** How many documents the partition (or the whole collection) holds. */
  count(partition?: Partition): Promise<number>;
}

export interface Source {
  /** A human description without secrets, e.g. "sqlite:/data/app.db". */
  readonly description: string;
  /** The collection of that name; the embedded source creates it if missing, others require it to exist (SOURCE_NOT_FOUND). */
  collection(name: string): Promise<SourceCollection>;
  close(): Promise<void>;
}
