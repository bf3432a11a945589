import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { VerifyReport } from '../../src/registry/verify.js';
import { TILE_SIZE } from '../../src/store/store.js';
import { type TestRegistry, openTestRegistry } from '../registry/fixtures.js';
import { seedProofRegistry } from '../registry/proof-fixtures.js';
import { quote, snapshot } from './raw-sql.js';
import type { RawRow, StoreKind } from './stores.js';
import { seededRandom } from '../support/seeded-random.js';

/** Trials per store kind; STABLEID_TAMPER_TRIALS overrides, STABLEID_TAMPER_SEED replays a run. */
const TRIALS = Number(process.env['STABLEID_TAMPER_TRIALS'] ?? 200);
const SEED = Number(process.env['STABLEID_TAMPER_SEED'] ?? 20_260_301);

type ColumnKind = 'text' | 'int' | 'blob' | 'json';

interface TableShape {
  readonly columns: Readonly<Record<string, ColumnKind>>;
  /** The primary key. */
  readonly key: readonly string[];
  /** Columns of a unique index besides the key: an inserted copy needs fresh values there too. */
  readonly unique?: readonly string[];
  /** The seqs a row stands for: where verify is expected to place a divergence about it. */
  readonly seqs: (row: RawRow, seeded: Seeded) => number[];
}

const num = (value: unknown): number => Number(value);

/** What the seeded registry holds that locations refer to. */
interface Seeded {
  /** The sizes of every checkpoint. */
  readonly sizes: readonly number[];
  /** Each namespace's last seq. */
  readonly heads: ReadonlyMap<string, number>;
}

/** Every table of the registry, as far as tampering with its rows goes. */
const TABLES: Readonly<Record<string, TableShape>> = {
  events: {
    columns: { namespace: 'text', seq: 'int', prev_hash: 'blob', hash: 'blob', type: 'text', at: 'text', actor: 'text', correlation_id: 'text', reason: 'text', body: 'json' },
    key: ['namespace', 'seq'],
    // An event beyond the log's end shows where the log ends: the first seq that differs.
    seqs: (r, { heads }) => {
      const last = heads.get(String(r['namespace'])) ?? 0;
      return num(r['seq']) > last ? [num(r['seq']), last + 1] : [num(r['seq'])];
    },
  },
  namespace_heads: { columns: { namespace: 'text', seq: 'int', hash: 'text', at: 'text' }, key: ['namespace'], seqs: (r) => [num(r['seq']), num(r['seq']) + 1] },
  namespaces: {
    columns: { name: 'text', owner: 'text', stewards: 'json', description: 'text', created_seq: 'int', created_at: 'text' },
    key: ['name'],
    seqs: (r) => [num(r['created_seq'])],
  },
  schemes: { columns: { namespace: 'text', name: 'text', format: 'json', created_seq: 'int', created_at: 'text' }, key: ['namespace', 'name'], seqs: (r) => [num(r['created_seq'])] },
  scheme_states: {
    columns: { namespace: 'text', scheme: 'text', seq: 'int', at: 'text', state: 'text', sunset: 'text', replacement: 'text' },
    key: ['namespace', 'seq'],
    seqs: (r) => [num(r['seq'])],
  },
  entities: { columns: { namespace: 'text', id: 'text', created_seq: 'int', created_at: 'text' }, key: ['namespace', 'id'], seqs: (r) => [num(r['created_seq'])] },
  identifiers: {
    columns: { namespace: 'text', entity: 'text', seq: 'int', scheme: 'text', commitment: 'blob', derived_from: 'int', migration: 'text', created_at: 'text' },
    key: ['namespace', 'entity', 'seq'],
    seqs: (r) => [num(r['seq'])],
  },
  identifier_values: {
    columns: { namespace: 'text', scheme: 'text', value: 'text', identifier: 'int', entity: 'text', salt: 'text' },
    key: ['namespace', 'scheme', 'value'],
    unique: ['identifier'],
    seqs: (r) => [num(r['identifier'])],
  },
  identifier_states: {
    columns: { namespace: 'text', identifier: 'int', seq: 'int', at: 'text', state: 'text', sunset: 'text' },
    key: ['namespace', 'seq'],
    seqs: (r) => [num(r['seq'])],
  },
  bindings: {
    columns: { namespace: 'text', entity: 'text', version: 'int', seq: 'int', at: 'text', store: 'text', collection: 'text', key: 'text', migration: 'text' },
    key: ['namespace', 'entity', 'version'],
    seqs: (r) => [num(r['seq'])],
  },
  erasures: { columns: { namespace: 'text', identifier: 'int', seq: 'int', at: 'text' }, key: ['namespace', 'identifier'], seqs: (r) => [num(r['seq']), num(r['identifier'])] },
  merkle_tiles: { columns: { namespace: 'text', idx: 'int', root: 'blob' }, key: ['namespace', 'idx'], seqs: (r) => [num(r['idx']) * TILE_SIZE + 1] },
  checkpoints: {
    columns: { namespace: 'text', size: 'int', key_id: 'text', root: 'blob', head: 'blob', at: 'text', signature: 'text' },
    key: ['namespace', 'size', 'key_id'],
    seqs: (r) => [num(r['size'])],
  },
  signing_keys: {
    columns: { key_id: 'text', name: 'text', public_key: 'text', valid_from: 'text', valid_until: 'text', signature: 'text', retired_by: 'text', retirement_signature: 'text' },
    key: ['key_id'],
    // A key is located by the checkpoints it signed, or that its neighbours in the key chain signed.
    seqs: (_r, { sizes }) => [...sizes],
  },
};

