import type { AppendedEvent, ChainedEvent, EventSecret } from '../model/events.js';
import type { CheckpointRecord } from '../model/proof/checkpoint-note.js';
import type { SigningKeyRecord } from '../model/proof/key-records.js';
import type {
  BindingRow,
  ErasureRow,
  IdentifierRow,
  IdentifierStateRow,
  NamespaceRow,
  ProjectionRows,
  SchemeRow,
  SchemeStateRow,
} from '../model/rows.js';

/** The last event of a namespace's chain. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
}

/** An identifier with its value; `value` is null once erased. */
export interface StoredIdentifier extends IdentifierRow {
  readonly value: string | null;
}

export interface IdentifierKey {
  readonly scheme: string;
  readonly value: string;
}

/** One event's chain hash as its 32 bytes: leaf seq − 1 of the namespace's Merkle tree. */
export interface EventHash {
  readonly seq: number;
  readonly hash: Buffer;
}

/** Leaves per Merkle tile: the subtrees whose roots a store keeps so that proofs need not rehash the log. */
export const TILE_SIZE = 256;

/** The root of leaves [index × TILE_SIZE, (index + 1) × TILE_SIZE) of a namespace's Merkle tree. */
export interface MerkleTile {
  readonly index: number;
  readonly root: Buffer;
}

/** Retiring the active signing key in favour of the one being added. */
export type KeyRetirement = Pick<SigningKeyRecord, 'keyId'> & {
  readonly validUntil: string;
  readonly retiredBy: string;
  readonly retirementSignature: string;
};

/**
 * Read access to a store. Every method sees one consistent snapshot for the
 * duration of the `read` or `write` call that handed it out, and returns rows
 * in a deterministic order (stated per method).
 */
export interface StoreReader {
  /** The namespace, or undefined. */
  getNamespace(name: string): Promise<NamespaceRow | undefined>;
  /** Every namespace that has at least one event, by name, whatever its projection rows say. */
  logNamespaces(): Promise<string[]>;
  /** All namespaces, by name. */
  listNamespaces(): Promise<NamespaceRow[]>;
  /** The schemes of a namespace, by creation seq. */
  listSchemes(namespace: string): Promise<SchemeRow[]>;
  /** Every lifecycle change of the namespace's schemes, by seq. */
  schemeStates(namespace: string): Promise<SchemeStateRow[]>;
  /** The head of the namespace's chain, or undefined before its first event. */
  head(namespace: string): Promise<ChainHead | undefined>;
  /** The identifiers whose (scheme, value) is among `keys`; keys with no match are simply absent. */
  findIdentifiers(namespace: string, keys: readonly IdentifierKey[]): Promise<StoredIdentifier[]>;
  /** Every identifier of the given entities, by seq. */
  identifiersOfEntities(namespace: string, entities: readonly string[]): Promise<StoredIdentifier[]>;
  /** Every lifecycle change of the given identifiers, by seq. */
  identifierStates(namespace: string, identifiers: readonly number[]): Promise<IdentifierStateRow[]>;
  /** The erasures of the given identifiers, by seq. */
  erasures(namespace: string, identifiers: readonly number[]): Promise<ErasureRow[]>;
  /** Every binding version of the given entities, by entity then version. */
  bindings(namespace: string, entities: readonly string[]): Promise<BindingRow[]>;
  /** Events of a namespace with seq > afterSeq, by seq, at most `limit`. */
  events(namespace: string, afterSeq: number, limit: number): Promise<ChainedEvent[]>;
  /** Secrets kept beside events with fromSeq <= seq <= toSeq, by seq. */
  secrets(namespace: string, fromSeq: number, toSeq: number): Promise<EventSecret[]>;
  /** Every projection row of a namespace, each table in its key order; for `verify`. */
  projection(namespace: string): Promise<ProjectionRows>;
  /** The chain hashes of the namespace's events with fromSeq <= seq <= toSeq, by seq: the leaves of its Merkle tree. */
  eventHashes(namespace: string, fromSeq: number, toSeq: number): Promise<EventHash[]>;
  /** The namespace's stored Merkle tiles with fromIndex <= index < toIndex, by index. */
  merkleTiles(namespace: string, fromIndex: number, toIndex: number): Promise<MerkleTile[]>;
  /** The namespace's checkpoints, by size, then time, then key id. */
  checkpoints(namespace: string): Promise<CheckpointRecord[]>;
  /** Every signing key the registry has recorded, by validFrom, then key id. */
  signingKeys(): Promise<SigningKeyRecord[]>;
}

/**
 * What one write transaction appends: events, the secrets of their identifier
 * events, and erasures. The store chains the events onto its namespace heads
 * (`linkHash` of the head and each event's content hash, in order; an event
 * whose seq does not follow its head is refused), and writes them with the rows that
 * `projectEvents(events, secrets)` derives — nothing else. Chaining here
 * rather than in the registry lets a store do it on another core.
 */
export interface AppendSet {
  readonly events: readonly AppendedEvent[];
  /** One per identifier event, except for an identifier erased within the same set. */
  readonly secrets: readonly EventSecret[];
  /**
   * Identifiers written by earlier appends whose value and secret are removed
   * (the erasure events are in `events`). A store removes them before it adds
   * this set's values, so a value erased here may be given to a new identifier
   * in the same set.
   */
  readonly erasures: readonly { readonly namespace: string; readonly identifier: number }[];
}

/**
 * A write transaction. Its reads answer from the state at the transaction's
 * start, and may or may not show its own appends: the registry keeps what it
 * wrote in memory and never reads it back, so a store is free to carry out
 * appends concurrently with the registry's further work.
 */
export interface StoreTransaction extends StoreReader {
  /**
   * Takes the namespace's write lock until the transaction ends and returns its
   * head: two transactions never append to one namespace's chain at once, so
   * the chain never forks. Writers to different namespaces need not wait for
   * each other where the engine allows it.
   */
  lockNamespace(namespace: string): Promise<ChainHead | undefined>;
  /** Appends the events, their projected rows and secrets, and moves the heads; visible to others only on commit. */
  append(set: AppendSet): Promise<void>;
  /**
   * Records a checkpoint and the Merkle tiles its tree completed. Idempotent:
   * a checkpoint of the same namespace, size and key, or a tile of the same
   * index, that is already recorded is kept as it is. Not for bulk writes.
   */
  addCheckpoint(checkpoint: CheckpointRecord, tiles: readonly MerkleTile[]): Promise<void>;
  /**
   * Records a signing key; with `retire`, first retires the active key (a
   * rotation), refusing with KEY_CONFLICT when that key is not the active
   * one. Both or neither. Not for bulk writes.
   */
  addSigningKey(key: SigningKeyRecord, retire?: KeyRetirement): Promise<void>;
}

export interface WriteOptions {
  readonly bulk?: boolean;
}

/**
 * The store port: the only way the registry reaches storage. A backend is a
 * folder under src/store implementing this and passing the conformance suite.
 */
export interface Store {
  /** A human description without secrets, e.g. "sqlite:/path/registry.db". */
  readonly description: string;
  /** Runs `fn` against one consistent snapshot. */
  read<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one atomic transaction: all of its appends commit, or none if
   * it throws. With `bulk`, the transaction is expected to be long (an import),
   * and the store may carry out appends concurrently with `fn`.
   */
  write<T>(fn: (tx: StoreTransaction) => Promise<T>, options?: WriteOptions): Promise<T>;
  /** Releases the store's resources; the store is unusable afterwards. */
  close(): Promise<void>;
}
