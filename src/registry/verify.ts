import type { ChainedEvent } from '../model/events.js';
import { EVENT_TYPES, hashEvent } from '../model/events.js';
import { GENESIS_HASH, canonicalJson, commitValue } from '../model/hashing.js';
import { projectEvent } from '../model/projection.js';
import type { ProjectionRows, ProjectionTable } from '../model/rows.js';
import { PROJECTION_TABLES, emptyRows } from '../model/rows.js';
import type { StoreReader } from '../store/store.js';

export type DivergenceKind =
  | 'sequence'
  | 'prev-hash'
  | 'event-hash'
  | 'unknown-event'
  | 'value-commitment'
  | 'missing-value'
  | 'erased-value-kept'
  | 'head'
  | 'missing-row'
  | 'extra-row'
  | 'changed-row';

/** One place where what is stored differs from what the log proves. */
export interface Divergence {
  readonly namespace: string;
  /** The event the divergence concerns: the chain position, or the event that created the row. */
  readonly seq: number | null;
  readonly kind: DivergenceKind;
  /** The table of the row, for projection divergences. */
  readonly table: ProjectionTable | 'events' | 'secrets' | 'namespace_heads';
  readonly message: string;
  /** The row as stored, where there is one. */
  readonly stored?: unknown;
  /** The row as the log derives it, where there is one. */
  readonly expected?: unknown;
}

