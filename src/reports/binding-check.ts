import type { Source } from '../migrate/source/source.js';
import { isStableIdError } from '../model/errors.js';
import type { BindingRow } from '../model/rows.js';
import { bytewise } from './registry-facts.js';

/** A current binding whose document the source does not hold. */
export interface MissingBinding {
  readonly entity: string;
  readonly store: string;
  readonly collection: string;
  readonly key: string;
  /** `document`: the collection has no such key; `collection`: the source has no such collection. */
  readonly missing: 'document' | 'collection';
}

export interface BindingCheck {
  /** The source's description. */
  readonly source: string;
  /** The binding store checked, or null for every binding. */
  readonly store: string | null;
  readonly checked: number;
  /** By collection, then key. */
  readonly missing: readonly MissingBinding[];
}

/** Keys asked of the source at once. */
export const BINDING_BATCH = 500;

/** The current binding (latest version) of each entity, by entity. Pure. */
export function currentBindings(rows: readonly BindingRow[]): BindingRow[] {
  const latest = new Map<string, BindingRow>();
  for (const row of rows) {
    const known = latest.get(row.entity);
    if (!known || known.version < row.version) latest.set(row.entity, row);
  }
  return [...latest.values()].sort((a, b) => bytewise(a.entity, b.entity));
}

/**
 * Looks up the document of every binding in the source, by collection, in
 * batches of {@link BINDING_BATCH} keys; with `store`, only the bindings
 * recorded for that store. Reads only — except that the embedded SQLite
 * source creates a collection it is asked for, empty.
 */
export async function checkBindings(source: Source, bindings: readonly BindingRow[], store: string | null = null): Promise<BindingCheck> {
  const selected = store === null ? bindings : bindings.filter((binding) => binding.store === store);
  const byCollection = new Map<string, BindingRow[]>();
  for (const binding of selected) byCollection.set(binding.collection, [...(byCollection.get(binding.collection) ?? []), binding]);
  const missing: MissingBinding[] = [];
  for (const [name, list] of [...byCollection].sort(([a], [b]) => bytewise(a, b))) {
    const sorted = [...list].sort((a, b) => bytewise(a.key, b.key) || bytewise(a.entity, b.entity));
    const miss = (binding: BindingRow, what: MissingBinding['missing']): MissingBinding => ({ entity: binding.entity, store: binding.store, collection: binding.collection, key: binding.key, missing: what });
    let collection;
    try {
      collection = await source.collection(name);
    } catch (error) {
      if (!isStableIdError(error, 'SOURCE_NOT_FOUND')) throw error;
      missing.push(...sorted.map((binding) => miss(binding, 'collection')));
      continue;
    }
    for (let start = 0; start < sorted.length; start += BINDING_BATCH) {
      const batch = sorted.slice(start, start + BINDING_BATCH);
      const found = new Set((await collection.getMany([...new Set(batch.map((binding) => binding.key))])).map((document) => document.key));
      missing.push(...batch.filter((binding) => !found.has(binding.key)).map((binding) => miss(binding, 'document')));
    }
  }
  return { source: source.description, store, checked: selected.length, missing };
}
