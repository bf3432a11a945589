import assert from 'node:assert/strict';
import type { ApplyResult, JsonObject, Partition, SourceCollection, SourceDocument, WriteOp } from '../../src/migrate/source/index.js';
import type { SourceKind, TestSource } from './source-kinds.js';

export { rejectsWith } from '../registry/fixtures.js';

/** Runs `fn` against a fresh source of the kind, closed (and removed) afterwards whatever happens. */
export async function withSource<T>(kind: SourceKind, fn: (test: TestSource) => Promise<T>): Promise<T> {
  const test = await kind.open();
  try {
    return await fn(test);
  } finally {
    await test.close();
  }
}

/** Key order of both sources: the bytes of the UTF-8 encoding (SQLite BINARY, PostgreSQL COLLATE "C"), not JavaScript's UTF-16 order. */
export const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** `count` keys that do not sort the same way as the numbers in them. */
export const keys = (count: number, prefix = 'k'): string[] => Array.from({ length: count }, (_, index) => `${prefix}${(index * 7919) % 10007}`);

export const body = (key: string, extra: JsonObject = {}): JsonObject => ({ id: key, n: key.length, ...extra });

/** Applies a batch that must hold, and returns the new versions. */
export async function applyOk(collection: SourceCollection, ops: readonly WriteOp[]): Promise<ReadonlyMap<string, string>> {
  const result = await collection.apply(ops);
  assert.ok(result.ok, `expected the batch to hold, refused: ${JSON.stringify(result.ok ? [] : [...result.refused])}`);
  return result.versions;
}

export const insertAll = (collection: SourceCollection, all: readonly string[]): Promise<ReadonlyMap<string, string>> =>
  applyOk(
    collection,
    all.map((key) => ({ kind: 'insert', key, body: body(key) })),
  );

/** The refusals of a batch that must be refused. */
export function refusedOf(result: ApplyResult): Record<string, string> {
  assert.equal(result.ok, false, 'expected the batch to be refused');
  return result.ok ? {} : Object.fromEntries(result.refused);
}

/**
 * Every document of the partition, page by page, each page at most `limit`
 * long; where the collection is ordered, each page's cursor is its last key
 * and only a full page has a next one. Repeats (where the collection may
 * repeat keys) are returned as the scan gave them.
 */
export async function scanAll(collection: SourceCollection, partition: Partition, limit: number): Promise<{ documents: SourceDocument[]; pages: number }> {
  const documents: SourceDocument[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await collection.scan(partition, cursor, limit);
    pages++;
    assert.ok(page.documents.length <= limit, 'a page holds at most `limit` documents');
    if (page.cursor !== null && collection.traits.ordered) {
      assert.equal(page.documents.length, limit, 'only a full page has a next one');
      assert.equal(page.cursor, page.documents.at(-1)?.key, 'the cursor is the last key returned');
    }
    documents.push(...page.documents);
    cursor = page.cursor;
    assert.ok(pages < 10_000, 'the scan ends');
  } while (cursor !== null);
  return { documents, pages };
}

/** The keys of the documents, each once, sorted: what a walk covered, whatever the order and repeats. */
export const keySet = (documents: readonly SourceDocument[]): string[] => [...new Set(documents.map((document) => document.key))].sort();

/** The keys that appear more than once. */
export const repeated = (documents: readonly SourceDocument[]): string[] => {
  const seen = new Set<string>();
  return documents.flatMap((document) => (seen.has(document.key) ? [document.key] : (seen.add(document.key), [])));
};

/** The collection's content as key → body, through getMany. */
export async function contents(collection: SourceCollection, all: readonly string[]): Promise<Map<string, JsonObject>> {
  return new Map((await collection.getMany(all)).map((document) => [document.key, document.body]));
}

export const versionOf = async (collection: SourceCollection, key: string): Promise<string> => {
  const [document] = await collection.getMany([key]);
  assert.ok(document, `document ${key} exists`);
  return document.version;
};
