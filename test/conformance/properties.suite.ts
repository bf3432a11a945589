import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StableIdError } from '../../src/model/errors.js';
import type { ChainedEvent } from '../../src/model/events.js';
import type { IdentifierRef } from '../../src/registry/requests.js';
import { Registry } from '../../src/registry/registry.js';
import { ORDER, allEvents, binding, defineOrder, legacy, openTestRegistry, typeId, ulid } from '../registry/fixtures.js';
import type { StoreKind } from './stores.js';

/*
 * Random sequences of operations over a small pool of values, so that they
 * collide often: repeats, conflicts, erasures of values others derive from,
 * writes into schemes that were archived meanwhile.
 */

type Scheme = 'v1' | 'v2' | 'v3';

const POOL: Record<Scheme, readonly string[]> = {
  v1: [legacy(1), legacy(2)],
  v2: [typeId(1), typeId(2)],
  // The lowercase spelling is the same identifier as the canonical one.
  v3: [ulid(1), ulid(1).toLowerCase(), ulid(2)],
};

type Op =
  | { readonly kind: 'register'; readonly scheme: string; readonly value: string; readonly key: string | null }
  | { readonly kind: 'alias'; readonly from: IdentifierRef; readonly scheme: string; readonly value: string }
  | { readonly kind: 'rebind'; readonly identifier: IdentifierRef; readonly key: string }
  | { readonly kind: 'deprecate'; readonly identifier: IdentifierRef; readonly sunset: string }
  | { readonly kind: 'archive'; readonly identifier: IdentifierRef }
  | { readonly kind: 'erase'; readonly identifier: IdentifierRef }
  | { readonly kind: 'deprecateScheme'; readonly scheme: string; readonly sunset: string; readonly replacement: string | null }
  | { readonly kind: 'archiveScheme'; readonly scheme: string };

const schemeArb = fc.constantFrom<Scheme>('v1', 'v2', 'v3');
const valueIn = (scheme: Scheme) => fc.constantFrom(...POOL[scheme]);
const pooledArb = schemeArb.chain((scheme) => valueIn(scheme).map((value) => ({ scheme, value })));
/** A reference to a pooled value, with or without its scheme (then auto-detected). */
const refArb: fc.Arbitrary<IdentifierRef> = fc.tuple(pooledArb, fc.boolean()).map(([{ scheme, value }, named]) => (named ? { scheme, value } : { value }));
const keyArb = fc.constantFrom('k1', 'k2');
const sunsetArb = fc.constantFrom('2027-01-31', '2028-01-31T12:00:00Z');

const validOpArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('register' as const), pooled: pooledArb, key: fc.option(keyArb, { nil: null }) }).map(({ pooled, key }) => ({ kind: 'register' as const, ...pooled, key })) },
  { weight: 16, arbitrary: fc.record({ from: refArb, to: pooledArb }).map(({ from, to }) => ({ kind: 'alias' as const, from, ...to })) },
  { weight: 6, arbitrary: fc.record({ identifier: refArb, key: keyArb }).map((r) => ({ kind: 'rebind' as const, ...r })) },
  { weight: 6, arbitrary: fc.record({ identifier: refArb, sunset: sunsetArb }).map((r) => ({ kind: 'deprecate' as const, ...r })) },
  { weight: 3, arbitrary: refArb.map((identifier) => ({ kind: 'archive' as const, identifier })) },
  { weight: 3, arbitrary: refArb.map((identifier) => ({ kind: 'erase' as const, identifier })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ scheme: schemeArb, sunset: sunsetArb, replacement: fc.option(schemeArb, { nil: null }) })
      .map((r) => ({ kind: 'deprecateScheme' as const, ...r })),
  },
  { weight: 1, arbitrary: schemeArb.map((scheme) => ({ kind: 'archiveScheme' as const, scheme })) },
);

const invalidOpArb: fc.Arbitrary<Op> = fc.constantFrom<Op>(
  { kind: 'register', scheme: 'v2', value: typeId(1).toUpperCase(), key: null },
  { kind: 'register', scheme: 'v1', value: 'ORD-12', key: null },
  { kind: 'register', scheme: 'v9', value: legacy(1), key: null },
  { kind: 'alias', from: { value: legacy(1) }, scheme: 'v2', value: ` ${typeId(1)}` },
  { kind: 'rebind', identifier: { value: legacy(1) }, key: '' },
  { kind: 'deprecate', identifier: { value: typeId(1) }, sunset: 'soon' },
  { kind: 'archive', identifier: { value: 'not an order' } },
  { kind: 'deprecateScheme', scheme: 'v9', sunset: '2027-01-31', replacement: null },
);

