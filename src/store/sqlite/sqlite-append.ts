import type { AppendedEvent } from '../../model/events.js';
import { linkHash } from '../../model/events.js';
import { StableIdError } from '../../model/errors.js';
import { GENESIS_HASH, canonicalJson } from '../../model/hashing.js';
import { projectEvents } from '../../model/projection.js';
import type { AppendSet, ChainHead } from '../store.js';
import { type Statement, guard } from './sqlite-guard.js';

/** Rows per multi-row INSERT; 64 rows of the widest table stay far below SQLite's bound-parameter limit. */
const ROWS_PER_INSERT = 64;
const EVENT_COLUMNS = ['namespace', 'seq', 'prev_hash', 'hash', 'type', 'at', 'actor', 'correlation_id', 'reason', 'body'] as const;
const IDENTIFIER_COLUMNS = ['namespace', 'entity', 'seq', 'scheme', 'commitment', 'derived_from', 'migration', 'created_at'] as const;
const VALUE_COLUMNS = ['namespace', 'scheme', 'value', 'identifier', 'entity', 'salt'] as const;
const BINDING_COLUMNS = ['namespace', 'entity', 'version', 'seq', 'at', 'store', 'collection', 'key', 'migration'] as const;

type Prepare = (sql: string) => Statement;

/**
 * Writes one append set with the given connection's statements: every table
 * in its rows' order, erased values removed before new values are added, and
 * the namespace heads moved. Runs inside the caller's transaction; a failing
 * statement fails it whole.
 */
