import type { BatchItem, Registry } from '../registry/registry.js';
import { type DocumentChange, type SchemeFormats, type SchemeValue, changeDocument, documentIdentifier } from './document-change.js';
import { isMarked } from './marker.js';
import type { Migration } from './migration.js';
import type { RunStore } from './runs/run-store.js';
import type { Fence, JsonObject, SourceCollection, SourceDocument, WriteOp } from './source/source.js';
import { writeGroups } from './write-groups.js';

/** How often a batch re-reads and retries documents the application changed under it. */
const CONFLICT_ROUNDS = 3;

/** Everything one batch needs: the run, the migration, where to read and write. */
export interface BatchContext {
  readonly run: string;
  readonly registry: Registry;
  readonly runs: RunStore;
  readonly collection: SourceCollection;
  readonly migration: Migration;
  readonly formats: SchemeFormats;
  /** The store named in the bindings the run records. */
  readonly bindingStore: string;
  /** Whether a document, by its external identifier, belongs to the wave under way. */
  readonly inWave: (identifier: SchemeValue) => boolean;
  readonly fence: () => Fence;
  /** Throws LEASE_LOST unless the runner still holds its lease; awaited right before the registry writes. */
  readonly confirm: () => Promise<void>;
  readonly actor: string;
}

export interface BatchCounts {
  /** Documents the batch read. */
  seen: number;
  /** Documents migrated by this batch. */
  written: number;
  /** Documents left alone: migrated already, or in a later wave. */
  skipped: number;
  /** Documents the application changed under the batch, re-read and retried. */
  conflicts: number;
  /** Documents that could not be migrated: problems found at run time, or still changing after the retries. */
  failed: number;
}

export const emptyCounts = (): BatchCounts => ({ seen: 0, written: 0, skipped: 0, conflicts: 0, failed: 0 });

/**
 * Migrates one page of documents. Order matters for a crash at any point:
 * before-images first (the first one per document is kept), then the
 * registry (idempotent: a repeat writes nothing), then the documents, all or
 * none (in groups where the store limits its transactions, a re-key never
 * split), each only if unchanged since it was read and only while this
 * runner holds the fence; then the versions written, for rollback. A batch cut off
 * anywhere is simply done again on resume: migrated documents carry the
 * marker and are skipped.
 */
export async function migrateBatch(context: BatchContext, documents: readonly SourceDocument[]): Promise<BatchCounts & { failures: { key: string; reason: string }[] }> {
  const counts = emptyCounts();
  const failures: { key: string; reason: string }[] = [];
  counts.seen = documents.length;
  let pending = documents;
  for (let round = 1; pending.length > 0; round++) {
    const changes: DocumentChange[] = [];
    for (const document of pending) {
      // Documents migrated already, or of a later wave, are passed over before the transform runs.
      const identifier = documentIdentifier(context.migration, context.formats, document.body);
      if (isMarked(document.body, context.migration.id) || (identifier && !context.inWave(identifier))) {
        counts.skipped += 1;
        continue;
      }
      const change = changeDocument(context.migration, context.formats, document);
      if (change.after === null) {
        counts.failed += 1;
        failures.push({ key: change.key, reason: change.problems.map((p) => p.message).join('; ') || 'not migratable' });
      } else changes.push(change);
    }
    if (changes.length === 0) break;
    const refused = await writeChanges(context, changes);
    counts.written += changes.length - refused.size;
    if (refused.size === 0) break;
    // A key taken by someone else stays taken, and a document still changing after the retries is given up.
    const givenUp = [...refused].filter(([, reason]) => reason === 'exists' || round >= CONFLICT_ROUNDS);
    if (givenUp.length > 0) {
      counts.failed += givenUp.length;
      for (const [key, reason] of givenUp) failures.push({ key, reason: reason === 'exists' ? 'its new key is taken' : `still changing after ${CONFLICT_ROUNDS} tries` });
      await restoreBindings(context, changes.filter((change) => refused.has(change.key) && givenUp.some(([key]) => key === change.key)));
      for (const [key] of givenUp) refused.delete(key);
      if (refused.size === 0) break;
    }
    // The application wrote these since they were read: read them again and redo them on top of its change.
    counts.conflicts += refused.size;
    pending = await context.collection.getMany([...refused.keys()]);
    counts.skipped += refused.size - pending.length;
  }
  return { ...counts, failures };
}

