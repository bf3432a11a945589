import type { Binding } from '../model/types.js';

/** An identifier as a caller names it: the scheme may be left out when only one scheme's format accepts the value. */
export interface IdentifierRef {
  readonly scheme?: string;
  readonly value: string;
}

export interface RegisterRequest {
  readonly op: 'register';
  readonly namespace: string;
  readonly scheme: string;
  readonly value: string;
  /** Where the entity's record lives; may be left out and bound later. */
  readonly binding?: Binding | null;
}

export interface AliasRequest {
  readonly op: 'alias';
  readonly namespace: string;
  /** An existing identifier of the entity; recorded as the new identifier's lineage. */
  readonly from: IdentifierRef;
  readonly scheme: string;
  readonly value: string;
  readonly migration?: string | null;
}

export interface RebindRequest {
  readonly op: 'rebind';
  readonly namespace: string;
  readonly identifier: IdentifierRef;
  readonly binding: Binding;
  readonly migration?: string | null;
}

export interface DeprecateRequest {
  readonly op: 'deprecate';
  readonly namespace: string;
  readonly identifier: IdentifierRef;
  /** ISO 8601 date or date-time after which clients must have moved on. */
  readonly sunset: string;
}

export interface ArchiveRequest {
  readonly op: 'archive';
  readonly namespace: string;
  readonly identifier: IdentifierRef;
}

export interface EraseRequest {
  readonly op: 'erase';
  readonly namespace: string;
  readonly identifier: IdentifierRef;
}

/** Every identifier-level write; batches and import files are lists of these. */
export type WriteRequest = RegisterRequest | AliasRequest | RebindRequest | DeprecateRequest | ArchiveRequest | EraseRequest;

export type WriteOp = WriteRequest['op'];

export const WRITE_OPS: readonly WriteOp[] = ['register', 'alias', 'rebind', 'deprecate', 'archive', 'erase'];

/** What a write did. `changed` is false when the request repeated one already carried out. */
export interface WriteOutcome {
  readonly op: WriteOp;
  readonly namespace: string;
  readonly entity: string;
  readonly scheme: string;
  /** The canonical spelling of the identifier the write was about; null once erased. */
  readonly value: string | null;
  readonly identifier: number;
  readonly changed: boolean;
  /** The seq of the event written, or null when nothing was written. */
  readonly seq: number | null;
  /** When the policy held the write for a steward's approval: the change request's id (nothing else was written). */
  readonly pending?: number;
}

export interface NamespaceDefinition {
  readonly name: string;
  readonly owner: string;
  readonly stewards?: readonly string[];
  readonly description?: string | null;
}

/** What a namespace- or scheme-level write did. */
export interface DefinitionOutcome {
  readonly namespace: string;
  readonly scheme: string | null;
  readonly changed: boolean;
  readonly seq: number | null;
  /** When the policy held the write for a steward's approval: the change request's id (nothing else was written). */
  readonly pending?: number;
}
