import { type TableRows, VALUES_TABLE, planAppend } from '../append-plan.js';
import type { AppendSet, ChainHead } from '../store.js';
import { type Statement, guard } from './sqlite-guard.js';

/** Rows per multi-row INSERT; 64 rows of the widest table stay far below SQLite's bound-parameter limit. */
const ROWS_PER_INSERT = 64;

type Prepare = (sql: string) => Statement;

/**
 * Writes one append set with the given connection's statements: every table
 * in the plan's order, erased values removed before new values are added, and
 * the namespace heads moved. Runs inside the caller's transaction; a failing
 * statement fails it whole.
 */
export function appendSet(prepare: Prepare, set: AppendSet): void {
  const run = (sql: string, ...params: unknown[]): void => {
    guard(() => prepare(sql).run(...params));
  };
  const plan = planAppend(set, (namespace) => {
    const row = guard(() => prepare('SELECT seq, hash, at FROM namespace_heads WHERE namespace = ?').get(namespace));
    return row ? ({ seq: Number(row['seq']), hash: String(row['hash']), at: String(row['at']) } satisfies ChainHead) : undefined;
  });
  for (const rows of plan.tables) {
    if (rows.table === VALUES_TABLE) {
      for (const e of plan.erasures) run('DELETE FROM identifier_values WHERE namespace = ? AND identifier = ?', e.namespace, e.identifier);
    }
    insertMany(prepare, rows);
  }
  for (const [namespace, head] of plan.heads) {
    run(
      `INSERT INTO namespace_heads (namespace, seq, hash, at) VALUES (?,?,?,?)
       ON CONFLICT (namespace) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at`,
      namespace,
      head.seq,
      head.hash,
      head.at,
    );
  }
}

/**
 * Inserts rows in order, ROWS_PER_INSERT to a statement: one driver call per
 * row was most of an import's time. A failing statement fails the append,
 * and the caller's transaction with it, exactly as a single-row insert would.
 */
function insertMany(prepare: Prepare, rows: TableRows): void {
  if (rows.count === 0) return;
  const width = rows.columns.length;
  // Hashes are kept as their 32 bytes, half the size of their hex spelling.
  const byteColumns = rows.bytes.map((column) => rows.columns.indexOf(column));
  const values = rows.values;
  for (let at = 0; at < values.length; at += width) {
    for (const column of byteColumns) values[at + column] = Buffer.from(values[at + column] as string, 'hex');
  }
  const one = `(${rows.columns.map(() => '?').join(',')})`;
  const head = `INSERT INTO ${rows.table} (${rows.columns.join(', ')}) VALUES `;
  let index = 0;
  if (rows.count >= ROWS_PER_INSERT) {
    const full = prepare(head + Array<string>(ROWS_PER_INSERT).fill(one).join(','));
    for (; index + ROWS_PER_INSERT <= rows.count; index += ROWS_PER_INSERT) {
      const params = values.slice(index * width, (index + ROWS_PER_INSERT) * width);
      guard(() => full.run(params));
    }
  }
  // The remainder row by row, so that only two statements per table are ever cached.
  const single = prepare(head + one);
  for (; index < rows.count; index++) {
    const params = values.slice(index * width, (index + 1) * width);
    guard(() => single.run(params));
  }
}
