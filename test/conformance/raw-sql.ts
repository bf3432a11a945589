import type { RawAccess, RawRow } from './stores.js';

/**
 * The tables every store kind holds, with the same names and columns: what
 * the suite's raw SQL may read. A store may hold more (its own bookkeeping).
 */
export const REGISTRY_TABLES = [
  'events',
  'namespace_heads',
  'namespaces',
  'schemes',
  'scheme_states',
  'entities',
  'identifiers',
  'identifier_values',
  'identifier_states',
  'bindings',
  'erasures',
  'merkle_tiles',
  'checkpoints',
  'signing_keys',
] as const;

/** `value` as an SQL string literal, the same in SQLite and PostgreSQL. */
export const quote = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** The number of rows `SELECT COUNT(*) AS n FROM <from>` counts (PostgreSQL answers a bigint as a string). */
export async function countRows(raw: RawAccess, from: string): Promise<number> {
  const [row] = await raw.query(`SELECT COUNT(*) AS n FROM ${from}`);
  return Number(row?.['n']);
}

/** A row as JSON, whatever the driver hands back (bigints, bytes), for comparing and searching rows. */
export const rowJson = (row: RawRow): string => JSON.stringify(row, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));

/** Every row of every registry table, each table's rows as sorted JSON: equal snapshots mean nothing changed. */
export async function snapshot(raw: RawAccess): Promise<Record<string, string[]>> {
  const tables: Record<string, string[]> = {};
  for (const table of REGISTRY_TABLES) tables[table] = (await raw.query(`SELECT * FROM ${table}`)).map(rowJson).sort();
  return tables;
}
