import type { EventSecret, PlacedEvent } from '../model/events.js';
import { projectEvent } from '../model/projection.js';
import { type BindingRow, type IdentifierStateRow, type NamespaceRow, type ProjectionRows, type SchemeRow, type SchemeStateRow, emptyRows } from '../model/rows.js';
import type { IdentifierKey, StoredIdentifier } from '../store/store.js';

/**
 * One namespace's projection held in memory: every row the store's
 * current-state tables hold for it, built by the same pure projection the
 * write path uses, and indexed the way the resolver asks. It answers the
 * resolver's reads for the namespace as of `seq`, the last event applied.
 */
export class NamespaceIndex {
  readonly name: string;
  #seq = 0;
  #namespace: NamespaceRow | undefined;
  readonly #schemes: SchemeRow[] = [];
  readonly #schemeStates: SchemeStateRow[] = [];
  /** scheme → value → identifier (only identifiers whose value is not erased). */
  readonly #byValue = new Map<string, Map<string, StoredIdentifier>>();
  readonly #bySeq = new Map<number, StoredIdentifier>();
  /** entity → its identifiers by seq. */
  readonly #byEntity = new Map<string, StoredIdentifier[]>();
  readonly #states = new Map<number, IdentifierStateRow[]>();
  /** entity → its binding versions by version. */
  readonly #bindings = new Map<string, BindingRow[]>();

  constructor(name: string) {
    this.name = name;
  }

  /** The seq of the last event this index reflects. */
  get seq(): number {
    return this.#seq;
  }

  /**
   * Loads the namespace's projection rows as a store holds them at `seq`
   * (erased values already absent).
   */
  static fromRows(name: string, seq: number, rows: ProjectionRows): NamespaceIndex {
    const index = new NamespaceIndex(name);
    index.#add(rows);
    index.#seq = seq;
    // A store returns each table in its own key order; the reads promise creation order.
    index.#schemes.sort((a, b) => a.createdSeq - b.createdSeq);
    for (const list of index.#byEntity.values()) list.sort((a, b) => a.seq - b.seq);
    for (const list of index.#states.values()) list.sort((a, b) => a.seq - b.seq);
    for (const list of index.#bindings.values()) list.sort((a, b) => a.version - b.version);
    return index;
  }

  /** Applies the namespace's next events, in order, each with its secret when the store still holds one. */
  apply(events: readonly PlacedEvent[], secrets: readonly EventSecret[]): void {
    const secretOf = new Map(secrets.map((secret) => [secret.seq, secret]));
    for (const event of events) {
      if (event.seq !== this.#seq + 1) {
        throw new Error(`namespace index ${this.name}: event ${event.seq} does not follow ${this.#seq}`);
      }
      const { rows, erases } = projectEvent(event, secretOf.get(event.seq), emptyRows());
      if (erases) this.#erase(erases.identifier);
      this.#add(rows);
      this.#seq = event.seq;
    }
  }

  #add(rows: ProjectionRows): void {
    for (const row of rows.namespaces) if (row.name === this.name) this.#namespace = row;
    this.#schemes.push(...rows.schemes);
    this.#schemeStates.push(...rows.schemeStates);
    // A value row arrives with its identifier's event (or with the whole projection): pair them before building records.
    const valueOf = new Map<number, string>();
    for (const row of rows.identifierValues) valueOf.set(row.identifier, row.value);
    for (const row of rows.identifiers) {
      const value = valueOf.get(row.seq) ?? null;
      const identifier: StoredIdentifier = { ...row, namespace: this.name, value };
      this.#bySeq.set(row.seq, identifier);
      listOf(this.#byEntity, row.entity).push(identifier);
      if (value !== null) {
        let values = this.#byValue.get(row.scheme);
        if (!values) this.#byValue.set(row.scheme, (values = new Map()));
        values.set(value, identifier);
      }
    }
    for (const row of rows.identifierStates) listOf(this.#states, row.identifier).push(row);
    for (const row of rows.bindings) listOf(this.#bindings, row.entity).push(row);
  }

  #erase(seq: number): void {
    const stored = this.#bySeq.get(seq);
    if (!stored || stored.value === null) return;
    this.#byValue.get(stored.scheme)?.delete(stored.value);
    this.#replace({ ...stored, value: null });
  }

  /** Swaps an identifier's record (rows are immutable objects) in every index that holds it. */
  #replace(identifier: StoredIdentifier): void {
    this.#bySeq.set(identifier.seq, identifier);
    const list = this.#byEntity.get(identifier.entity);
    const at = list?.findIndex((other) => other.seq === identifier.seq) ?? -1;
    if (list && at >= 0) list[at] = identifier;
  }

  // ── the resolver's reads, each as of event `upTo` ─────────────────────────
  // Catch-up may apply newer events while a read awaits between two calls;
  // bounding every call by the seq the read began at keeps its answer one snapshot.

  get namespace(): NamespaceRow | undefined {
    return this.#namespace;
  }

  schemesUpTo(upTo: number): SchemeRow[] {
    return this.#schemes.filter((row) => row.createdSeq <= upTo);
  }

  schemeStatesUpTo(upTo: number): SchemeStateRow[] {
    return this.#schemeStates.filter((row) => row.seq <= upTo);
  }

  find(keys: readonly IdentifierKey[], upTo: number): StoredIdentifier[] {
    const found: StoredIdentifier[] = [];
    for (const key of keys) {
      const identifier = this.#byValue.get(key.scheme)?.get(key.value);
      if (identifier && identifier.seq <= upTo && !found.includes(identifier)) found.push(identifier);
    }
    return found.length > 1 ? found.sort((a, b) => a.seq - b.seq) : found;
  }

  identifiersOf(entities: readonly string[], upTo: number): StoredIdentifier[] {
    return collect(this.#byEntity, entities, (row) => row.seq <= upTo).sort((a, b) => a.seq - b.seq);
  }

  statesOf(identifiers: readonly number[], upTo: number): IdentifierStateRow[] {
    return collect(this.#states, identifiers, (row) => row.seq <= upTo).sort((a, b) => a.seq - b.seq);
  }

  bindingsOf(entities: readonly string[], upTo: number): BindingRow[] {
    const rows = collect(this.#bindings, entities, (row) => row.seq <= upTo);
    return rows.sort((a, b) => (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : a.version - b.version));
  }
}

function listOf<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

/** The rows listed under each distinct key that pass `keep`, once each. */
function collect<K, V>(map: ReadonlyMap<K, readonly V[]>, keys: readonly K[], keep: (row: V) => boolean): V[] {
  const rows: V[] = [];
  for (const key of keys.length === 1 ? keys : new Set(keys)) {
    for (const row of map.get(key) ?? []) if (keep(row)) rows.push(row);
  }
  return rows;
}
