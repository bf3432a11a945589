import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorCode } from '../../src/model/errors.js';
import { StableIdError } from '../../src/model/errors.js';
import type { ChainedEvent } from '../../src/model/events.js';
import type { Binding } from '../../src/model/types.js';
import { Registry } from '../../src/registry/registry.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { type RawAccess, SQLITE, type StoreKind } from '../conformance/stores.js';

/** The instant every test clock starts at. */
export const EPOCH = Date.parse('2025-01-01T00:00:00.000Z');
/** How far a test clock moves at each reading: one event per second. */
export const TICK = 1000;

/**
 * A deterministic clock: each reading is one tick later than the previous
 * one, so that every event has its own instant and as-of reads can aim
 * between two events.
 */
export class TestClock {
  #next: number;

  constructor(start = EPOCH) {
    this.#next = start;
  }

  readonly read = (): Date => {
    const now = new Date(this.#next);
    this.#next += TICK;
    return now;
  };

  /** Moves the next reading forward by `ms`. */
  advance(ms: number): void {
    this.#next += ms;
  }
}

export interface TestRegistry {
  readonly registry: Registry;
  readonly store: Store;
  /** SQL straight to the store's database, past the registry. */
  readonly raw: RawAccess;
  readonly clock: TestClock;
  /** Closes the registry and removes what its store created. */
  readonly close: () => Promise<void>;
}

/** A registry over a fresh store of `kind`, with a deterministic clock and entity ids. */
export function openTestRegistry(kind: StoreKind = SQLITE): TestRegistry {
  const { store, raw, close } = kind.open();
  const clock = new TestClock();
  return { registry: testRegistry(store, clock), store, raw, clock, close };
}

export interface SqliteTestRegistry extends Omit<TestRegistry, 'raw'> {
  readonly store: SqliteStore;
  /** The database file, or null in memory. */
  readonly path: string | null;
}

/**
 * A registry over an in-memory SQLite store, or over a file in a fresh
 * temporary directory: for the tests that reach into SQLite itself
 * (its connection, its file, its triggers).
 */
export function openSqliteTestRegistry(options: { file?: boolean } = {}): SqliteTestRegistry {
  const dir = options.file ? mkdtempSync(join(tmpdir(), 'stableid-test-')) : null;
  const path = dir ? join(dir, 'registry.db') : null;
  const store = SqliteStore.open(path ?? ':memory:');
  const clock = new TestClock();
  const registry = testRegistry(store, clock);
  return {
    registry,
    store,
    clock,
    path,
    close: async () => {
      await registry.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A registry acting as `test`, reading `clock`, issuing entity ids ent_000001, ent_000002, … */
function testRegistry(store: Store, clock: TestClock): Registry {
  let counter = 0;
  return new Registry(store, {
    clock: clock.read,
    actor: 'test',
    newEntityId: () => `ent_${String((counter += 1)).padStart(6, '0')}`,
  });
}

export const ORDER = 'order';
export const SKU = 'sku';

export const FORMATS = {
  v1: { kind: 'pattern', pattern: 'ORD-\\d{6}', maxLength: 10 },
  v2: { kind: 'typeid', prefix: 'ord' },
  v3: { kind: 'ulid' },
  v4: { kind: 'uuid' },
} as const;

/**
 * The `order` namespace: v1 legacy `ORD-\d{6}`, v2 TypeID `ord`, v3 ULID,
 * v4 UUID. Formats never overlap, so a value without a scheme is found in
 * exactly one of them.
 */
export async function defineOrder(registry: Registry): Promise<void> {
  await registry.createNamespace({ name: ORDER, owner: 'orders-team', stewards: ['alice'] });
  for (const [name, format] of Object.entries(FORMATS)) await registry.addScheme(ORDER, name, format);
}

/**
 * The `sku` namespace: two schemes whose formats overlap (every short
 * number is valid in both), for ambiguity tests.
 */
export async function defineSku(registry: Registry): Promise<void> {
  await registry.createNamespace({ name: SKU, owner: 'catalog-team' });
  await registry.addScheme(SKU, 'legacy', { kind: 'integer', min: 1 });
  await registry.addScheme(SKU, 'catalog', { kind: 'pattern', pattern: '\\d{1,8}', maxLength: 8 });
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(n: number, length: number): string {
  let out = '';
  let rest = n;
  do {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  } while (rest > 0);
  return out.padStart(length, '0');
}

/** The n-th legacy order number, e.g. ORD-000042. */
export const legacy = (n: number): string => `ORD-${String(n).padStart(6, '0')}`;
/** The n-th TypeID of prefix `ord`, in its one (lowercase) spelling. */
export const typeId = (n: number): string => `ord_${base32(n, 26)}`;
/** The n-th ULID in its canonical (uppercase) spelling. */
export const ulid = (n: number): string => base32(n, 26).toUpperCase();
/** The n-th UUID (version 4 layout) in its canonical (lowercase) spelling. */
export const uuid = (n: number): string => `00000000-0000-4000-8aaa-${n.toString(16).padStart(12, '0')}`;

export const binding = (key: string, collection = 'orders', store = 'main'): Binding => ({ store, collection, key });

/** Asserts that `action` rejects with a StableIdError of `code`, and returns that error. */
export async function rejectsWith(action: Promise<unknown> | (() => Promise<unknown>), code: ErrorCode): Promise<StableIdError> {
  let caught: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught !== undefined, `expected ${code}, but nothing was thrown`);
  assert.ok(caught instanceof StableIdError, `expected a StableIdError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  return caught;
}

/** Every event of a namespace, oldest first. */
export async function allEvents(registry: Registry, namespace: string): Promise<ChainedEvent[]> {
  const events: ChainedEvent[] = [];
  for (;;) {
    const page = await registry.history(namespace, events.at(-1)?.seq ?? 0, 500);
    if (page.length === 0) return events;
    events.push(...page);
  }
}

/** How many events a namespace's log holds. */
export async function eventCount(registry: Registry, namespace: string): Promise<number> {
  return (await allEvents(registry, namespace)).length;
}

/** The instant of a namespace's event `seq`. */
export async function eventTime(registry: Registry, namespace: string, seq: number): Promise<string> {
  const [event] = await registry.history(namespace, seq - 1, 1);
  assert.ok(event && event.seq === seq, `event ${seq} of ${namespace} exists`);
  return event.at;
}

/** An ISO instant `ms` after `iso`. */
export const shift = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();
