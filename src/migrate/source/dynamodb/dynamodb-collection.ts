import { randomBytes, randomUUID } from 'node:crypto';
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  GetItemCommand,
  type GetItemCommandOutput,
  ScanCommand,
  type ScanCommandOutput,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { StableIdError } from '../../../model/errors.js';
import { pageLimit, partitionCount } from '../partitions.js';
import type { ApplyResult, CollectionTraits, Fence, JsonObject, Partition, ScanPage, SourceCollection, SourceDocument, WriteOp, WriteRefusal } from '../source.js';
import { checkFence, leaseLost, planBatch } from '../write-batch.js';
import type { DynamoClient } from './dynamodb-client.js';
import { retryReason } from './dynamodb-errors.js';
import { type Item, fromItem, itemDigest, toItem } from './item-codec.js';
import { ItemCache } from './item-cache.js';
import { type TableKey, documentKey, keyAttributes } from './item-keys.js';

/** TransactWriteItems takes at most 100 actions, and a fenced batch spends one on its fence. */
const MAX_WRITES = 99;
/** BatchGetItem takes at most 100 keys. */
const READ_CHUNK = 100;
/** The most segments a parallel Scan takes. */
const MAX_SEGMENTS = 1_000_000;
/** Items kept for the conditions of writes to come: more than the largest batch the engine reads. */
const ITEMS_CACHED = 20_000;

/**
 * The attribute every write through the source sets to a fresh random
 * token: a concurrent writer through the port changes it, and one that
 * rewrites the whole item without it removes it, which the whole-item
 * condition sees either way — even when all the writer did was add an
 * attribute. It is not part of the body.
 */
export const VERSION_ATTRIBUTE = '_stableid_version';

/** A BatchGetItem that left keys unprocessed: tried again with backoff, as throttling is. */
class Unprocessed extends Error {}

/**
 * The condition that holds only while an item is as it was read: each of its
 * attributes equal to what it held (DynamoDB compares maps, lists and sets
 * whole), and the version attribute still absent where it was. DynamoDB
 * cannot list an item's attributes in a condition, so an attribute added by
 * a writer that leaves the others alone is seen only through the version
 * attribute, which every write through the source changes.
 */
