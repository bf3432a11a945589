import type { SourceCollection, SourceDocument } from './source/source.js';

const PAGE = 1000;

/**
 * A filter that passes each key once: where the collection's scans may
 * return a key more than once (its traits say `repeats`), it remembers every
 * key it has passed — one string per document, the price of an exact walk
 * over such a store; elsewhere it passes everything and remembers nothing.
 */
export function firstSightings(collection: SourceCollection): (documents: readonly SourceDocument[]) => readonly SourceDocument[] {
  if (!collection.traits.repeats) return (documents) => documents;
  const seen = new Set<string>();
  return (documents) =>
    documents.filter((document) => {
      if (seen.has(document.key)) return false;
      seen.add(document.key);
      return true;
    });
}

/** Every document of the collection, each once, a page at a time (pages may be short), in key order where the collection is ordered. */
export async function* documentsOf(collection: SourceCollection, pageSize = PAGE): AsyncGenerator<readonly SourceDocument[]> {
  const fresh = firstSightings(collection);
  for (const partition of await collection.partitions(1)) {
    let cursor: string | null = null;
    do {
      const page = await collection.scan(partition, cursor, pageSize);
      const documents = fresh(page.documents);
      if (documents.length > 0) yield documents;
      cursor = page.cursor;
    } while (cursor !== null);
  }
}
