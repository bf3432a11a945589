import { StableIdError } from '../../../model/errors.js';
import { pageLimit, partitionCount } from '../partitions.js';
import type { ApplyResult, CollectionTraits, Fence, Partition, ScanPage, SourceCollection, SourceDocument, WriteOp, WriteRefusal } from '../source.js';
import { checkFence, leaseLost, planBatch } from '../write-batch.js';
import type { RedisClient } from './redis-client.js';
import type { RedisCodec, StoredValue } from './redis-format.js';
import { APPLY, READ } from './redis-scripts.js';

/**
 * The most writes one script takes: Redis runs a script to its end before
 * anything else, so a bounded batch keeps other clients waiting for
 * milliseconds, not seconds. The engine splits larger batches.
 */
const MAX_WRITES = 1000;
/** Keys read per script call. */
const READ_CHUNK = 1000;

/** SCAN walks the whole keyspace in one cursor, which cannot be split: one partition. */
const WHOLE: Partition = Object.freeze({ id: 'p0of1' });

/** Where a walk stands: the SCAN cursor to send next (null once SCAN said it was done), and keys found but not yet returned. */
interface WalkState {
  readonly scan: string | null;
  readonly pending: readonly string[];
}

/** Escapes the glob characters of a key prefix for SCAN's MATCH. */
export const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

/**
 * A collection of the Redis source: the keys `<prefix><collection prefix>*`
 * of one database, each a document (a JSON string, or a hash), named in the
 * port by the rest of the key. The version of a document is a digest of
 * what is stored, computed on the server, so any writer's change moves it.
 * Reads and writes run as Lua scripts: a batch's checks and writes are one
 * atomic step, and its fence is a key checked and advanced in the same step.
 *
 * SCAN may return a key twice (when the keyspace grows during the walk), so
 * the collection says it `repeats`; it returns a page of at most `limit`
 * documents, keeping what one SCAN call found beyond that in the cursor.
 */
export class RedisCollection implements SourceCollection {
  readonly name: string;
  readonly traits: CollectionTraits = Object.freeze({ ordered: false, repeats: true, maxWrites: MAX_WRITES });
  readonly #client: RedisClient;
  readonly #codec: RedisCodec;
  /** Every key of the collection starts with this. */
  readonly #keyPrefix: string;
  /** Keys of the source's own (fences), never documents. */
  readonly #metaPrefix: string;
  readonly #where: string;

  constructor(name: string, keyPrefix: string, metaPrefix: string, client: RedisClient, codec: RedisCodec, where: string) {
    this.name = name;
    this.#keyPrefix = keyPrefix;
    this.#metaPrefix = metaPrefix;
    this.#client = client;
    this.#codec = codec;
    this.#where = where;
  }

  async partitions(count: number): Promise<Partition[]> {
    partitionCount(count);
    return [WHOLE];
  }

  async scan(partition: Partition, cursor: string | null, limit: number): Promise<ScanPage> {
    pageLimit(limit);
    this.#checkPartition(partition);
    let state = cursor === null ? { scan: '0', pending: [] } : this.#walkState(cursor);
    const keys = new Set(state.pending);
    while (keys.size < limit && state.scan !== null) {
      const step = await this.#scanStep(state.scan, limit);
      for (const key of step.keys) keys.add(key);
      state = { scan: step.next, pending: [] };
    }
    const found = [...keys];
    const documents = await this.#read(found.slice(0, limit));
    const pending = found.slice(limit);
    const done = state.scan === null && pending.length === 0;
    return { documents, cursor: done ? null : JSON.stringify({ scan: state.scan, pending } satisfies WalkState) };
  }

  async getMany(keys: readonly string[]): Promise<SourceDocument[]> {
    return this.#read([...new Set(keys)].map((key) => this.#keyPrefix + key).filter((key) => !key.startsWith(this.#metaPrefix)));
  }

  async count(partition?: Partition): Promise<number> {
    if (partition) this.#checkPartition(partition);
    // SCAN may return a key twice: count each once.
    const keys = new Set<string>();
    let scan: string | null = '0';
    while (scan !== null) {
      const step = await this.#scanStep(scan, 1000);
      for (const key of step.keys) keys.add(key);
      scan = step.next;
    }
    return keys.size;
  }

