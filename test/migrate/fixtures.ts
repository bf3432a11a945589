import { type Migration, defineMigration } from '../../src/migrate/migration.js';
import type { JsonObject, SourceCollection } from '../../src/migrate/source/source.js';
import { ORDER, legacy, typeId } from '../registry/fixtures.js';

/** An order as the legacy application stores it, keyed by its legacy number. */
export const order = (n: number): JsonObject => ({ number: legacy(n), total: n * 10, customer: { name: `c${n}` } });

export const orders = (numbers: readonly number[]): Record<string, JsonObject> => Object.fromEntries(numbers.map((n) => [legacy(n), order(n)]));

export const numberOf = (document: JsonObject): number => Number(String(document['number']).slice(4));

/** Re-keys each order by a TypeID it adds in scheme v2, and reshapes its total. */
export const rekey: Migration = defineMigration({
  id: 'orders-v2',
  namespace: ORDER,
  collection: 'orders',
  identifier: { field: 'number', scheme: 'v1' },
  transform: (document) => ({ ...document, total: { amount: document['total'] ?? 0, currency: 'EUR' } }),
  key: ({ after }) => String(after['publicId']),
  add: [{ scheme: 'v2', field: 'publicId', derive: ({ before }) => typeId(numberOf(before)) }],
});

/** Inserts documents in batches of the most one apply takes (all at once where the store has no limit). */
export async function insertOrders(collection: SourceCollection, documents: readonly { key: string; body: JsonObject }[]): Promise<void> {
  const size = collection.traits.maxWrites ?? Math.max(1, documents.length);
  for (let start = 0; start < documents.length; start += size) {
    const result = await collection.apply(documents.slice(start, start + size).map(({ key, body }) => ({ kind: 'insert' as const, key, body })));
    if (!result.ok) throw new Error(`the orders could not be inserted: ${JSON.stringify([...result.refused])}`);
  }
}

/** Every document of the collection, by key. */
export async function contents(collection: SourceCollection): Promise<Map<string, JsonObject>> {
  const all = new Map<string, JsonObject>();
  for (const partition of await collection.partitions(1)) {
    let cursor: string | null = null;
    do {
      const page = await collection.scan(partition, cursor, 1000);
      for (const document of page.documents) all.set(document.key, document.body);
      cursor = page.cursor;
    } while (cursor !== null);
  }
  return all;
}