const opArb = fc.oneof({ weight: 9, arbitrary: validOpArb }, { weight: 1, arbitrary: invalidOpArb });
const opsArb = fc.array(opArb, { minLength: 5, maxLength: 30, size: 'max' });

type Result = { readonly ok: true; readonly changed: boolean; readonly entity: string | null } | { readonly ok: false; readonly code: string };

async function apply(registry: Registry, op: Op): Promise<Result> {
  try {
    switch (op.kind) {
      case 'register': {
        const o = await registry.register({ namespace: ORDER, scheme: op.scheme, value: op.value, binding: op.key === null ? null : binding(op.key) });
        return { ok: true, changed: o.changed, entity: o.entity };
      }
      case 'alias': {
        const o = await registry.alias({ namespace: ORDER, from: op.from, scheme: op.scheme, value: op.value });
        return { ok: true, changed: o.changed, entity: o.entity };
      }
      case 'rebind': {
        const o = await registry.rebind({ namespace: ORDER, identifier: op.identifier, binding: binding(op.key) });
        return { ok: true, changed: o.changed, entity: o.entity };
      }
      case 'deprecate': {
        const o = await registry.deprecate({ namespace: ORDER, identifier: op.identifier, sunset: op.sunset });
        return { ok: true, changed: o.changed, entity: o.entity };
      }
      case 'archive': {
        const o = await registry.archive({ namespace: ORDER, identifier: op.identifier });
        return { ok: true, changed: o.changed, entity: o.entity };
      }
      case 'erase': {
        const o = await registry.erase({ namespace: ORDER, identifier: op.identifier });
        return { ok: true, changed: o.changed, entity: o.entity };
      }
      case 'deprecateScheme':
        return { ok: true, changed: (await registry.deprecateScheme(ORDER, op.scheme, op.sunset, op.replacement)).changed, entity: null };
      case 'archiveScheme':
        return { ok: true, changed: (await registry.archiveScheme(ORDER, op.scheme)).changed, entity: null };
    }
  } catch (error) {
    // Anything but a coded error (a crash, INTERNAL) fails the property outright.
    if (!(error instanceof StableIdError) || error.code === 'INTERNAL') throw error;
    return { ok: false, code: error.code };
  }
}

/** What a reader can observe: every pooled value resolved, and the schemes with their states. */
async function observe(registry: Registry): Promise<string> {
  const refs = (Object.keys(POOL) as Scheme[]).flatMap((scheme) => POOL[scheme].map((value) => ({ scheme, value })));
  const resolved = await registry.resolveMany(ORDER, refs);
  const { schemes } = await registry.getNamespace(ORDER);
  return JSON.stringify({
    resolved: resolved.map((r) => (r.ok ? r.result : r.error.code)),
    schemes: schemes.map((s) => [s.name, s.state, s.sunset, s.replacement]),
  });
}

function assertPrefix(earlier: readonly ChainedEvent[], later: readonly ChainedEvent[], where: string): void {
  assert.ok(later.length >= earlier.length, `${where}: the log shrank from ${earlier.length} to ${later.length} events`);
  assert.deepEqual(later.slice(0, earlier.length), earlier, `${where}: an earlier event was rewritten`);
}

/** Every pooled value resolved, as of `asOf` or now, without the `asOf` echo. */
async function resolveAll(registry: Registry, asOf: string | null): Promise<string> {
  const refs = (Object.keys(POOL) as Scheme[]).flatMap((scheme) => POOL[scheme].map((value) => ({ scheme, value })));
  const resolved = await registry.resolveMany(ORDER, refs, { asOf });
  return JSON.stringify(resolved.map((r) => (r.ok ? { ...r.result, asOf: null } : r.error.code)));
}

const SCHEMES = Object.keys(POOL) as Scheme[];

