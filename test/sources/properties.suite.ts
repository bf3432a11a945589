import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { JsonObject, SourceCollection, WriteOp, WriteRefusal } from '../../src/migrate/source/index.js';
import { withSource } from './fixtures.js';
import type { SourceKind } from './source-kinds.js';

const KEYS = ['a', 'b', 'c', 'd', 'e'];

/** One write as generated: `fresh` names the current version, otherwise one seen earlier (or never given out). */
interface OpSpec {
  readonly kind: 'insert' | 'replace' | 'delete';
  readonly key: string;
  readonly fresh: boolean;
  readonly stale: number;
  readonly body: JsonObject;
}

// PostgreSQL's jsonb cannot hold U+0000; everything else of Unicode round-trips.
const text = fc.string({ unit: 'grapheme', maxLength: 6 }).filter((value) => !value.includes('\u0000'));
const anyNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => !Object.is(value, -0)),
);

/** Batches of writes with bodies of numbers the kind's store can hold. */
function batchesOf(kind: SourceKind): fc.Arbitrary<(readonly OpSpec[])[]> {
  const number = kind.holdsNumber ? anyNumber.filter(kind.holdsNumber) : anyNumber;
  const bodyArbitrary: fc.Arbitrary<JsonObject> = fc.record({
    s: text,
    n: number,
    flag: fc.boolean(),
    list: fc.array(fc.oneof(number, text, fc.constant(null)), { maxLength: 3 }),
  }, { noNullPrototype: true });
  const opArbitrary: fc.Arbitrary<OpSpec> = fc.record({
    kind: fc.constantFrom('insert' as const, 'replace' as const, 'delete' as const),
    key: fc.constantFrom(...KEYS),
    fresh: fc.boolean(),
    stale: fc.nat(),
    body: bodyArbitrary,
  }, { noNullPrototype: true });
  return fc.array(fc.uniqueArray(opArbitrary, { selector: (op) => op.key, minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 });
}

/** What the collection should hold: a map of key to version and body, changed by the same rules the port promises. */
class Model {
  readonly documents = new Map<string, { version: string; body: JsonObject }>();
  /** Every version ever given out, per key: the stale ones a slow writer might still hold. */
  readonly seen = new Map<string, string[]>();

  expected(spec: OpSpec): string {
    const current = this.documents.get(spec.key)?.version;
    if (spec.fresh && current !== undefined) return current;
    const history = this.seen.get(spec.key) ?? [];
    return history[spec.stale % (history.length + 1)] ?? 'never-given-out';
  }

  refusals(ops: readonly WriteOp[]): Map<string, WriteRefusal> {
    const refused = new Map<string, WriteRefusal>();
    for (const op of ops) {
      const current = this.documents.get(op.key)?.version;
      if (op.kind === 'insert' ? current !== undefined : current !== op.expected) refused.set(op.key, op.kind === 'insert' ? 'exists' : 'conflict');
    }
    return refused;
  }

  apply(ops: readonly WriteOp[], versions: ReadonlyMap<string, string>): void {
    for (const op of ops) {
      if (op.kind === 'delete') {
        this.documents.delete(op.key);
        continue;
      }
      const version = versions.get(op.key);
      assert.ok(version !== undefined, `a new version for ${op.key}`);
      this.documents.set(op.key, { version, body: op.body });
      this.seen.set(op.key, [...(this.seen.get(op.key) ?? []), version]);
    }
  }
}

async function run(collection: SourceCollection, batches: readonly (readonly OpSpec[])[], stored: (body: JsonObject) => JsonObject): Promise<void> {
  const model = new Model();
  for (const specs of batches) {
    const ops: WriteOp[] = specs.map((spec) =>
      spec.kind === 'insert'
        ? { kind: 'insert', key: spec.key, body: spec.body }
        : spec.kind === 'replace'
          ? { kind: 'replace', key: spec.key, expected: model.expected(spec), body: spec.body }
          : { kind: 'delete', key: spec.key, expected: model.expected(spec) },
    );
    const refused = model.refusals(ops);
    const result = await collection.apply(ops);
    if (refused.size > 0) {
      assert.deepEqual(result, { ok: false, refused });
    } else {
      assert.ok(result.ok, 'a batch whose every write holds is applied');
      assert.deepEqual([...result.versions.keys()].sort(), ops.filter((op) => op.kind !== 'delete').map((op) => op.key).sort());
      model.apply(ops, result.versions);
    }
    const found = await collection.getMany(KEYS);
    assert.deepEqual(
      new Map(found.map((document) => [document.key, { version: document.version, body: document.body }])),
      new Map([...model.documents].map(([key, document]) => [key, { version: document.version, body: stored(document.body) }])),
    );
    assert.equal(await collection.count(), model.documents.size);
  }
}

/** Random sequences of batches, with current and stale versions, keep the collection equal to a simple model. */
export function propertiesSuite(kind: SourceKind): void {
  describe('properties', () => {
    it('keeps the collection equal to an in-memory model through random batches with current and stale versions', () =>
      withSource(kind, async ({ collection }) => {
        let runs = 0;
        await fc.assert(
          fc.asyncProperty(batchesOf(kind), async (batches) => run(await collection(`model_${runs++}`), batches, kind.stored ?? ((body) => body))),
          { numRuns: 40 },
        );
      }));
  });
}