  async apply(ops: readonly WriteOp[], fence?: Fence): Promise<ApplyResult> {
    planBatch(ops, MAX_WRITES);
    if (fence) checkFence(fence);
    if (ops.length === 0) return { ok: true, versions: new Map() };
    const own = ops.find((op) => (this.#keyPrefix + op.key).startsWith(this.#metaPrefix));
    if (own) throw new StableIdError('INVALID_ARGUMENT', `"${own.key}" is a key of the source's own, not a document`, { field: 'ops', value: own.key });
    const position = new Map(ops.map((op, index) => [op.key, index]));
    const keys = [`${this.#metaPrefix}fence:${fence?.name ?? ''}`, ...ops.map((op) => this.#keyPrefix + op.key)];
    const args: (string | number)[] = [this.#codec.type, fence ? '1' : '0', fence?.token ?? 0];
    for (const op of ops) {
      // The key a moved document comes from, by its place in KEYS (1-based, after the fence key); planBatch saw that the batch deletes it.
      const from = op.kind === 'insert' && op.from !== undefined ? (position.get(op.from) as number) + 2 : 0;
      args.push(op.kind === 'insert' ? 'i' : op.kind === 'replace' ? 'r' : 'd', op.kind === 'insert' ? '' : op.expected, from);
      if (op.kind === 'delete') continue;
      const stored = this.#codec.encode(op.key, op.body);
      if (typeof stored === 'string') args.push(stored);
      else args.push(stored.length / 2, ...stored);
    }
    const reply = (await this.#client.script(APPLY, keys, args)) as string[];
    const [outcome, ...rest] = reply;
    if (outcome === 'lease' && fence) throw leaseLost(fence, Number(rest[0]), this.#where);
    if (outcome === 'refused') {
      const refused = new Map<string, WriteRefusal>();
      for (let index = 0; index + 1 < rest.length; index += 2) {
        const op = ops[Number(rest[index]) - 1];
        if (op) refused.set(op.key, rest[index + 1] as WriteRefusal);
      }
      return { ok: false, refused };
    }
    if (outcome !== 'ok') throw new StableIdError('INTERNAL', `redis: the write script answered ${JSON.stringify(outcome)}`, { store: this.#where });
    const versions = new Map<string, string>();
    ops.forEach((op, index) => {
      if (op.kind !== 'delete') versions.set(op.key, String(rest[index]));
    });
    return { ok: true, versions };
  }

  /** One SCAN call: the collection's keys it found (never the source's own), and the cursor to send next (null when the walk is done). */
  async #scanStep(cursor: string, count: number): Promise<{ keys: string[]; next: string | null }> {
    const match = `${globEscape(this.#keyPrefix)}*`;
    const [next, found] = (await this.#client.call('SCAN', cursor, 'MATCH', match, 'COUNT', Math.max(count, 10), 'TYPE', this.#codec.type)) as [string, string[]];
    return { keys: found.filter((key) => !key.startsWith(this.#metaPrefix)), next: next === '0' ? null : next };
  }

  /** The documents at these full keys, in their order; absent keys (and keys holding another type) left out. */
  async #read(keys: readonly string[]): Promise<SourceDocument[]> {
    const documents: SourceDocument[] = [];
    for (let start = 0; start < keys.length; start += READ_CHUNK) {
      const chunk = keys.slice(start, start + READ_CHUNK);
      const found = (await this.#client.script(READ, chunk, [this.#codec.type])) as ([string, StoredValue] | null)[];
      found.forEach((entry, index) => {
        if (!entry) return;
        const key = (chunk[index] as string).slice(this.#keyPrefix.length);
        documents.push({ key, version: entry[0], body: this.#codec.decode(key, entry[1], `${this.name} in ${this.#where}`) });
      });
    }
    return documents;
  }

  #checkPartition(partition: Partition): void {
    if (partition?.id !== WHOLE.id) {
      throw new StableIdError('INVALID_ARGUMENT', `${this.name} in ${this.#where} has one partition, "${WHOLE.id}"; got ${JSON.stringify(partition?.id)}`, { field: 'partition' });
    }
  }

  #walkState(cursor: string): WalkState {
    try {
      const state = JSON.parse(cursor) as WalkState;
      if ((state.scan === null || typeof state.scan === 'string') && Array.isArray(state.pending) && state.pending.every((key) => typeof key === 'string')) return state;
    } catch {
      // Reported below.
    }
    throw new StableIdError('INVALID_ARGUMENT', `not a cursor of ${this.name} in ${this.#where}: ${JSON.stringify(cursor.slice(0, 80))}`, { field: 'cursor' });
  }
}