export interface NamespaceVerification {
  readonly namespace: string;
  readonly events: number;
  readonly ok: boolean;
  readonly divergences: readonly Divergence[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly namespaces: readonly NamespaceVerification[];
  /** The earliest divergence found, by namespace then seq, or null when all is well. */
  readonly first: Divergence | null;
}

const PAGE = 5000;
const MAX_DIVERGENCES = 100;

const ROW_KEY: { [T in ProjectionTable]: (row: ProjectionRows[T][number]) => string } = {
  namespaces: (r) => r.name,
  schemes: (r) => r.name,
  schemeStates: (r) => String(r.seq),
  entities: (r) => r.id,
  identifiers: (r) => String(r.seq),
  identifierValues: (r) => String(r.identifier),
  identifierStates: (r) => String(r.seq),
  bindings: (r) => `${r.entity}/${r.version}`,
  erasures: (r) => String(r.identifier),
};

const ROW_SEQ: { [T in ProjectionTable]: (row: ProjectionRows[T][number]) => number } = {
  namespaces: (r) => r.createdSeq,
  schemes: (r) => r.createdSeq,
  schemeStates: (r) => r.seq,
  entities: (r) => r.createdSeq,
  identifiers: (r) => r.seq,
  identifierValues: (r) => r.identifier,
  identifierStates: (r) => r.seq,
  bindings: (r) => r.seq,
  erasures: (r) => r.seq,
};

/**
 * Recomputes every namespace's hash chain, checks each stored value against
 * the commitment its event holds, rebuilds the projections from the log and
 * compares them row by row with the stored ones.
 */
export async function verifyStore(reader: StoreReader, only?: readonly string[]): Promise<VerifyReport> {
  const names = only ?? [...new Set([...(await reader.logNamespaces()), ...(await reader.listNamespaces()).map((n) => n.name)])].sort();
  const namespaces: NamespaceVerification[] = [];
  for (const namespace of names) namespaces.push(await verifyNamespace(reader, namespace));
  const first = namespaces.flatMap((n) => n.divergences.slice(0, 1))[0] ?? null;
  return { ok: first === null, namespaces, first };
}

async function verifyNamespace(reader: StoreReader, namespace: string): Promise<NamespaceVerification> {
  const divergences: Divergence[] = [];
  const report = (d: Omit<Divergence, 'namespace'>): void => {
    if (divergences.length < MAX_DIVERGENCES) divergences.push({ namespace, ...d });
  };
  const expected = emptyRows();
  const erased = new Set<number>();
  const withoutValue = new Map<number, ChainedEvent>();
  let previous: ChainedEvent | undefined;
  let count = 0;
  for (;;) {
    const page = await reader.events(namespace, previous?.seq ?? 0, PAGE);
    const [first] = page;
    const last = page.at(-1);
    if (!first || !last) break;
    const secrets = new Map((await reader.secrets(namespace, first.seq, last.seq)).map((s) => [s.seq, s]));
    for (const event of page) {
      count += 1;
      const expectedSeq = (previous?.seq ?? 0) + 1;
      if (event.seq !== expectedSeq) {
        report({ seq: event.seq, kind: 'sequence', table: 'events', message: `expected event ${expectedSeq}, found ${event.seq}` });
      }
      if (event.prevHash !== (previous?.hash ?? GENESIS_HASH)) {
        report({ seq: event.seq, kind: 'prev-hash', table: 'events', message: `event ${event.seq} does not link to the hash of event ${expectedSeq - 1}`, stored: event });
      }
      if (hashEvent(event, event.prevHash) !== event.hash) {
        report({ seq: event.seq, kind: 'event-hash', table: 'events', message: `event ${event.seq} was altered: its hash does not match its content`, stored: event });
      }
      previous = event;
      if (!EVENT_TYPES.includes(event.type)) {
        report({ seq: event.seq, kind: 'unknown-event', table: 'events', message: `event ${event.seq} has unknown type ${JSON.stringify(event.type)}` });
        continue;
      }
      const secret = secrets.get(event.seq);
      if (event.type === 'identifier.registered' || event.type === 'identifier.aliased') {
        if (!secret) withoutValue.set(event.seq, event);
        else if (commitValue(secret.salt, secret.value) !== event.body.commitment) {
          report({
            seq: event.seq,
            kind: 'value-commitment',
            table: 'secrets',
            message: `the value stored for event ${event.seq} is not the value its event commits to`,
            stored: secret,
          });
        }
      }
      const effect = projectEvent(event, secret, expected);
      if (effect.erases) {
        erased.add(effect.erases.identifier);
        withoutValue.delete(effect.erases.identifier);
        if (secrets.has(effect.erases.identifier) || expected.identifierValues.some((v) => v.identifier === effect.erases?.identifier)) {
          report({ seq: event.seq, kind: 'erased-value-kept', table: 'secrets', message: `identifier ${effect.erases.identifier} was erased by event ${event.seq} but its value is still stored` });
        }
      }
    }
  }
  for (const [seq] of withoutValue) {
    report({ seq, kind: 'missing-value', table: 'secrets', message: `the value of identifier ${seq} is missing and no erasure event removed it` });
  }
  const head = await reader.head(namespace);
  if (previous && (!head || head.seq !== previous.seq || head.hash !== previous.hash)) {
    report({ seq: previous.seq, kind: 'head', table: 'namespace_heads', message: `the recorded head of "${namespace}" is not its last event`, stored: head });
  }
  const stored = await reader.projection(namespace);
  for (const table of PROJECTION_TABLES) compareTable(table, expected, stored, report);
  divergences.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return { namespace, events: count, ok: divergences.length === 0, divergences };
}

function compareTable<T extends ProjectionTable>(
  table: T,
  expected: ProjectionRows,
  stored: ProjectionRows,
  report: (d: Omit<Divergence, 'namespace'>) => void,
): void {
  const keyOf = ROW_KEY[table] as (row: ProjectionRows[T][number]) => string;
  const seqOf = ROW_SEQ[table] as (row: ProjectionRows[T][number]) => number;
  const want = new Map((expected[table] as ProjectionRows[T][number][]).map((row) => [keyOf(row), row]));
  for (const row of stored[table] as ProjectionRows[T][number][]) {
    const key = keyOf(row);
    const derived = want.get(key);
    want.delete(key);
    if (!derived) {
      report({ seq: seqOf(row), kind: 'extra-row', table, message: `${table} row ${key} is not derived from any event`, stored: row });
    } else if (canonicalJson(derived) !== canonicalJson(row)) {
      report({ seq: seqOf(row), kind: 'changed-row', table, message: `${table} row ${key} differs from what event ${seqOf(derived)} records`, stored: row, expected: derived });
    }
  }
  for (const [key, row] of want) {
    report({ seq: seqOf(row), kind: 'missing-row', table, message: `${table} row ${key} derived from event ${seqOf(row)} is missing`, expected: row });
  }
}
