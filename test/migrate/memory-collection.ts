import type { ApplyResult, CollectionTraits, JsonObject, Partition, ScanPage, SourceCollection, SourceDocument, WriteOp, WriteRefusal } from '../../src/migrate/source/source.js';

/**
 * A source collection in memory, for tests of the engine that need no
 * database: keys in code-point order, versions counted. With `repeats`, every
 * page after the first starts with the last document of the page before
 * again, as a Redis SCAN may; with `maxWrites`, larger batches are refused,
 * as DynamoDB's transactions are.
 */
export class MemoryCollection implements SourceCollection {
  readonly name: string;
  readonly traits: CollectionTraits;
  readonly #documents = new Map<string, { version: number; body: JsonObject }>();
  #clock = 0;
  /** The size of every batch applied, in order. */
  readonly applied: number[] = [];

  constructor(name: string, documents: Record<string, JsonObject> = {}, traits: Partial<CollectionTraits> = {}) {
    this.name = name;
    this.traits = { ordered: true, repeats: false, maxWrites: null, ...traits };
    for (const [key, body] of Object.entries(documents)) this.#documents.set(key, { version: ++this.#clock, body: structuredClone(body) });
  }

  #sortedKeys(partition?: Partition): string[] {
    return [...this.#documents.keys()]
      .filter((key) => {
        const from = partition?.['from'];
        const to = partition?.['to'];
        return (typeof from !== 'string' || key >= from) && (typeof to !== 'string' || key < to);
      })
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  #read(key: string): SourceDocument | undefined {
    const stored = this.#documents.get(key);
    return stored && { key, version: String(stored.version), body: structuredClone(stored.body) };
  }

  async partitions(count: number): Promise<Partition[]> {
    const keys = this.#sortedKeys();
    const size = Math.max(1, Math.ceil(keys.length / count));
    const bounds = keys.filter((_, index) => index > 0 && index % size === 0);
    const edges = [null, ...bounds, null];
    return edges.slice(0, -1).map((from, index) => ({ id: `p${index}of${edges.length - 1}`, from, to: edges[index + 1] ?? null }));
  }

  async scan(partition: Partition, cursor: string | null, limit: number): Promise<ScanPage> {
    const keys = this.#sortedKeys(partition).filter((key) => cursor === null || key > cursor);
    const repeat = this.traits.repeats && cursor !== null && limit > 1 && this.#documents.has(cursor) ? [cursor] : [];
    const fresh = keys.slice(0, limit - repeat.length);
    return {
      documents: [...repeat, ...fresh].map((key) => this.#read(key) as SourceDocument),
      cursor: keys.length > fresh.length ? (fresh.at(-1) ?? null) : null,
    };
  }

  async getMany(keys: readonly string[]): Promise<SourceDocument[]> {
    return keys.flatMap((key) => this.#read(key) ?? []);
  }

  /** Runs just before each apply: a test's stand-in for an application writing between the engine's read and its write. */
  beforeApply: ((ops: readonly WriteOp[]) => void) | undefined;

  async apply(ops: readonly WriteOp[]): Promise<ApplyResult> {
    if (this.traits.maxWrites !== null && ops.length > this.traits.maxWrites) throw new Error(`a batch of ${ops.length} writes, over the limit of ${this.traits.maxWrites}`);
    this.applied.push(ops.length);
    this.beforeApply?.(ops);
    const refused = new Map<string, WriteRefusal>();
    for (const op of ops) {
      const current = this.#documents.get(op.key);
      if (op.kind === 'insert' ? current !== undefined : String(current?.version) !== op.expected) refused.set(op.key, op.kind === 'insert' ? 'exists' : 'conflict');
    }
    if (refused.size > 0) return { ok: false, refused };
    const versions = new Map<string, string>();
    for (const op of ops) {
      if (op.kind === 'delete') this.#documents.delete(op.key);
      else {
        this.#documents.set(op.key, { version: ++this.#clock, body: structuredClone(op.body) });
        versions.set(op.key, String(this.#clock));
      }
    }
    return { ok: true, versions };
  }

  async count(partition?: Partition): Promise<number> {
    return this.#sortedKeys(partition).length;
  }

  /** The document's body as stored, without going through a read. */
  peek(key: string): JsonObject | undefined {
    const stored = this.#documents.get(key);
    return stored && structuredClone(stored.body);
  }

  /** What an application does behind the engine's back. */
  put(key: string, body: JsonObject): void {
    this.#documents.set(key, { version: ++this.#clock, body: structuredClone(body) });
  }
}
