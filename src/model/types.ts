import type { SchemeFormat } from './formats/index.js';

export type LifecycleState = 'active' | 'deprecated' | 'archived';

/** Where an entity's record lives: the user's store, collection and internal key. */
export interface Binding {
  readonly store: string;
  readonly collection: string;
  readonly key: string;
}

export interface BindingVersion extends Binding {
  readonly version: number;
  readonly seq: number;
  readonly at: string;
  readonly migration: string | null;
}

export interface Namespace {
  readonly name: string;
  readonly owner: string;
  readonly stewards: readonly string[];
  readonly description: string | null;
  readonly createdAt: string;
}

export interface Scheme {
  readonly namespace: string;
  readonly name: string;
  readonly format: SchemeFormat;
  readonly state: LifecycleState;
  readonly sunset: string | null;
  readonly replacement: string | null;
  readonly createdAt: string;
}

/** Who wrote, when and why: recorded on every event. */
export interface WriteContext {
  readonly actor: string;
  readonly correlationId: string;
  readonly reason: string | null;
}

/** One identifier of an entity as a resolve answer shows it. */
export interface IdentifierView {
  readonly scheme: string;
  /** null once the value has been erased on request. */
  readonly value: string | null;
  readonly state: LifecycleState;
  readonly sunset: string | null;
  readonly createdAt: string;
  /** The event that created it; also the identifier's id within the namespace. */
  readonly seq: number;
  readonly derivedFrom: { readonly scheme: string; readonly value: string | null } | null;
  readonly migration: string | null;
}

export interface Resolution {
  readonly namespace: string;
  readonly entity: string;
  /** The identifier that was asked for, in its canonical spelling. */
  readonly identifier: IdentifierView;
  /** Every identifier of the entity, oldest first: the lineage in order. */
  readonly identifiers: readonly IdentifierView[];
  readonly binding: BindingVersion | null;
  /** The instant the answer describes, when asked "as of". */
  readonly asOf: string | null;
}

export interface Translation {
  readonly namespace: string;
  readonly entity: string;
  readonly from: IdentifierView;
  readonly to: IdentifierView;
}