export function appendSet(prepare: Prepare, set: AppendSet): void {
  const run = (sql: string, ...params: unknown[]): void => {
    guard(() => prepare(sql).run(...params));
  };
  const rows = projectEvents(set.events, set.secrets);
  const chain = chainEvents(prepare, set.events);
  // The stored body is plain JSON; verify and proofs re-encode it canonically before hashing.
  insertMany(prepare, 'events', EVENT_COLUMNS, set.events, (e, index, p) => {
    const link = chain.links[index] as { prevHash: string; hash: string };
    p.push(e.namespace, e.seq, toBytes(link.prevHash), toBytes(link.hash), e.type, e.at, e.actor, e.correlationId, e.reason, JSON.stringify(e.body));
  });
  insertMany(prepare, 'namespaces', ['name', 'owner', 'stewards', 'description', 'created_seq', 'created_at'], rows.namespaces, (n, _, p) => {
    p.push(n.name, n.owner, JSON.stringify(n.stewards), n.description, n.createdSeq, n.createdAt);
  });
  insertMany(prepare, 'schemes', ['namespace', 'name', 'format', 'created_seq', 'created_at'], rows.schemes, (s, _, p) => {
    p.push(s.namespace, s.name, canonicalJson(s.format), s.createdSeq, s.createdAt);
  });
  insertMany(prepare, 'scheme_states', ['namespace', 'scheme', 'seq', 'at', 'state', 'sunset', 'replacement'], rows.schemeStates, (s, _, p) => {
    p.push(s.namespace, s.scheme, s.seq, s.at, s.state, s.sunset, s.replacement);
  });
  insertMany(prepare, 'entities', ['namespace', 'id', 'created_seq', 'created_at'], rows.entities, (e, _, p) => {
    p.push(e.namespace, e.id, e.createdSeq, e.createdAt);
  });
  insertMany(prepare, 'identifiers', IDENTIFIER_COLUMNS, rows.identifiers, (i, _, p) => {
    p.push(i.namespace, i.entity, i.seq, i.scheme, toBytes(i.commitment), i.derivedFrom, i.migration, i.createdAt);
  });
  // The erasure rows first: the triggers let a value go only once its erasure is recorded.
  insertMany(prepare, 'erasures', ['namespace', 'identifier', 'seq', 'at'], rows.erasures, (e, _, p) => {
    p.push(e.namespace, e.identifier, e.seq, e.at);
  });
  for (const e of set.erasures) run('DELETE FROM identifier_values WHERE namespace = ? AND identifier = ?', e.namespace, e.identifier);
  // A value row keeps the salt of its commitment beside it. Value rows and
  // secrets both come one per identifier event, in event order.
  if (set.secrets.length !== rows.identifierValues.length) {
    throw new StableIdError('INTERNAL', `append: ${set.secrets.length} secrets for ${rows.identifierValues.length} identifier values`);
  }
  insertMany(prepare, 'identifier_values', VALUE_COLUMNS, rows.identifierValues, (v, index, p) => {
    const secret = set.secrets[index];
    if (!secret || secret.seq !== v.identifier || secret.namespace !== v.namespace) {
      throw new StableIdError('INTERNAL', `append: no secret for identifier ${v.identifier} of "${v.namespace}"`);
    }
    p.push(v.namespace, v.scheme, v.value, v.identifier, v.entity, secret.salt);
  });
  insertMany(prepare, 'identifier_states', ['namespace', 'identifier', 'seq', 'at', 'state', 'sunset'], rows.identifierStates, (s, _, p) => {
    p.push(s.namespace, s.identifier, s.seq, s.at, s.state, s.sunset);
  });
  insertMany(prepare, 'bindings', BINDING_COLUMNS, rows.bindings, (b, _, p) => {
    p.push(b.namespace, b.entity, b.version, b.seq, b.at, b.store, b.collection, b.key, b.migration);
  });
  for (const [namespace, head] of chain.heads) {
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
 * Each event's link in its namespace's hash chain, continuing from the head
 * the transaction holds, and the heads after the last of them.
 */
function chainEvents(
  prepare: Prepare,
  events: readonly AppendedEvent[],
): { links: { prevHash: string; hash: string }[]; heads: Map<string, ChainHead> } {
  const heads = new Map<string, ChainHead>();
  const links: { prevHash: string; hash: string }[] = [];
  for (const event of events) {
    let head = heads.get(event.namespace);
    if (!head) {
      const row = guard(() => prepare('SELECT seq, hash, at FROM namespace_heads WHERE namespace = ?').get(event.namespace));
      head = row ? { seq: Number(row['seq']), hash: String(row['hash']), at: String(row['at']) } : { seq: 0, hash: GENESIS_HASH, at: '' };
    }
    if (event.seq !== head.seq + 1) {
      throw new StableIdError('INTERNAL', `event ${event.seq} of "${event.namespace}" does not follow its head ${head.seq}: written without the namespace's lock`, {
        namespace: event.namespace,
        seq: event.seq,
      });
    }
    const hash = linkHash(head.hash, event.contentHash);
    links.push({ prevHash: head.hash, hash });
    heads.set(event.namespace, { seq: event.seq, hash, at: event.at });
  }
  return { links, heads };
}

/**
 * Inserts rows in order, ROWS_PER_INSERT to a statement: one driver call per
 * row was most of an import's time. A failing statement fails the append,
 * and the caller's transaction with it, exactly as a single-row insert would.
 */
function insertMany<T>(
  prepare: Prepare,
  table: string,
  columns: readonly string[],
  rows: readonly T[],
  values: (row: T, index: number, into: unknown[]) => void,
): void {
  if (rows.length === 0) return;
  const one = `(${columns.map(() => '?').join(',')})`;
  const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
  const full = rows.length >= ROWS_PER_INSERT ? prepare(head + Array<string>(ROWS_PER_INSERT).fill(one).join(',')) : undefined;
  const params: unknown[] = [];
  let index = 0;
  for (; full && index + ROWS_PER_INSERT <= rows.length; index += ROWS_PER_INSERT) {
    params.length = 0;
    for (let r = index; r < index + ROWS_PER_INSERT; r++) values(rows[r] as T, r, params);
    guard(() => full.run(params));
  }
  // The remainder row by row, so that only two statements per table are ever cached.
  const single = prepare(head + one);
  for (; index < rows.length; index++) {
    params.length = 0;
    values(rows[index] as T, index, params);
    guard(() => single.run(params));
  }
}

/** Hashes are kept as their 32 bytes, half the size of their hex spelling. */
function toBytes(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}