/** A value as an SQL literal of the kind's dialect. */
function literal(value: unknown, kind: ColumnKind, dialect: string): string {
  if (value === null || value === undefined) return 'NULL';
  if (kind === 'blob') {
    const hex = (Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'hex')).toString('hex');
    return dialect === 'postgres' ? `'\\x${hex}'::bytea` : `X'${hex}'`;
  }
  if (kind === 'int') return String(num(value));
  return quote(String(value));
}

/** A different value of the same kind: what a tamperer writes. */
function altered(value: unknown, kind: ColumnKind, random: () => number, fresh: boolean): unknown {
  if (kind === 'int') return value === null ? 7 : num(value) + (fresh ? 100_000 : 1);
  if (kind === 'blob') {
    const bytes = Buffer.from(value as Buffer);
    const at = Math.floor(random() * bytes.length);
    bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(random() * 8));
    return bytes;
  }
  if (kind === 'json') {
    const parsed = JSON.parse(String(value)) as unknown;
    return JSON.stringify(mutateLeaf(parsed, random));
  }
  return value === null ? 'x' : `${String(value)}x`;
}

/** The JSON value with one leaf changed (or one element added to an empty container). */
function mutateLeaf(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0) return ['x'];
    const at = Math.floor(random() * value.length);
    return value.map((v, i) => (i === at ? mutateLeaf(v, random) : v));
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    if (keys.length === 0) return { x: 'x' };
    const key = keys[Math.floor(random() * keys.length)] as string;
    return { ...value, [key]: mutateLeaf((value as Record<string, unknown>)[key], random) };
  }
  if (typeof value === 'string') return `${value}x`;
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'boolean') return !value;
  return 'x';
}

interface Tampering {
  readonly description: string;
  readonly sql: string;
  readonly undo: string;
  /** Where verify may place the first divergence: the namespaces and seqs the changed rows stand for. */
  readonly namespaces: ReadonlySet<string>;
  readonly seqs: ReadonlySet<number>;
}

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)] as T;