/** Everything the resolver answers about the pool, as of `asOf` or now: resolves with and without schemes, translations into each scheme, lookups. */
async function readAll(registry: Registry, asOf: string | null): Promise<string> {
  const named = SCHEMES.flatMap((scheme) => POOL[scheme].map((value) => ({ scheme, value })));
  const refs = [...named, ...named.map(({ value }) => ({ value }))];
  const outcome = <T>(items: readonly ({ ok: true; result: T } | { ok: false; error: StableIdError })[]) => items.map((r) => (r.ok ? r.result : r.error.code));
  const codeOf = (error: StableIdError) => error.code;
  const translations = [];
  for (const to of SCHEMES) {
    const batch = outcome(await registry.translateMany(ORDER, refs, to, { asOf }));
    const oneByOne = [];
    for (const ref of refs) oneByOne.push(await registry.translate(ORDER, ref, to, { asOf }).catch(codeOf));
    assert.deepEqual(batch, oneByOne, `a batch translates into ${to} as each item alone does`);
    translations.push(batch);
  }
  const resolved = outcome(await registry.resolveMany(ORDER, refs, { asOf }));
  const oneByOne = [];
  for (const ref of refs) oneByOne.push(await registry.resolve(ORDER, ref, { asOf }).catch(codeOf));
  assert.deepEqual(resolved, oneByOne, 'a batch resolves as each item alone does');
  return JSON.stringify({
    resolved,
    translations,
    ...(asOf === null ? { lookups: await registry.lookupMany(ORDER, named), entities: await registry.entitiesOf(ORDER, named) } : {}),
    missing: await registry.resolve('nowhere', { value: legacy(1) }, { asOf }).catch(codeOf),
  });
}

function toRequest(op: Op) {
  switch (op.kind) {
    case 'register':
      return { op: 'register' as const, namespace: ORDER, scheme: op.scheme, value: op.value, binding: op.key === null ? null : binding(op.key) };
    case 'alias':
      return { op: 'alias' as const, namespace: ORDER, from: op.from, scheme: op.scheme, value: op.value };
    case 'rebind':
      return { op: 'rebind' as const, namespace: ORDER, identifier: op.identifier, binding: binding(op.key) };
    case 'deprecate':
      return { op: 'deprecate' as const, namespace: ORDER, identifier: op.identifier, sunset: op.sunset };
    case 'archive':
      return { op: 'archive' as const, namespace: ORDER, identifier: op.identifier };
    case 'erase':
      return { op: 'erase' as const, namespace: ORDER, identifier: op.identifier };
    default:
      throw new Error(`${op.kind} is not an identifier write`);
  }
}

