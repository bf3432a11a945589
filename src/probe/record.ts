import { randomBytes } from 'node:crypto';
import { StableIdError } from '../model/errors.js';
import type { LifecycleState } from '../model/types.js';
import type { Registry } from '../registry/registry.js';
import { PROBE_FORMAT, PROBE_VERSION, type NamespaceSample, type Probe, type ProbeRecord } from './probe-file.js';
import { allocate, compare, samplePosition, spreadPick } from './sample.js';

/** The most identifiers recorded per namespace when no size is given. */
export const DEFAULT_PROBE_SIZE = 100;

export interface RecordOptions {
  /** The namespaces to record from (default: every namespace). */
  readonly namespaces?: readonly string[];
  /** The most identifiers recorded per namespace (default {@link DEFAULT_PROBE_SIZE}). */
  readonly size?: number;
  /** Picks the sample; the same seed over the same registry picks the same identifiers (default: a random one, kept in the header). */
  readonly seed?: string;
  readonly clock?: () => Date;
}

const STATES: readonly LifecycleState[] = ['active', 'deprecated', 'archived'];
/** Identifiers resolved per registry call while recording. */
const CHUNK = 500;

interface Candidate {
  readonly scheme: string;
  readonly value: string;
  readonly position: number;
}

/**
 * Records a probe from a registry: per namespace, at most `size` identifiers
 * that hold a value, shared evenly between every (scheme, own lifecycle
 * state) the namespace has — legacy and new schemes, active, deprecated and
 * archived identifiers — and within each, spread over the key order (see
 * {@link spreadPick}). Each is recorded with the entity and state it
 * resolves to now, and whether it resolves without naming its scheme.
 *
 * Reads only. It reads each namespace's identifier rows whole, as the read
 * index does when it loads one.
 */
export async function recordProbe(registry: Registry, options: RecordOptions = {}): Promise<Probe> {
  const size = options.size ?? DEFAULT_PROBE_SIZE;
  if (!Number.isInteger(size) || size < 1) throw new StableIdError('INVALID_ARGUMENT', `the probe size must be a whole number >= 1, got ${size}`, { field: 'size' });
  const seed = options.seed ?? randomBytes(8).toString('hex');
  if (seed.length === 0) throw new StableIdError('INVALID_ARGUMENT', 'the probe seed must not be empty', { field: 'seed' });
  const names = options.namespaces && options.namespaces.length > 0 ? [...new Set(options.namespaces)] : (await registry.listNamespaces()).map((n) => n.name);
  const records: ProbeRecord[] = [];
  const namespaces: Record<string, NamespaceSample> = {};
  for (const namespace of [...names].sort(compare)) {
    const sample = await recordNamespace(registry, namespace, size, seed);
    records.push(...sample.records);
    namespaces[namespace] = sample.summary;
  }
  return {
    header: {
      format: PROBE_FORMAT,
      version: PROBE_VERSION,
      recordedAt: (options.clock ?? (() => new Date()))().toISOString(),
      source: registry.store.description,
      seed,
      size,
      namespaces,
    },
    records,
  };
}

async function recordNamespace(registry: Registry, namespace: string, size: number, seed: string): Promise<{ records: ProbeRecord[]; summary: NamespaceSample }> {
  const { schemes } = await registry.getNamespace(namespace);
  const rows = await registry.store.read((reader) => reader.projection(namespace));
  const ownState = new Map<number, LifecycleState>();
  for (const change of [...rows.identifierStates].sort((a, b) => a.seq - b.seq)) ownState.set(change.identifier, change.state);
  const strata = new Map<string, Candidate[]>();
  const stratumKey = (scheme: string, state: LifecycleState): string => `${scheme}\u0000${state}`;
  for (const scheme of schemes) for (const state of STATES) strata.set(stratumKey(scheme.name, state), []);
  for (const row of rows.identifierValues) {
    const members = strata.get(stratumKey(row.scheme, ownState.get(row.identifier) ?? 'active'));
    members?.push({ scheme: row.scheme, value: row.value, position: samplePosition(seed, namespace, row.scheme, row.value) });
  }
  const groups = [...strata.values()];
  const counts = allocate(
    groups.map((members) => members.length),
    size,
  );
  const picked = groups.flatMap((members, index) =>
    spreadPick(
      members,
      counts[index] ?? 0,
      (m) => m.value,
      (m) => m.position,
    ),
  );
  const records = (await describe(registry, namespace, picked)).sort((a, b) => compare(a.scheme, b.scheme) || compare(a.value, b.value));
  const perScheme: Record<string, { identifiers: number; recorded: number }> = {};
  for (const scheme of schemes) perScheme[scheme.name] = { identifiers: 0, recorded: 0 };
  for (const row of rows.identifierValues) (perScheme[row.scheme] ??= { identifiers: 0, recorded: 0 }).identifiers += 1;
  for (const record of records) (perScheme[record.scheme] ??= { identifiers: 0, recorded: 0 }).recorded += 1;
  return { records, summary: { identifiers: rows.identifierValues.length, recorded: records.length, schemes: perScheme } };
}

/** The entity and state each pick resolves to now, and whether it does without its scheme; a pick erased meanwhile is left out. */
async function describe(registry: Registry, namespace: string, picked: readonly Candidate[]): Promise<ProbeRecord[]> {
  const records: ProbeRecord[] = [];
  for (let from = 0; from < picked.length; from += CHUNK) {
    const chunk = picked.slice(from, from + CHUNK);
    const named = await registry.resolveMany(
      namespace,
      chunk.map(({ scheme, value }) => ({ scheme, value })),
    );
    const bare = await registry.resolveMany(
      namespace,
      chunk.map(({ value }) => ({ value })),
    );
    chunk.forEach(({ scheme, value }, index) => {
      const resolved = named[index];
      if (!resolved?.ok) return;
      const plain = bare[index];
      const { entity } = resolved.result;
      records.push({
        namespace,
        scheme,
        value,
        entity,
        state: resolved.result.identifier.state,
        bare: plain?.ok === true && plain.result.entity === entity && plain.result.identifier.scheme === scheme,
      });
    });
  }
  return records;
}
