import type { ChainedEvent } from '../events.js';
import { EVENT_TYPES, hashEvent } from '../events.js';
import { commitValue } from '../hashing.js';
import { hashFromHex, isHexHash, leafHash } from '../merkle/merkle-hash.js';
import { verifyInclusion } from '../merkle/merkle-proofs.js';
import type { IdentifierView, LifecycleState, Resolution } from '../types.js';
import { type Checkpoint, parseCheckpointNote } from './checkpoint-note.js';
import { type SignatureCheck, type TrustedKey, checkSignatures } from './signature-check.js';

/** The `format` of a mapping proof document. */
export const MAPPING_PROOF_FORMAT = 'stableid-mapping-proof/v1';

/** One event a mapping rests on, with its place in the checkpoint's tree. */
export interface ProvenEvent {
  /** The event as the log holds it, with its link in the chain. */
  readonly event: ChainedEvent;
  /** The inclusion proof of the event's hash as leaf seq − 1 of the checkpoint's tree: node hashes in hex, nearest sibling first. */
  readonly path: readonly string[];
}

/**
 * A resolution with the proof that the registry's signed log holds what it
 * says: every event it rests on, each with an inclusion proof against a
 * signed checkpoint, and the salts that open the value commitments those
 * events hold for the values shown. Verifiable offline with
 * {@link verifyMappingProof} and the registry's public key.
 *
 * What it proves: each fact shown (this identifier, of this entity, with
 * this value, derived from that one; this binding version; these lifecycle
 * changes) was recorded in the log as of the checkpoint. What inclusion
 * alone cannot prove is absence: that no later event within the checkpoint
 * changed the mapping again; the registry answers with the latest it holds.
 */
export interface MappingProof {
  readonly format: typeof MAPPING_PROOF_FORMAT;
  /** The signed checkpoint note the proofs are against. */
  readonly checkpoint: string;
  readonly resolution: Resolution;
  readonly events: readonly ProvenEvent[];
  /** The salt of each identifier value shown, by the identifier's seq. */
  readonly salts: Readonly<Record<string, string>>;
}

export interface MappingProofVerdict {
  readonly ok: boolean;
  /** The checkpoint the proof is against, when its note could be read. */
  readonly checkpoint: Checkpoint | null;
  readonly signatures: readonly SignatureCheck[];
  /** Every reason the proof does not hold; empty when it does. */
  readonly problems: readonly string[];
}

const SEVERITY: Record<LifecycleState, number> = { active: 0, deprecated: 1, archived: 2 };
const laterState = (a: LifecycleState, b: LifecycleState): LifecycleState => (SEVERITY[a] >= SEVERITY[b] ? a : b);

/**
 * Checks a mapping proof with nothing but the proof and the keys trusted to
 * sign checkpoints: a trusted key signed the checkpoint; every event hashes
 * to its stated hash and is in the checkpoint's tree at its seq; and every
 * part of the resolution is what those events record (values by their
 * commitments). Pure: no database, no network. Never throws for a bad
 * proof: the verdict lists what is wrong.
 */
export function verifyMappingProof(input: unknown, trusted: readonly TrustedKey[]): MappingProofVerdict {
  const problems: string[] = [];
  const proof = input as Partial<MappingProof> | null;
  if (typeof proof !== 'object' || proof === null || proof.format !== MAPPING_PROOF_FORMAT) {
    return { ok: false, checkpoint: null, signatures: [], problems: [`not a ${MAPPING_PROOF_FORMAT} document`] };
  }
  let note;
  try {
    note = parseCheckpointNote(String(proof.checkpoint));
  } catch (error) {
    return { ok: false, checkpoint: null, signatures: [], problems: [(error as Error).message] };
  }
  const { checkpoint } = note;
  const signatures = checkSignatures(note, trusted);
  for (const check of signatures) {
    if (check.status === 'invalid' || check.status === 'outside-validity') problems.push(`the checkpoint's signature by ${check.name} (${check.keyId}) is ${check.status}`);
  }
  if (!signatures.some((c) => c.status === 'valid')) problems.push('no trusted key signed the checkpoint');

  const proven = new Map<number, ChainedEvent>();
  const root = hashFromHex(checkpoint.root);
  for (const [index, item] of (Array.isArray(proof.events) ? proof.events : []).entries()) {
    const reason = provenEventProblem(item, checkpoint, root);
    if (reason) problems.push(`event ${index + 1} of the proof: ${reason}`);
    else proven.set(item.event.seq, item.event);
  }
  const resolution = proof.resolution;
  if (typeof resolution !== 'object' || resolution === null || !Array.isArray(resolution.identifiers)) {
    problems.push('the proof holds no resolution');
  } else {
    problems.push(...resolutionProblems(resolution, proven, proof.salts ?? {}, checkpoint));
  }
  return { ok: problems.length === 0, checkpoint, signatures, problems };
}

/** Why a proven event does not hold, or null when it does. */
function provenEventProblem(item: ProvenEvent | undefined, checkpoint: Checkpoint, root: Buffer): string | null {
  const event = item?.event;
  if (typeof event !== 'object' || event === null || !Array.isArray(item?.path) || !item.path.every(isHexHash)) return 'malformed';
  if (!Number.isSafeInteger(event.seq) || event.seq < 1 || event.seq > checkpoint.size) return `seq ${String(event.seq)} is outside the checkpoint (size ${checkpoint.size})`;
  if (event.namespace !== checkpoint.namespace) return `it belongs to "${String(event.namespace)}", the checkpoint to "${checkpoint.namespace}"`;
  if (!EVENT_TYPES.includes(event.type) || !isHexHash(event.hash) || !isHexHash(event.prevHash)) return `event ${event.seq} is malformed`;
  let hash: string;
  try {
    hash = hashEvent(event, event.prevHash);
  } catch {
    return `event ${event.seq} cannot be hashed`;
  }
  if (hash !== event.hash) return `event ${event.seq} does not hash to its stated hash: its content was altered`;
  const path = item.path.map(hashFromHex);
  if (!verifyInclusion(leafHash(hashFromHex(event.hash)), event.seq - 1, checkpoint.size, path, root)) {
    return `event ${event.seq} is not in the checkpoint's tree: its inclusion proof fails`;
  }
  return null;
}

