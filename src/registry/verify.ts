import type { ChainedEvent } from '../model/events.js';
import { EVENT_TYPES, hashEvent } from '../model/events.js';
import { GENESIS_HASH, canonicalJson, commitValue } from '../model/hashing.js';
import { hashToHex } from '../model/merkle/merkle-hash.js';
import { checkpointBody } from '../model/proof/checkpoint-note.js';
import { type KeyRecordProblem, type SigningKeyRecord, checkKeyRecords, trustedKeysOf } from '../model/proof/key-records.js';
import { checkSignatures } from '../model/proof/signature-check.js';
import { projectEvent } from '../model/projection.js';
import type { ProjectionRows, ProjectionTable } from '../model/rows.js';
import { PROJECTION_TABLES, emptyRows } from '../model/rows.js';
import { type StoreReader, TILE_SIZE } from '../store/store.js';
import { LogTree } from './merkle-log.js';

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
  | 'changed-row'
  | 'merkle-tile'
  | 'checkpoint'
  | 'checkpoint-signature'
  | 'checkpoint-consistency';

/** One place where what is stored differs from what the log proves. */
export interface Divergence {
  readonly namespace: string;
  /** The event the divergence concerns: the chain position, or the event that created the row. */
  readonly seq: number | null;
  readonly kind: DivergenceKind;
  /** The table of the row, for projection divergences. */
  readonly table: ProjectionTable | 'events' | 'secrets' | 'namespace_heads' | 'merkle_tiles' | 'checkpoints' | 'signing_keys';
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
  /** The first divergence of the first namespace that has one (see {@link firstDivergence}), or null when all is well. */
  readonly first: Divergence | null;
  /** What is wrong with the recorded signing keys (each also fails the checkpoints it signed). */
  readonly keys: readonly KeyRecordProblem[];
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
 * the commitment its event holds (re-hashing the value itself, so a value
 * edited in place is caught whatever hashes surround it), rebuilds the
 * projections from the log and compares them row by row with the stored
 * ones, recomputes the Merkle tree to check the stored tiles and
 * checkpoints, and checks every checkpoint's signature and the signing
 * keys' records.
 */
export async function verifyStore(reader: StoreReader, only?: readonly string[]): Promise<VerifyReport> {
  const names = only ?? [...new Set([...(await reader.logNamespaces()), ...(await reader.listNamespaces()).map((n) => n.name)])].sort();
  const keys = await signingKeys(reader);
  const namespaces: NamespaceVerification[] = [];
  for (const namespace of names) namespaces.push((await verifyNamespace(reader, namespace, keys)).verification);
  const first = namespaces.map((n) => firstDivergence(n.divergences)).find((d) => d !== null) ?? null;
  return { ok: first === null && keys.problems.length === 0, namespaces, first, keys: keys.problems };
}

/** Divergences of the log itself, as opposed to rows derived from it. */
export const LOG_KINDS: ReadonlySet<DivergenceKind> = new Set(['sequence', 'prev-hash', 'event-hash', 'unknown-event', 'head']);

/**
 * Where a namespace first differs from what its log proves: the earliest
 * break of the log itself when there is one — everything derived from a
 * broken log is suspect, and a deleted erasure shows first as a value
 * missing far earlier — else the earliest divergence of any kind.
 */
export function firstDivergence(divergences: readonly Divergence[]): Divergence | null {
  return divergences.find((d) => LOG_KINDS.has(d.kind)) ?? divergences[0] ?? null;
}

/** The recorded signing keys and what is wrong with them. */
export interface KeysInStore {
  readonly records: readonly SigningKeyRecord[];
  readonly problems: readonly KeyRecordProblem[];
}

/** The signing keys the store records, checked as {@link checkKeyRecords} checks them. */
export async function signingKeys(reader: StoreReader): Promise<KeysInStore> {
  const records = await reader.signingKeys();
  return { records, problems: checkKeyRecords(records) };
}

/**
 * One namespace verified, with the tree its stored event hashes make; the
 * tree remembers its root at every checkpoint's size and at `sizes`.
 */
export async function verifyNamespace(
  reader: StoreReader,
  namespace: string,
  keys: KeysInStore,
  sizes: readonly number[] = [],
): Promise<{ verification: NamespaceVerification; tree: LogTree }> {
  const divergences: Divergence[] = [];
  const report = (d: Omit<Divergence, 'namespace'>): void => {
    if (divergences.length < MAX_DIVERGENCES) divergences.push({ namespace, ...d });
  };
  const checkpoints = await reader.checkpoints(namespace);
  const tree = new LogTree([...checkpoints.map((c) => c.size), ...sizes]);
  const expected = emptyRows();
  const erased = new Set<number>();
  const withoutValue = new Map<number, ChainedEvent>();
  let previous: ChainedEvent | undefined;
  let previousIntact = true;
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
      tree.append(Buffer.from(event.hash, 'hex'));
      if (event.seq !== expectedSeq) {
        // Where events are missing, the first missing one is where the log first differs.
        report({ seq: Math.min(event.seq, expectedSeq), kind: 'sequence', table: 'events', message: `expected event ${expectedSeq}, found ${event.seq}` });
      }
      const intact = hashEvent(event, event.prevHash) === event.hash;
      if (event.prevHash !== (previous?.hash ?? GENESIS_HASH)) {
        // An intact event right after an intact predecessor still links to the predecessor's former hash: the
        // predecessor was rewritten with a recomputed hash, and is where the log first differs.
        const rewritten = intact && previousIntact && previous !== undefined && event.seq === expectedSeq ? previous : undefined;
        const message = rewritten
          ? `event ${rewritten.seq} was rewritten: event ${event.seq} links to another hash than the one it has now`
          : `event ${event.seq} does not link to the hash of event ${expectedSeq - 1}`;
        report({ seq: rewritten ? rewritten.seq : event.seq, kind: 'prev-hash', table: 'events', message, stored: event });
      }
      if (!intact) {
        report({ seq: event.seq, kind: 'event-hash', table: 'events', message: `event ${event.seq} was altered: its hash does not match its content`, stored: event });
      }
      previous = event;
      previousIntact = intact;
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
  if (previous && (!head || head.seq !== previous.seq || head.hash !== previous.hash || head.at !== previous.at)) {
    // A head past the last event means events after it are gone; a head before it, that the head was moved back.
    const seq = !head || head.seq === previous.seq ? previous.seq : Math.min(head.seq, previous.seq) + 1;
    report({ seq, kind: 'head', table: 'namespace_heads', message: `the recorded head of "${namespace}" is not its last event`, stored: head });
  }
  const stored = await reader.projection(namespace);
  for (const table of PROJECTION_TABLES) compareTable(table, expected, stored, report);
  await checkTree(reader, namespace, tree, checkpoints, keys, divergences, report);
  divergences.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return { verification: { namespace, events: count, ok: divergences.length === 0, divergences }, tree };
}

/**
 * The stored tiles and checkpoints against the tree the stored event hashes
 * make, and each checkpoint's signature against the recorded keys. A tile
 * or checkpoint that differs is placed at the first divergence the log
 * itself shows within its range, when there is one: that is where history
 * first differs; otherwise at its own first event (a tile) or size (a
 * checkpoint), the row that was changed.
 */
async function checkTree(
  reader: StoreReader,
  namespace: string,
  tree: LogTree,
  checkpoints: Awaited<ReturnType<StoreReader['checkpoints']>>,
  keys: KeysInStore,
  logDivergences: readonly Divergence[],
  report: (d: Omit<Divergence, 'namespace'>) => void,
): Promise<void> {
  const within = (from: number, to: number, fallback: number): number => {
    const seqs = logDivergences.flatMap((d) => (d.seq !== null && d.seq >= from && d.seq <= to ? [d.seq] : []));
    return seqs.length > 0 ? Math.min(...seqs) : fallback;
  };
  // Tiles are written by checkpoints: exactly the complete tiles of the largest checkpoint within the log.
  const covered = Math.floor(Math.min(tree.size, Math.max(0, ...checkpoints.map((c) => c.size))) / TILE_SIZE);
  const tiles = await reader.merkleTiles(namespace, 0, Number.MAX_SAFE_INTEGER);
  const storedTiles = new Map(tiles.map((tile) => [tile.index, tile.root]));
  for (const tile of tiles) {
    const first = tile.index * TILE_SIZE + 1;
    const computed = tree.tiles[tile.index];
    if (tile.index >= covered || !computed) {
      report({ seq: within(first, first + TILE_SIZE - 1, first), kind: 'extra-row', table: 'merkle_tiles', message: `Merkle tile ${tile.index} is not covered by any checkpoint of the log` });
    } else if (!computed.equals(tile.root)) {
      const seq = within(first, first + TILE_SIZE - 1, first);
      report({ seq, kind: 'merkle-tile', table: 'merkle_tiles', message: `Merkle tile ${tile.index} (events ${first}…${first + TILE_SIZE - 1}) does not match the events' hashes` });
    }
  }
  for (let index = 0; index < covered; index++) {
    const first = index * TILE_SIZE + 1;
    if (!storedTiles.has(index)) report({ seq: first, kind: 'missing-row', table: 'merkle_tiles', message: `Merkle tile ${index}, covered by a checkpoint, is missing` });
  }
  const trusted = trustedKeysOf(keys.records);
  for (const checkpoint of checkpoints) {
    const { size, keyId } = checkpoint;
    const root = tree.rootAt(size);
    const head = tree.headAt(size);
    if (!root || !head) {
      report({ seq: within(tree.size + 1, size, size), kind: 'checkpoint', table: 'checkpoints', message: `the checkpoint at size ${size} is beyond the log's ${tree.size} events` });
    } else if (hashToHex(root) !== checkpoint.root || hashToHex(head) !== checkpoint.head) {
      report({ seq: within(1, size, size), kind: 'checkpoint', table: 'checkpoints', message: `the log's first ${size} events are not the tree the checkpoint at size ${size} signed` });
    }
    const key = keys.records.find((k) => k.keyId === keyId);
    const note = { checkpoint, body: safeBody(checkpoint), signatures: [{ name: key?.name ?? '', keyId, signature: checkpoint.signature }] };
    const [check] = checkSignatures(note, trusted);
    const keyProblem = keys.problems.find((p) => p.keyId === keyId);
    if (check?.status !== 'valid' || keyProblem) {
      const why = keyProblem ? keyProblem.message : check?.status === 'untrusted' ? `key ${keyId} is not recorded` : `its signature by key ${keyId} is ${check?.status ?? 'missing'}`;
      report({ seq: size, kind: 'checkpoint-signature', table: 'checkpoints', message: `the checkpoint at size ${size} cannot be trusted: ${why}` });
    }
  }
}

/** The body a stored checkpoint signed; a row too damaged to form one signs nothing. */
function safeBody(checkpoint: Parameters<typeof checkpointBody>[0]): string {
  try {
    return checkpointBody(checkpoint);
  } catch {
    return '';
  }
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
