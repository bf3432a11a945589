import type { SchemeFormat } from './formats/index.js';
import type { LifecycleState } from './types.js';

/*
 * The rows of the current-state tables. Every one of them is a projection of
 * the event log: `projectEvent` derives them, the write path stores exactly
 * what it derives, and `verify` derives them again to compare.
 */

export interface NamespaceRow {
  readonly name: string;
  readonly owner: string;
  readonly stewards: readonly string[];
  readonly description: string | null;
  readonly createdSeq: number;
  readonly createdAt: string;
}

export interface SchemeRow {
  readonly namespace: string;
  readonly name: string;
  readonly format: SchemeFormat;
  readonly createdSeq: number;
  readonly createdAt: string;
}

/** A lifecycle change of a scheme; the latest by seq is the current state. */
export interface SchemeStateRow {
  readonly namespace: string;
  readonly scheme: string;
  readonly seq: number;
  readonly at: string;
  readonly state: LifecycleState;
  readonly sunset: string | null;
  readonly replacement: string | null;
}

export interface EntityRow {
  readonly id: string;
  readonly namespace: string;
  readonly createdSeq: number;
  readonly createdAt: string;
}

/** An identifier; its id within the namespace is `seq`, the event that created it. */
export interface IdentifierRow {
  readonly namespace: string;
  readonly seq: number;
  readonly scheme: string;
  readonly entity: string;
  readonly commitment: string;
  readonly derivedFrom: number | null;
  readonly migration: string | null;
  readonly createdAt: string;
}

/** The lookup index from a value to its identifier; the one row erasure removes. */
export interface IdentifierValueRow {
  readonly namespace: string;
  readonly scheme: string;
  readonly value: string;
  readonly identifier: number;
  readonly entity: string;
}

/** A lifecycle change of one identifier; no row means active. */
export interface IdentifierStateRow {
  readonly namespace: string;
  readonly identifier: number;
  readonly seq: number;
  readonly at: string;
  readonly state: LifecycleState;
  readonly sunset: string | null;
}

export interface BindingRow {
  readonly namespace: string;
  readonly entity: string;
  readonly version: number;
  readonly seq: number;
  readonly at: string;
  readonly store: string;
  readonly collection: string;
  readonly key: string;
  readonly migration: string | null;
}

export interface ErasureRow {
  readonly namespace: string;
  readonly identifier: number;
  readonly seq: number;
  readonly at: string;
}

export interface ProjectionRows {
  readonly namespaces: NamespaceRow[];
  readonly schemes: SchemeRow[];
  readonly schemeStates: SchemeStateRow[];
  readonly entities: EntityRow[];
  readonly identifiers: IdentifierRow[];
  readonly identifierValues: IdentifierValueRow[];
  readonly identifierStates: IdentifierStateRow[];
  readonly bindings: BindingRow[];
  readonly erasures: ErasureRow[];
}

export type ProjectionTable = keyof ProjectionRows;

export const PROJECTION_TABLES: readonly ProjectionTable[] = [
  'namespaces',
  'schemes',
  'schemeStates',
  'entities',
  'identifiers',
  'identifierValues',
  'identifierStates',
  'bindings',
  'erasures',
];

export function emptyRows(): ProjectionRows {
  return {
    namespaces: [],
    schemes: [],
    schemeStates: [],
    entities: [],
    identifiers: [],
    identifierValues: [],
    identifierStates: [],
    bindings: [],
    erasures: [],
  };
}