export function propertiesSuite(kind: StoreKind): void {
  describe('registry properties', () => {
    it('every write is idempotent, failures change nothing, the log only grows and verifies', async () => {
      await fc.assert(
        fc.asyncProperty(opsArb, async (ops) => {
          const { registry, close } = openTestRegistry(kind);
          try {
            await defineOrder(registry);
            const logs: ChainedEvent[][] = [await allEvents(registry, ORDER)];
            for (const [step, op] of ops.entries()) {
              const where = `step ${step} ${JSON.stringify(op)}`;
              const eventsBefore = logs.at(-1) as ChainedEvent[];
              const viewBefore = await observe(registry);

              const first = await apply(registry, op);
              const eventsAfterFirst = await allEvents(registry, ORDER);
              const viewAfterFirst = await observe(registry);
              if (first.ok) {
                assert.equal(eventsAfterFirst.length, eventsBefore.length + (first.changed ? 1 : 0), `${where}: changed says whether one event was written`);
                if (!first.changed) assert.equal(viewAfterFirst, viewBefore, `${where}: a no-op changed what readers see`);
              } else {
                // (b) A failed operation changes nothing.
                assert.deepEqual(eventsAfterFirst, eventsBefore, `${where}: failed with ${first.code} but wrote events`);
                assert.equal(viewAfterFirst, viewBefore, `${where}: failed with ${first.code} but changed what readers see`);
              }
              assertPrefix(eventsBefore, eventsAfterFirst, where);

              // (a) The same operation again is a no-op, or fails the same way.
              const second = await apply(registry, op);
              const eventsAfterSecond = await allEvents(registry, ORDER);
              if (first.ok && op.kind === 'erase') {
                assert.deepEqual(second, { ok: false, code: 'IDENTIFIER_NOT_FOUND' }, `${where}: a repeated erase no longer finds the value`);
              } else if (first.ok) {
                assert.deepEqual(second, { ...first, changed: false }, `${where}: the repeat is not a no-op`);
              } else {
                assert.deepEqual(second, first, `${where}: the repeat fails differently`);
              }
              assert.deepEqual(eventsAfterSecond, eventsAfterFirst, `${where}: the repeat wrote events`);
              assert.equal(await observe(registry), viewAfterFirst, `${where}: the repeat changed what readers see`);
              logs.push(eventsAfterSecond);
            }
            // (c) Events are never rewritten: every earlier reading is a prefix of the last one.
            const last = logs.at(-1) as ChainedEvent[];
            for (const [step, earlier] of logs.entries()) assertPrefix(earlier, last, `after step ${step - 1}`);
            // (d) The log and the projections agree at the end.
            const report = await registry.verify();
            assert.equal(report.ok, true, JSON.stringify(report.first));
          } finally {
            await close();
          }
        }),
        { numRuns: 100 },
      );
    });

    it('a rejected batch changes nothing, and its good items alone are accepted afterwards', async () => {
      await fc.assert(
        fc.asyncProperty(opsArb, fc.array(validOpArb.filter((op) => op.kind !== 'deprecateScheme' && op.kind !== 'archiveScheme'), { minLength: 1, maxLength: 6 }), async (setup, batch) => {
          const { registry, close } = openTestRegistry(kind);
          try {
            await defineOrder(registry);
            for (const op of setup) await apply(registry, op);
            const eventsBefore = await allEvents(registry, ORDER);
            const viewBefore = await observe(registry);
            const items = batch.map((op) => ({ request: toRequest(op) }));
            // A bad item at the end makes the whole batch fail.
            const poisoned = [...items, { request: { op: 'register' as const, namespace: ORDER, scheme: 'v2', value: 'ORD_BAD' } }];
            let rejected: unknown;
            try {
              await registry.writeMany(poisoned);
            } catch (error) {
              rejected = error;
            }
            assert.ok(rejected instanceof StableIdError && rejected.code === 'BATCH_REJECTED', String(rejected));
            assert.deepEqual(await allEvents(registry, ORDER), eventsBefore);
            assert.equal(await observe(registry), viewBefore);
            // With continueOnError the same batch writes exactly what the items write one by one.
            const report = await registry.writeMany(poisoned, { continueOnError: true });
            assert.equal(report.failures.at(-1)?.index, items.length);
            assert.equal((await allEvents(registry, ORDER)).length, eventsBefore.length + report.written);
            assert.equal((await registry.verify()).ok, true);
          } finally {
            await close();
          }
        }),
        { numRuns: 50 },
      );
    });
  });

  describe('read index properties', () => {
    it('a registry reading from its in-memory index answers as the store does, after every write of another registry', async () => {
      await fc.assert(
        fc.asyncProperty(opsArb, fc.nat(), async (ops, pick) => {
          const { registry, store, close } = openTestRegistry(kind);
          // Shares the store: not closed on its own, the store is closed once by `close`.
          const indexed = new Registry(store, { readIndex: true });
          try {
            await defineOrder(registry);
            const instants: string[] = [];
            for (const [step, op] of ops.entries()) {
              await apply(registry, op);
              instants.push(((await allEvents(registry, ORDER)).at(-1) as ChainedEvent).at);
              assert.equal(await readAll(indexed, null), await readAll(registry, null), `step ${step} ${JSON.stringify(ops.slice(0, step + 1))}`);
            }
            const asOf = instants[pick % instants.length] as string;
            assert.equal(await readAll(indexed, asOf), await readAll(registry, asOf), `as of ${asOf}`);
            // An index loaded from the projection rows at the end agrees too (the one above was kept current event by event).
            const fresh = new Registry(store, { readIndex: true });
            assert.equal(await readAll(fresh, null), await readAll(registry, null), 'loaded at the end');
            assert.deepEqual([...(fresh.readIndex?.loaded() ?? [])], [[ORDER, (await allEvents(registry, ORDER)).length]], 'only existing namespaces are kept');
          } finally {
            await close();
          }
        }),
        { numRuns: 40 },
      );
    });
  });

  describe('as-of properties', () => {
    it('reading as of the instant after any step answers what was read at that step', async () => {
      // Erasure is left out: it removes values from the past too, by design.
      const noErase = fc.array(opArb.filter((op) => op.kind !== 'erase'), { minLength: 5, maxLength: 25, size: 'max' });
      await fc.assert(
        fc.asyncProperty(noErase, async (ops) => {
          const { registry, close } = openTestRegistry(kind);
          try {
            await defineOrder(registry);
            const readings: { at: string; view: string }[] = [];
            for (const op of ops) {
              await apply(registry, op);
              const head = (await allEvents(registry, ORDER)).at(-1) as ChainedEvent;
              readings.push({ at: head.at, view: await resolveAll(registry, null) });
            }
            for (const [step, { at, view }] of readings.entries()) {
              assert.equal(await resolveAll(registry, at), view, `as of step ${step} (${at}): ${JSON.stringify(ops.slice(0, step + 1))}`);
            }
          } finally {
            await close();
          }
        }),
        { numRuns: 50 },
      );
    });
  });
}
