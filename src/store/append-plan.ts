import type { AppendedEvent } from '../model/events.js';
import { linkHash } from '../model/events.js';
import { StableIdError } from '../model/errors.js';
import { GENESIS_HASH, canonicalJson } from '../model/hashing.js';
import { projectEvents } from '../model/projection.js';
import type { AppendSet, ChainHead } from './store.js';

/**
 * The rows of one table an append writes, row-major: `values` holds
 * `columns.length` values per row. Hashes and commitments are hex strings;
 * each store turns them into its byte type.
 */
export interface TableRows {
  readonly table: string;
  readonly columns: readonly string[];
  /** Columns holding a hash as hex, stored as bytes. */
  readonly bytes: readonly string[];
  readonly values: unknown[];
  readonly count: number;
}

/** What one append set writes, in the order the tables must be written, and the heads it leaves. */
export interface AppendPlan {
  readonly tables: readonly TableRows[];
  /** Identifiers whose value row is deleted, after the erasure rows and before the new value rows. */
  readonly erasures: AppendSet['erasures'];
  readonly heads: ReadonlyMap<string, ChainHead>;
}

/** Where a namespace's chain stands before the set, or undefined before its first event. */
export type HeadSource = (namespace: string) => ChainHead | undefined;

type Columns<T> = readonly [string, (row: T) => unknown][];

function table<T>(name: string, columns: Columns<T>, rows: readonly T[], bytes: readonly string[] = []): TableRows {
  const values: unknown[] = [];
  const extract = columns.map(([, get]) => get);
  for (const row of rows) for (const get of extract) values.push(get(row));
  return { table: name, columns: columns.map(([column]) => column), bytes, values, count: rows.length };
}

/**
 * Chains the set's events onto their namespaces' heads and derives every row
 * the set writes: the events themselves, and exactly the rows
 * `projectEvents(events, secrets)` derives, value rows carrying their salts.
 * Pure: the store supplies the heads and writes the plan in one transaction.
 */
export function planAppend(set: AppendSet, headOf: HeadSource): AppendPlan {
  const rows = projectEvents(set.events, set.secrets);
  const { links, heads } = chainEvents(set.events, headOf);
  // A value row keeps the salt of its commitment beside it. Value rows and
  // secrets both come one per identifier event, in event order.
  if (set.secrets.length !== rows.identifierValues.length) {
    throw new StableIdError('INTERNAL', `append: ${set.secrets.length} secrets for ${rows.identifierValues.length} identifier values`);
  }
  const values = rows.identifierValues.map((v, index) => {
    const secret = set.secrets[index];
    if (!secret || secret.seq !== v.identifier || secret.namespace !== v.namespace) {
      throw new StableIdError('INTERNAL', `append: no secret for identifier ${v.identifier} of "${v.namespace}"`);
    }
    return { ...v, salt: secret.salt };
  });
  const events = set.events.map((event, index) => ({ event, link: links[index] as { prevHash: string; hash: string } }));
  const tables: TableRows[] = [
    table(
      'events',
      [
        ['namespace', (e) => e.event.namespace],
        ['seq', (e) => e.event.seq],
        ['prev_hash', (e) => e.link.prevHash],
        ['hash', (e) => e.link.hash],
        ['type', (e) => e.event.type],
        ['at', (e) => e.event.at],
        ['actor', (e) => e.event.actor],
        ['correlation_id', (e) => e.event.correlationId],
        ['reason', (e) => e.event.reason],
        // The stored body is plain JSON; verify and proofs re-encode it canonically before hashing.
        ['body', (e) => JSON.stringify(e.event.body)],
      ],
      events,
      ['prev_hash', 'hash'],
    ),
    table(
      'namespaces',
      [
        ['name', (n) => n.name],
        ['owner', (n) => n.owner],
        ['stewards', (n) => JSON.stringify(n.stewards)],
        ['description', (n) => n.description],
        ['created_seq', (n) => n.createdSeq],
        ['created_at', (n) => n.createdAt],
      ],
      rows.namespaces,
    ),
    table(
      'schemes',
      [
        ['namespace', (s) => s.namespace],
        ['name', (s) => s.name],
        ['format', (s) => canonicalJson(s.format)],
        ['created_seq', (s) => s.createdSeq],
        ['created_at', (s) => s.createdAt],
      ],
      rows.schemes,
    ),
    table(
      'scheme_states',
      [
        ['namespace', (s) => s.namespace],
        ['scheme', (s) => s.scheme],
        ['seq', (s) => s.seq],
        ['at', (s) => s.at],
        ['state', (s) => s.state],
        ['sunset', (s) => s.sunset],
        ['replacement', (s) => s.replacement],
      ],
      rows.schemeStates,
    ),
    table(
      'entities',
      [
        ['namespace', (e) => e.namespace],
        ['id', (e) => e.id],
        ['created_seq', (e) => e.createdSeq],
        ['created_at', (e) => e.createdAt],
      ],
      rows.entities,
    ),
    table(
      'identifiers',
      [
        ['namespace', (i) => i.namespace],
        ['entity', (i) => i.entity],
        ['seq', (i) => i.seq],
        ['scheme', (i) => i.scheme],
        ['commitment', (i) => i.commitment],
        ['derived_from', (i) => i.derivedFrom],
        ['migration', (i) => i.migration],
        ['created_at', (i) => i.createdAt],
      ],
      rows.identifiers,
      ['commitment'],
    ),
    // The erasure rows before the value rows: the triggers let a value go only once its erasure is recorded.
    table(
      'erasures',
      [
        ['namespace', (e) => e.namespace],
        ['identifier', (e) => e.identifier],
        ['seq', (e) => e.seq],
        ['at', (e) => e.at],
      ],
      rows.erasures,
    ),
    table(
      'identifier_values',
      [
        ['namespace', (v) => v.namespace],
        ['scheme', (v) => v.scheme],
        ['value', (v) => v.value],
        ['identifier', (v) => v.identifier],
        ['entity', (v) => v.entity],
        ['salt', (v) => v.salt],
      ],
      values,
    ),
    table(
      'identifier_states',
      [
        ['namespace', (s) => s.namespace],
        ['identifier', (s) => s.identifier],
        ['seq', (s) => s.seq],
        ['at', (s) => s.at],
        ['state', (s) => s.state],
        ['sunset', (s) => s.sunset],
      ],
      rows.identifierStates,
    ),
    table(
      'bindings',
      [
        ['namespace', (b) => b.namespace],
        ['entity', (b) => b.entity],
        ['version', (b) => b.version],
        ['seq', (b) => b.seq],
        ['at', (b) => b.at],
        ['store', (b) => b.store],
        ['collection', (b) => b.collection],
        ['key', (b) => b.key],
        ['migration', (b) => b.migration],
      ],
      rows.bindings,
    ),
  ];
  return { tables, erasures: set.erasures, heads };
}

/** The table an erased value leaves, written between the erasure rows and the new value rows. */
export const VALUES_TABLE = 'identifier_values';

/**
 * Each event's link in its namespace's hash chain, continuing from the head
 * the transaction holds, and the heads after the last of them.
 */
function chainEvents(
  events: readonly AppendedEvent[],
  headOf: HeadSource,
): { links: { prevHash: string; hash: string }[]; heads: Map<string, ChainHead> } {
  const heads = new Map<string, ChainHead>();
  const links: { prevHash: string; hash: string }[] = [];
  for (const event of events) {
    const head = heads.get(event.namespace) ?? headOf(event.namespace) ?? { seq: 0, hash: GENESIS_HASH, at: '' };
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
