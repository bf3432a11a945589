import type { AppendPlan, TableRows } from '../append-plan.js';
import { VALUES_TABLE } from '../append-plan.js';

/** Columns holding integers; every other column is text (hashes arrive as hex text and are decoded). */
const BIGINT_COLUMNS = new Set(['seq', 'created_seq', 'identifier', 'derived_from', 'version']);

/** One statement of an append: SQL text with its parameters. */
export interface AppendStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/**
 * The statements that write an append plan: one multi-row INSERT per table,
 * its rows passed as a single JSON array parameter that the server unpacks
 * (`json_array_elements`), so that a chunk of thousands of rows is one round
 * trip and every value stays a bound parameter. Erased values are deleted
 * between the erasure rows and the new value rows; the heads move last.
 */
export function appendStatements(plan: AppendPlan): AppendStatement[] {
  const statements: AppendStatement[] = [];
  for (const rows of plan.tables) {
    if (rows.table === VALUES_TABLE && plan.erasures.length > 0) {
      statements.push({
        text: `DELETE FROM identifier_values v USING json_array_elements($1::json) e
               WHERE v.namespace = e->>0 AND v.identifier = (e->>1)::bigint`,
        values: [JSON.stringify(plan.erasures.map((e) => [e.namespace, e.identifier]))],
      });
    }
    if (rows.count > 0) statements.push(insert(rows));
  }
  if (plan.heads.size > 0) {
    statements.push({
      text: `INSERT INTO namespace_heads (namespace, seq, hash, at)
             SELECT h->>0, (h->>1)::bigint, h->>2, h->>3 FROM json_array_elements($1::json) h
             ON CONFLICT (namespace) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at`,
      values: [JSON.stringify([...plan.heads].map(([namespace, head]) => [namespace, head.seq, head.hash, head.at]))],
    });
  }
  return statements;
}

function insert(rows: TableRows): AppendStatement {
  const width = rows.columns.length;
  const select = rows.columns.map((column, index) => {
    if (rows.bytes.includes(column)) return `decode(r->>${index}, 'hex')`;
    return BIGINT_COLUMNS.has(column) ? `(r->>${index})::bigint` : `r->>${index}`;
  });
  const matrix: unknown[][] = [];
  for (let at = 0; at < rows.values.length; at += width) matrix.push(rows.values.slice(at, at + width));
  return {
    text: `INSERT INTO ${rows.table} (${rows.columns.join(', ')}) SELECT ${select.join(', ')} FROM json_array_elements($1::json) r`,
    values: [JSON.stringify(matrix)],
  };
}
