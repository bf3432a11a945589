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
   * A source may derive it from the stored content (Redis does): a key
   * deleted and written again with the same body then gets back the version
   * it had, which is harmless, as a write naming it acts on exactly the
   * content its writer read.
   */
  readonly version: string;
  readonly body: JsonObject;
}

/**
 * A slice of a collection scanned on its own, so that workers can split a
 * collection and each resume its own slice. The engine reads only its `id`;
 * it records the rest on the run and hands it to worker processes, so the
 * rest must survive a JSON round trip. What the rest says is the source's
 * business: a key range where the store orders keys (`from` inclusive, `to`
 * exclusive, null for unbounded), a segment of a parallel scan, or nothing
 * (the whole collection).
 */
export interface Partition {
  /** Stable across calls for the same split; names the partition in checkpoints. */
  readonly id: string;
  readonly [detail: string]: JsonValue;
}

/**
 * One page of a scan, and where the next page starts (null when the
 * partition is done). The cursor is opaque to the engine, which only stores
 * it in checkpoints and passes it back; an ordered collection's cursor is
 * the last key returned.
 */
export interface ScanPage {
  readonly documents: readonly SourceDocument[];
  readonly cursor: string | null;
}

/** How a collection's store behaves where stores differ; the engine adapts to it. */
export interface CollectionTraits {
  /** Scans return keys in key order, partitions are contiguous key ranges and the cursor is the last key returned; otherwise pages come in the store's own order. */
  readonly ordered: boolean;
  /** One walk of a partition may return a key more than once (Redis SCAN while its table grows): readers drop the repeats. */
  readonly repeats: boolean;
  /** The most writes one apply() takes — the store's limit on a transaction — or null for no limit; the engine splits larger batches. */
  readonly maxWrites: number | null;
}

/**
 * A write to a collection. `expected` is the version the writer read: the
 * write holds only if it is still current. An insert's `from` names the key
 * the document moves from (a re-key), deleted in the same batch: the source
 * carries over what it keeps beside the body, such as a Redis TTL, so a move
 * loses nothing.
 */
export type WriteOp =
  | { readonly kind: 'replace'; readonly key: string; readonly expected: string; readonly body: JsonObject }
  | { readonly kind: 'insert'; readonly key: string; readonly body: JsonObject; readonly from?: string }
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
  readonly traits: CollectionTraits;
  /** Splits the collection into at most `count` partitions that together cover every key (key ranges, in key order, where the collection is ordered). */
  partitions(count: number): Promise<Partition[]>;
  /**
   * Up to `limit` documents of the partition from `cursor` on (from its
   * start when null): in key order after the cursor where the collection is
   * ordered. A page may be short, even empty, with a next one to follow.
   * Documents present for the whole walk of a partition are each returned
   * (more than once only where the collection `repeats`); documents written
   * during the walk may or may not be.
   */
  scan(partition: Partition, cursor: string | null, limit: number): Promise<ScanPage>;
  /** The documents with these keys; missing keys are absent from the answer. */
  getMany(keys: readonly string[]): Promise<SourceDocument[]>;
  /**
   * Applies the writes atomically: all of them, or none when any cannot
   * hold. With a fence, a stale token refuses the whole batch with
   * LEASE_LOST and writes nothing. A batch of more than `traits.maxWrites`
   * writes is refused with INVALID_ARGUMENT before anything is written.
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