/** Every part of the resolution that the proven events do not record. */
function resolutionProblems(resolution: Resolution, proven: ReadonlyMap<number, ChainedEvent>, salts: Readonly<Record<string, string>>, checkpoint: Checkpoint): string[] {
  const problems: string[] = [];
  const { entity, identifiers } = resolution;
  if (resolution.namespace !== checkpoint.namespace) problems.push(`the resolution is of "${resolution.namespace}", the checkpoint of "${checkpoint.namespace}"`);
  const events = [...proven.values()].sort((a, b) => a.seq - b.seq);
  const used = new Set<number>();
  const ownStates = new Map<number, ChainedEvent>();
  const schemeStates = new Map<string, ChainedEvent>();
  const erasures = new Map<number, ChainedEvent>();
  for (const event of events) {
    if (event.type === 'identifier.deprecated' || event.type === 'identifier.archived') ownStates.set(event.body.identifier, event);
    if (event.type === 'scheme.deprecated' || event.type === 'scheme.archived') schemeStates.set(event.body.scheme, event);
    if (event.type === 'identifier.erased') erasures.set(event.body.identifier, event);
  }
  const bySeq = new Map(identifiers.map((view) => [view.seq, view]));
  for (const view of identifiers) {
    const where = `identifier ${view.seq} (${view.scheme})`;
    const event = proven.get(view.seq);
    if (!event || (event.type !== 'identifier.registered' && event.type !== 'identifier.aliased')) {
      problems.push(`${where} rests on no proven identifier event`);
      continue;
    }
    used.add(event.seq);
    const body = event.body;
    if (body.entity !== entity) problems.push(`${where} belongs to ${body.entity}, not ${entity}`);
    if (body.scheme !== view.scheme) problems.push(`${where} is in scheme ${body.scheme}`);
    if (event.at !== view.createdAt) problems.push(`${where} was created at ${event.at}`);
    const migration = event.type === 'identifier.aliased' ? event.body.migration : null;
    if (migration !== view.migration) problems.push(`${where} was written by migration ${String(migration)}`);
    const parent = event.type === 'identifier.aliased' ? bySeq.get(event.body.derivedFrom) : undefined;
    const derived = parent ? { scheme: parent.scheme, value: parent.value } : null;
    if (JSON.stringify(derived) !== JSON.stringify(view.derivedFrom)) problems.push(`${where} is derived from ${JSON.stringify(derived)}`);
    if (view.value !== null) {
      const salt = salts[String(view.seq)];
      if (typeof salt !== 'string' || commitValue(salt, view.value) !== body.commitment) problems.push(`${where}: the value ${JSON.stringify(view.value)} is not the one its event commits to`);
    } else {
      const erasure = erasures.get(view.seq);
      if (!erasure) problems.push(`${where} is shown as erased, but no proven event erased it`);
      else used.add(erasure.seq);
    }
    const own = ownStates.get(view.seq);
    const scheme = schemeStates.get(view.scheme);
    if (own) used.add(own.seq);
    if (scheme) used.add(scheme.seq);
    const ownState: LifecycleState = own?.type === 'identifier.archived' ? 'archived' : own ? 'deprecated' : 'active';
    const schemeState: LifecycleState = scheme?.type === 'scheme.archived' ? 'archived' : scheme ? 'deprecated' : 'active';
    const state = laterState(ownState, schemeState);
    const sunset =
      state !== 'deprecated' ? null : own?.type === 'identifier.deprecated' ? own.body.sunset : scheme?.type === 'scheme.deprecated' ? scheme.body.sunset : null;
    if (state !== view.state || sunset !== view.sunset) problems.push(`${where} is ${state}${sunset ? ` (sunset ${sunset})` : ''} by the proven events, not ${view.state}`);
  }
  if (!identifiers.some((view) => sameView(view, resolution.identifier))) problems.push('the identifier asked for is not among the entity\'s identifiers');
  const binding = resolution.binding;
  if (binding) {
    const event = proven.get(binding.seq);
    const recorded =
      event?.type === 'binding.changed' && event.body.entity === entity
        ? { ...event.body.binding, version: event.body.version, migration: event.body.migration, at: event.at }
        : event?.type === 'identifier.registered' && event.body.entity === entity && event.body.binding
          ? { ...event.body.binding, version: 1, migration: null, at: event.at }
          : null;
    const shown = { store: binding.store, collection: binding.collection, key: binding.key, version: binding.version, migration: binding.migration, at: binding.at };
    if (!recorded) problems.push(`the binding rests on no proven event of entity ${entity} at seq ${binding.seq}`);
    else if (JSON.stringify(sortKeys(recorded)) !== JSON.stringify(sortKeys(shown))) problems.push(`the binding is not the one event ${binding.seq} records`);
    else used.add(binding.seq);
  }
  if (resolution.asOf !== null) {
    for (const seq of used) {
      const at = proven.get(seq)?.at ?? '';
      if (at > resolution.asOf) problems.push(`event ${seq} (${at}) is later than the resolution's instant ${resolution.asOf}`);
    }
  }
  return problems;
}

const sameView = (a: IdentifierView, b: IdentifierView | undefined): boolean => b !== undefined && JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));

function sortKeys(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
}