export function tamperRandomSuite(kind: StoreKind): void {
  describe(`randomized tamper detection (${TRIALS} trials)`, () => {
    let ctx: TestRegistry;
    let seeded: Record<string, string[]>;
    let state: Seeded;
    before(async () => {
      ctx = openTestRegistry(kind);
      await seedProofRegistry(ctx.registry);
      seeded = await snapshot(ctx.raw);
      state = {
        sizes: (await ctx.raw.query('SELECT size FROM checkpoints')).map((r) => num(r['size'])),
        heads: new Map((await ctx.raw.query('SELECT namespace, seq FROM namespace_heads')).map((r) => [String(r['namespace']), num(r['seq'])])),
      };
    });
    after(() => ctx.close());

    const where = (shape: TableShape, row: RawRow): string =>
      shape.key.map((column) => `${column} = ${literal(row[column], shape.columns[column] as ColumnKind, kind.name)}`).join(' AND ');

    const located = (shape: TableShape, ...rows: RawRow[]): Pick<Tampering, 'namespaces' | 'seqs'> => ({
      // Signing keys belong to no namespace: any namespace whose checkpoints they signed may report them.
      namespaces: new Set(rows.map((r) => (shape === TABLES['signing_keys'] ? '*' : String(r['namespace'] ?? r['name'])))),
      seqs: new Set(rows.flatMap((r) => shape.seqs(r, state))),
    });

    /**
     * One random tampering of one row (two for a reorder), with its undoing;
     * null when the draw fits no row. Not drawn: taking a kept checkpoint out
     * of the registry's list (deleting it, or moving it to a namespace that
     * does not exist). That rewrites nothing — the log it signed is intact,
     * and every copy auditors and witnesses hold still verifies against it —
     * and nothing in the database refers to a checkpoint, so only those
     * copies can tell it was there.
     */
    async function draw(random: () => number): Promise<Tampering | null> {
      const table = pick(Object.keys(TABLES), random);
      const shape = TABLES[table] as TableShape;
      const rows = await ctx.raw.query(`SELECT * FROM ${table}`);
      if (rows.length === 0) return null;
      const row = pick(rows, random);
      const op = pick(['change', 'delete', 'insert', 'reorder'] as const, random);
      const columns = Object.keys(shape.columns);
      const values = (r: RawRow): string => columns.map((c) => literal(r[c], shape.columns[c] as ColumnKind, kind.name)).join(', ');
      switch (op) {
        case 'change': {
          const column = pick(columns, random);
          if (table === 'checkpoints' && column === 'namespace') return null;
          const changed = { ...row, [column]: altered(row[column], shape.columns[column] as ColumnKind, random, false) };
          const set = (r: RawRow): string => `${column} = ${literal(r[column], shape.columns[column] as ColumnKind, kind.name)}`;
          return {
            description: `change ${table}.${column} of ${where(shape, row)}`,
            sql: `UPDATE ${table} SET ${set(changed)} WHERE ${where(shape, row)}`,
            undo: `UPDATE ${table} SET ${set(row)} WHERE ${where(shape, changed)}`,
            ...located(shape, row, changed),
          };
        }
        case 'delete':
          if (table === 'checkpoints') return null;
          return {
            description: `delete ${table} row ${where(shape, row)}`,
            sql: `DELETE FROM ${table} WHERE ${where(shape, row)}`,
            undo: `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${values(row)})`,
            ...located(shape, row),
          };
        case 'insert': {
          // A copy under a fresh key (in the same namespace: a row of a namespace with no events and no definition is read by nobody).
          const keyColumns = shape.key.filter((c) => c !== 'namespace');
          const column = pick(keyColumns, random);
          let copy: RawRow = { ...row, [column]: altered(row[column], shape.columns[column] as ColumnKind, random, true) };
          for (const unique of shape.unique ?? []) copy = { ...copy, [unique]: altered(row[unique], shape.columns[unique] as ColumnKind, random, true) };
          return {
            description: `insert a copy of ${table} row ${where(shape, row)} as ${where(shape, copy)}`,
            sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${values(copy)})`,
            undo: `DELETE FROM ${table} WHERE ${where(shape, copy)}`,
            ...located(shape, row, copy),
          };
        }
        case 'reorder': {
          const other = pick(rows, random);
          const column = pick(columns, random);
          const kindOf = shape.columns[column] as ColumnKind;
          if (other === row || JSON.stringify(other[column]) === JSON.stringify(row[column])) return null;
          const a = { ...row, [column]: other[column] };
          const b = { ...other, [column]: row[column] };
          const swap = (from: [RawRow, RawRow], to: [RawRow, RawRow]): string => {
            if (!shape.key.includes(column) && !(shape.unique ?? []).includes(column)) {
              return `UPDATE ${table} SET ${column} = ${literal(to[0][column], kindOf, kind.name)} WHERE ${where(shape, from[0])};
                      UPDATE ${table} SET ${column} = ${literal(to[1][column], kindOf, kind.name)} WHERE ${where(shape, from[1])}`;
            }
            // Through a value no row has, so that the key stays unique at every step.
            const parked = { ...from[0], [column]: kindOf === 'int' ? -1 : kindOf === 'blob' ? Buffer.from('parked') : 'parked' };
            return `UPDATE ${table} SET ${column} = ${literal(parked[column], kindOf, kind.name)} WHERE ${where(shape, from[0])};
                    UPDATE ${table} SET ${column} = ${literal(to[1][column], kindOf, kind.name)} WHERE ${where(shape, from[1])};
                    UPDATE ${table} SET ${column} = ${literal(to[0][column], kindOf, kind.name)} WHERE ${where(shape, parked)}`;
          };
          return {
            description: `swap ${table}.${column} of ${where(shape, row)} and ${where(shape, other)}`,
            sql: swap([row, other], [a, b]),
            undo: swap([a, b], [row, other]),
            ...located(shape, row, other, a, b),
          };
        }
      }
    }

    function assertLocated(report: VerifyReport, tampering: Tampering, trial: string): void {
      assert.equal(report.ok, false, `${trial}: verify must notice: ${tampering.description}`);
      const first = report.first;
      if (!first) {
        // Only the signing keys' own records can fail with no namespace divergence.
        assert.ok(report.keys.length > 0 && tampering.description.includes('signing_keys'), `${trial}: ${tampering.description}: no divergence named`);
        return;
      }
      const where = `${trial}: ${tampering.description}: first divergence ${JSON.stringify({ ...first, stored: undefined, expected: undefined })}`;
      if (!tampering.namespaces.has('*')) assert.ok(tampering.namespaces.has(first.namespace), where);
      assert.ok(first.seq !== null && tampering.seqs.has(first.seq), where);
    }

    it('detects and locates every random change, deletion, insertion and reordering of a row, and raises no alarm once it is undone', async () => {
      assert.equal((await ctx.registry.verify()).ok, true, 'the seeded registry verifies');
      const random = seededRandom(SEED + (kind.name === 'postgres' ? 1 : 0));
      const tamper = ctx.raw.tamper;
      if (!tamper) return;
      let done = 0;
      let refused = 0;
      const kinds = new Map<string, number>();
      while (done < TRIALS) {
        const tampering = await draw(random);
        if (!tampering) continue;
        try {
          await tamper(tampering.sql);
        } catch {
          // A constraint the database keeps whatever its triggers (a duplicate key): nothing changed; draw again.
          refused += 1;
          continue;
        }
        const trial = `trial ${done + 1} (seed ${SEED}, ${kind.name})`;
        assertLocated(await ctx.registry.verify(), tampering, trial);
        await tamper(tampering.undo);
        assert.deepEqual(await snapshot(ctx.raw), seeded, `${trial}: undoing ${tampering.description} restores every row`);
        // Every tenth trial also proves the restored registry raises no alarm; the untouched snapshot proves it for the others.
        if (done % 10 === 0) assert.equal((await ctx.registry.verify()).ok, true, `${trial}: false alarm after undoing ${tampering.description}`);
        const label = tampering.description.split(' ').slice(0, 2).join(' ');
        kinds.set(label, (kinds.get(label) ?? 0) + 1);
        done += 1;
      }
      assert.ok(kinds.size >= 20, `the trials cover many tables and kinds of tampering: ${[...kinds.keys()].join(', ')} (${refused} refused by the database)`);
    });
  });
}