/** Writes the changes; returns the ones refused (by key), after writing all the others. */
async function writeChanges(context: BatchContext, changes: readonly DocumentChange[]): Promise<Map<string, string>> {
  const { run, registry, runs, collection, migration } = context;
  // The bindings as they are before the batch moves them, for rollback to put back.
  const identified = changes.filter((change) => change.identifier !== null);
  const current = await registry.lookupMany(migration.namespace, identified.map((change) => change.identifier as SchemeValue));
  const bindings = new Map<string, JsonObject | null>();
  identified.forEach((change, index) => {
    const binding = current[index]?.binding ?? null;
    bindings.set(change.key, binding ? { store: binding.store, collection: binding.collection, key: binding.key } : null);
  });
  await runs.saveBeforeImages(
    changes.map((change) => ({ run, key: change.key, newKey: change.newKey, before: change.before, afterVersion: null, binding: bindings.get(change.key) ?? null })),
  );
  await context.confirm();
  await registry.writeMany(registryWrites(context, changes), { correlationId: run, actor: context.actor, reason: `migration ${migration.id}, run ${run}` });
  const refused = new Map<string, string>();
  // A store that limits its transactions takes the batch in groups, each all or none, a re-key never split.
  for (const group of writeGroups(changes, (change) => writeOps(change).length, collection.traits.maxWrites)) {
    for (const [key, reason] of await writeGroup(context, group)) refused.set(key, reason);
  }
  return refused;
}

/** Writes one group of changes in one apply(); returns the ones refused (by key), after writing all the others. */
async function writeGroup(context: BatchContext, changes: readonly DocumentChange[]): Promise<Map<string, string>> {
  const { run, runs, collection } = context;
  let remaining = [...changes];
  const refused = new Map<string, string>();
  while (remaining.length > 0) {
    const result = await collection.apply(
      remaining.flatMap((change) => writeOps(change)),
      context.fence(),
    );
    if (result.ok) {
      // Versions by the document's key before the run, which is how before-images know it.
      const versions = new Map<string, string>();
      for (const change of remaining) {
        const version = result.versions.get(change.newKey);
        if (version !== undefined) versions.set(change.key, version);
      }
      await runs.recordAfterVersions(run, versions);
      break;
    }
    // All or none: set the refused documents aside and write the rest.
    const before = remaining.length;
    remaining = remaining.filter((change) => {
      const reason = result.refused.get(change.key) ?? result.refused.get(change.newKey);
      if (reason !== undefined) refused.set(change.key, reason);
      return reason === undefined;
    });
    if (remaining.length === before) break;
  }
  return refused;
}

function writeOps(change: DocumentChange): WriteOp[] {
  const after = change.after ?? change.before;
  if (change.newKey === change.key) return [{ kind: 'replace', key: change.key, expected: change.version, body: after }];
  return [
    { kind: 'delete', key: change.key, expected: change.version },
    { kind: 'insert', key: change.newKey, body: after, from: change.key },
  ];
}

/** The documents were not moved after all: their bindings go back to where they still are. */
async function restoreBindings(context: BatchContext, changes: readonly DocumentChange[]): Promise<void> {
  const { migration, run } = context;
  const items: BatchItem[] = changes.flatMap((change) =>
    change.identifier
      ? [
          {
            request: {
              op: 'rebind' as const,
              namespace: migration.namespace,
              identifier: change.identifier,
              binding: { store: context.bindingStore, collection: migration.collection, key: change.key },
              migration: run,
            },
          },
        ]
      : [],
  );
  if (items.length > 0) await context.registry.writeMany(items, { correlationId: run, actor: context.actor, reason: `migration ${migration.id}, run ${run}: document not moved` });
}

/** The registry's side of the batch: each document's binding moves to its new key, and its new identifiers are added, with the run as lineage. */
function registryWrites(context: BatchContext, changes: readonly DocumentChange[]): BatchItem[] {
  const { migration, run } = context;
  const items: BatchItem[] = [];
  for (const change of changes) {
    const identifier = change.identifier;
    if (!identifier) continue;
    items.push({
      request: {
        op: 'rebind',
        namespace: migration.namespace,
        identifier,
        binding: { store: context.bindingStore, collection: migration.collection, key: change.newKey },
        migration: run,
      },
    });
    for (const added of change.added) {
      items.push({ request: { op: 'alias', namespace: migration.namespace, from: identifier, scheme: added.scheme, value: added.value, migration: run } });
    }
  }
  return items;
}