function unchanged(item: Item): Pick<TransactWriteItem['Put'] & object, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  const names: Record<string, string> = {};
  const values: Item = {};
  const terms = Object.entries(item).map(([name, value], index) => {
    names[`#a${index}`] = name;
    values[`:a${index}`] = value;
    return `#a${index} = :a${index}`;
  });
  if (item[VERSION_ATTRIBUTE] === undefined) {
    names['#version'] = VERSION_ATTRIBUTE;
    terms.push('attribute_not_exists(#version)');
  }
  return { ConditionExpression: terms.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

/**
 * The writes that cannot hold: an insert whose key holds an item, a replace
 * or delete of an item that is not at the version it names. `expected`
 * holds items known to be at their writes' versions; `current` what is
 * stored now.
 */
function refusals(writes: readonly { op: WriteOp }[], expected: ReadonlyMap<string, Item>, current: ReadonlyMap<string, Item>): Map<string, WriteRefusal> {
  const refused = new Map<string, WriteRefusal>();
  for (const { op } of writes) {
    if (op.kind === 'insert') {
      if (current.has(op.key)) refused.set(op.key, 'exists');
    } else if (!expected.has(op.key)) {
      const found = current.get(op.key);
      if (found === undefined || itemDigest(found) !== op.expected) refused.set(op.key, 'conflict');
    }
  }
  return refused;
}

/**
 * A collection of the DynamoDB source: a table whose items are the
 * documents, keyed by their key attributes, the body being every other
 * attribute. The version of a document is a digest of the whole item, so
 * any writer's change moves it. A batch is one TransactWriteItems: each
 * write conditioned on the item being as it was read (every attribute
 * equal, the version attribute among them; an insert on the key being
 * free), and the fence an item
 * of the source's fence table, advanced in the same transaction. A re-key is
 * thus one transaction — the put of the new key and the delete of the old
 * one — so an item is never lost or doubled between the two.
 *
 * Partitions are segments of a parallel Scan, resumed from the Scan's
 * LastEvaluatedKey; reads are strongly consistent, so a gate sees every
 * write before it.
 */
export class DynamoCollection implements SourceCollection {
  readonly name: string;
  readonly traits: CollectionTraits = Object.freeze({ ordered: false, repeats: false, maxWrites: MAX_WRITES });
  readonly #client: DynamoClient;
  readonly #table: string;
  readonly #key: TableKey;
  readonly #fences: () => Promise<string>;
  /** What the collection read and wrote last, by key and version: what a write's condition is built from. */
  readonly #seen = new ItemCache(ITEMS_CACHED);

  /** `fences` makes sure the source's fence table exists and names it; it runs before the first fenced batch. */
  constructor(name: string, table: string, key: TableKey, client: DynamoClient, fences: () => Promise<string>) {
    this.name = name;
    this.#table = table;
    this.#key = key;
    this.#client = client;
    this.#fences = fences;
  }

  /** Segments of a parallel Scan (at most the 1,000,000 DynamoDB takes), each walked with its own LastEvaluatedKey. */
  async partitions(count: number): Promise<Partition[]> {
    const segments = Math.min(partitionCount(count), MAX_SEGMENTS);
    return Array.from({ length: segments }, (_, segment) => Object.freeze({ id: `s${segment}of${segments}`, segment, segments }));
  }

  async scan(partition: Partition, cursor: string | null, limit: number): Promise<ScanPage> {
    pageLimit(limit);
    const segment = this.#segment(partition);
    const page = await this.#client.send<ScanCommandOutput>(
      'Scan',
      new ScanCommand({ TableName: this.#table, Limit: limit, ConsistentRead: true, ...segment, ...(cursor === null ? {} : { ExclusiveStartKey: this.#cursorKey(cursor) }) }),
    );
    return {
      documents: (page.Items ?? []).map((item) => this.#document(item)),
      cursor: page.LastEvaluatedKey ? JSON.stringify(fromItem(page.LastEvaluatedKey)) : null,
    };
  }

  async getMany(keys: readonly string[]): Promise<SourceDocument[]> {
    const wanted = [...new Set(keys)].map((key) => keyAttributes(this.#key, key)).filter((key): key is Item => key !== null);
    return (await this.#read(wanted)).map((item) => this.#document(item));
  }

  async count(partition?: Partition): Promise<number> {
    const segment = partition ? this.#segment(partition) : {};
    let total = 0;
    let start: Item | undefined;
    do {
      const page: ScanCommandOutput = await this.#client.send('Scan', new ScanCommand({ TableName: this.#table, Select: 'COUNT', ConsistentRead: true, ...segment, ExclusiveStartKey: start }));
      total += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return total;
  }

  async apply(ops: readonly WriteOp[], fence?: Fence): Promise<ApplyResult> {
    planBatch(ops, MAX_WRITES);
    if (fence) checkFence(fence);
    if (ops.length === 0) return { ok: true, versions: new Map() };
    const writes = ops.map((op) => {
      const key = keyAttributes(this.#key, op.key);
      if (key === null && op.kind === 'insert') {
        throw new StableIdError('INVALID_ARGUMENT', `"${op.key}" cannot key an item of ${this.#table} (${this.#keyShape()})`, { field: 'ops', value: op.key });
      }
      return { op, key, item: op.kind === 'delete' || key === null ? null : this.#item(op.key, key, op.body) };
    });
    const fenceTable = fence ? await this.#fences() : null;
    // A transaction that met another, or was throttled, wrote nothing: it is read and checked again, then retried.
    return this.#client.guard(() => this.#client.backoff.run('TransactWriteItems', () => this.#applyOnce(writes, fence, fenceTable), retryReason, this.#client.where));
  }

  async #applyOnce(writes: readonly { op: WriteOp; key: Item | null; item: Item | null }[], fence: Fence | undefined, fenceTable: string | null): Promise<ApplyResult> {
    // The items the writes read, as they were: from what this collection read or wrote last, else read now.
    const expected = new Map<string, Item>();
    const unknown: { op: WriteOp; key: Item | null }[] = [];
    for (const write of writes) {
      if (write.op.kind === 'insert') continue;
      const seen = this.#seen.get(write.op.key, write.op.expected);
      if (seen) expected.set(write.op.key, seen);
      else unknown.push(write);
    }
    const current = await this.#current(unknown);
    let refused = refusals(writes, expected, current);
    // A write that cannot hold: every write of the batch is checked against what is stored now, so that all refusals are reported.
    if (refused.size > 0) {
      refused = refusals(writes, new Map(), await this.#current(writes));
      if (refused.size > 0) {
        // As the transaction would have: a stale token is refused before anything else.
        if (fence && fenceTable) {
          const stored = Number(await this.#fenceToken(fenceTable, fence.name));
          if (stored > fence.token) throw leaseLost(fence, stored, this.#client.where);
        }
        return { ok: false, refused };
      }
    }
    for (const [key, item] of current) if (!expected.has(key)) expected.set(key, item);

    const actions: TransactWriteItem[] = writes.map(({ op, key, item }) => {
      if (op.kind === 'insert') return { Put: { TableName: this.#table, Item: item as Item, ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': this.#key.hash.name } } };
      const condition = unchanged(expected.get(op.key) as Item);
      return op.kind === 'replace' ? { Put: { TableName: this.#table, Item: item as Item, ...condition } } : { Delete: { TableName: this.#table, Key: key as Item, ...condition } };
    });
    if (fence && fenceTable) {
      actions.unshift({
        Update: {
          TableName: fenceTable,
          Key: { name: { S: fence.name } },
          UpdateExpression: 'SET #token = :token',
          ConditionExpression: 'attribute_not_exists(#token) OR #token <= :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': { N: String(fence.token) } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      });
    }
    try {
      // The token makes the SDK's own retry of this very request (after a lost connection) apply it once.
      await this.#client.raw(new TransactWriteItemsCommand({ TransactItems: actions, ClientRequestToken: randomUUID() }));
    } catch (error) {
      const reasons = (error as { name?: string; CancellationReasons?: { Code?: string; Item?: Item }[] }).name === 'TransactionCanceledException' ? ((error as { CancellationReasons?: { Code?: string; Item?: Item }[] }).CancellationReasons ?? []) : [];
      const offset = fence ? 1 : 0;
      if (fence && fenceTable && reasons[0]?.Code === 'ConditionalCheckFailed') {
        const stored = reasons[0].Item?.['token']?.N ?? (await this.#fenceToken(fenceTable, fence.name));
        throw leaseLost(fence, Number(stored), this.#client.where);
      }
      // Written by someone else since it was read: refused, as a batch checked against newer versions would be.
      writes.forEach(({ op }, index) => {
        if (reasons[index + offset]?.Code === 'ConditionalCheckFailed') refused.set(op.key, op.kind === 'insert' ? 'exists' : 'conflict');
      });
      if (refused.size > 0) return { ok: false, refused };
      throw error;
    }
    const versions = new Map<string, string>();
    for (const { op, item } of writes) {
      if (!item) continue;
      const version = itemDigest(item);
      versions.set(op.key, version);
      this.#seen.remember(op.key, version, item);
    }
    return { ok: true, versions };
  }

  /** The stored items of these writes' keys, by document key (absent where there is none). */
  async #current(writes: readonly { key: Item | null }[]): Promise<Map<string, Item>> {
    const keys = writes.map((write) => write.key).filter((key): key is Item => key !== null);
    return new Map((await this.#read(keys)).map((item) => [documentKey(this.#key, item), item]));
  }

  /** Items by key, strongly consistent, in batches of what BatchGetItem takes, unprocessed keys asked again with backoff. */
  async #read(keys: readonly Item[]): Promise<Item[]> {
    const found: Item[] = [];
    for (let start = 0; start < keys.length; start += READ_CHUNK) {
      let pending = keys.slice(start, start + READ_CHUNK);
      await this.#client.guard(() =>
        this.#client.backoff.run(
          'BatchGetItem',
          async () => {
            const answer = await this.#client.raw<BatchGetItemCommandOutput>(new BatchGetItemCommand({ RequestItems: { [this.#table]: { Keys: pending, ConsistentRead: true } } }));
            found.push(...(answer.Responses?.[this.#table] ?? []));
            pending = answer.UnprocessedKeys?.[this.#table]?.Keys ?? [];
            if (pending.length > 0) throw new Unprocessed();
          },
          (error) => (error instanceof Unprocessed ? 'UnprocessedKeys' : retryReason(error)),
          this.#client.where,
        ),
      );
    }
    return found;
  }

  async #fenceToken(fenceTable: string, name: string): Promise<string> {
    const answer = await this.#client.send<GetItemCommandOutput>('GetItem', new GetItemCommand({ TableName: fenceTable, Key: { name: { S: name } }, ConsistentRead: true }));
    return answer.Item?.['token']?.N ?? '0';
  }

  /** The item a document is stored as: its body's attributes, its key's, and a new version attribute. The body may hold neither of the latter. */
  #item(key: string, attributes: Item, body: JsonObject): Item {
    for (const name of [...Object.keys(attributes), VERSION_ATTRIBUTE]) {
      if (Object.hasOwn(body ?? {}, name)) {
        const what = name === VERSION_ATTRIBUTE ? "the source's version attribute" : `a key attribute of ${this.#table}: the document's key gives it`;
        throw new StableIdError('INVALID_ARGUMENT', `the body of "${key}" holds "${name}", ${what}`, { field: 'ops', value: key });
      }
    }
    return { ...toItem(body), ...attributes, [VERSION_ATTRIBUTE]: { S: randomBytes(12).toString('base64url') } };
  }

  #document(item: Item): SourceDocument {
    const key = documentKey(this.#key, item);
    const version = itemDigest(item);
    this.#seen.remember(key, version, item);
    const body: Item = { ...item };
    delete body[VERSION_ATTRIBUTE];
    delete body[this.#key.hash.name];
    if (this.#key.range) delete body[this.#key.range.name];
    return { key, version, body: fromItem(body) };
  }

  #segment(partition: Partition): { Segment?: number; TotalSegments?: number } {
    const { segment, segments } = partition ?? {};
    if (typeof segment !== 'number' || typeof segments !== 'number' || !Number.isSafeInteger(segments) || segments < 1 || !Number.isSafeInteger(segment) || segment < 0 || segment >= segments) {
      throw new StableIdError('INVALID_ARGUMENT', `not a partition of ${this.#table}: ${JSON.stringify(partition)}`, { field: 'partition' });
    }
    return segments === 1 ? {} : { Segment: segment, TotalSegments: segments };
  }

  #cursorKey(cursor: string): Item {
    try {
      const key = toItem(JSON.parse(cursor) as JsonObject);
      if (keyAttributes(this.#key, documentKey(this.#key, key)) !== null) return key;
    } catch {
      // Reported below.
    }
    throw new StableIdError('INVALID_ARGUMENT', `not a cursor of ${this.#table}: ${JSON.stringify(cursor.slice(0, 80))}`, { field: 'cursor' });
  }

  #keyShape(): string {
    const { hash, range } = this.#key;
    const part = (attribute: { name: string; type: string }): string => `${attribute.name} ${attribute.type === 'S' ? 'a non-empty string' : attribute.type === 'N' ? 'a number in plain decimal' : 'base64'}`;
    return range === null ? `keyed by ${part(hash)}` : `keyed by the JSON array [${part(hash)}, ${part(range)}]`;
  }
}
