import type { AppendPlan, TableRows } from '../append-plan.js';
import { VALUES_TABLE } from '../append-plan.js';

/** One step of an append: a statement with its parameters, or rows streamed in with COPY. */
export type AppendStep =
  | { readonly kind: 'query'; readonly text: string; readonly values: readonly unknown[] }
  | { readonly kind: 'copy'; readonly text: string; readonly data: string };

/**
 * The steps that write an append plan: each table's rows streamed with one
 * `COPY … FROM STDIN` (PostgreSQL's bulk path: values travel as data, never
 * as SQL), erased values deleted between the erasure rows and the new value
 * rows, and the heads moved last.
 */
export function appendSteps(plan: AppendPlan): AppendStep[] {
  const steps: AppendStep[] = [];
  for (const rows of plan.tables) {
    if (rows.table === VALUES_TABLE && plan.erasures.length > 0) {
      steps.push({
        kind: 'query',
        text: `DELETE FROM identifier_values v USING jsonb_array_elements($1::jsonb) e
               WHERE v.namespace = e->>0 AND v.identifier = (e->>1)::bigint`,
        values: [JSON.stringify(plan.erasures.map((e) => [e.namespace, e.identifier]))],
      });
    }
    if (rows.count > 0) steps.push({ kind: 'copy', text: `COPY ${rows.table} (${rows.columns.join(', ')}) FROM STDIN`, data: copyText(rows) });
  }
  if (plan.heads.size > 0) {
    steps.push({
      kind: 'query',
      text: `INSERT INTO namespace_heads (namespace, seq, hash, at)
             SELECT h->>0, (h->>1)::bigint, h->>2, h->>3 FROM jsonb_array_elements($1::jsonb) h
             ON CONFLICT (namespace) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at`,
      values: [JSON.stringify([...plan.heads].map(([namespace, head]) => [namespace, head.seq, head.hash, head.at]))],
    });
  }
  return steps;
}

/** Characters COPY's text format gives a meaning to, and how a value spells them. */
const SPECIAL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One field in COPY's text format: `\N` for NULL, bytes as bytea hex (`\\x…` once escaped), text escaped. */
export function copyField(value: unknown, bytes = false): string {
  if (value === null || value === undefined) return '\\N';
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
  if (bytes) return `\\\\x${String(value)}`;
  if (typeof value === 'number') return String(value);
  return String(value).replace(SPECIAL, (c) => ESCAPES[c] ?? c);
}

/** Rows in COPY's text format: one line per row, tab-separated; hash columns hold hex and are sent as bytea. */
export function copyText(rows: TableRows): string {
  const width = rows.columns.length;
  const isBytes = rows.columns.map((column) => rows.bytes.includes(column));
  const lines: string[] = [];
  const fields: string[] = new Array<string>(width);
  for (let at = 0; at < rows.values.length; at += width) {
    for (let column = 0; column < width; column++) fields[column] = copyField(rows.values[at + column], isBytes[column]);
    lines.push(fields.join('\t'));
  }
  return `${lines.join('\n')}\n`;
}
