import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { StableIdError } from '../model/errors.js';
import type { BatchItem } from '../registry/registry.js';
import { type CollectionDigests, digestCollection } from './collection-digest.js';
import { sameDigest } from './digest.js';
import { canonicalJson } from '../model/hashing.js';
import { type SchemeFormats, changeDocument } from './document-change.js';
import { getField } from './fields.js';
import { isMarked } from './marker.js';
import { canonicalIdentifier } from './identifiers.js';
import { migrationFormats } from './plan.js';
import { type Hooks, runHook } from './hooks.js';
import { HeldLease } from './run-lease.js';
import { type RunDependencies, bindingStore, json, requireRun } from './runner.js';
import type { BeforeImage, RunRecord } from './runs/run-store.js';
import type { JsonObject, JsonValue, SourceDocument, WriteOp } from './source/source.js';
import { writeGroups } from './write-groups.js';

export interface RollbackOptions {
  /** Mark the identifiers the run added as retracted (archived, with the reason); by default they stay, as clients may hold them. */
  readonly retract?: boolean;
  readonly actor?: string;
  readonly holder?: string;
  readonly leaseMs?: number;
  readonly onProgress?: (progress: { readonly done: number; readonly restored: number; readonly conflicts: number }) => void;
  /** Hook commands that add to (and override) the migration's own; `rollback` runs when the rollback is done. */
  readonly hooks?: Hooks;
}

/** A document rollback left alone because the application changed it after the run did. */
export interface RollbackConflict {
  readonly key: string;
  readonly newKey: string;
  readonly reason: string;
}

export interface RollbackReport {
  readonly run: string;
  readonly restored: number;
  readonly untouched: number;
  readonly conflicts: readonly RollbackConflict[];
  /** Whether the source's documents and the identifiers' mappings are what they were before the run. */
  readonly digestsEqual: boolean;
}

const PAGE = 500;

/**
 * Undoes a run: every document it wrote is put back from its before-image
 * (under its old key), every binding it moved goes back to the version
 * before the run (as new events: history keeps both). A document the
 * application changed after the run wrote it is never overwritten: it is
 * listed as a conflict. Identifiers the run added stay resolvable unless
 * `retract` is asked for.
 */
export async function rollbackRun(deps: RunDependencies, runId: string, options: RollbackOptions = {}): Promise<RollbackReport> {
  const clock = deps.clock ?? (() => new Date());
  const run = await requireRun(deps.runs, runId);
  if (run.status === 'rolled-back') throw new StableIdError('STATE_CONFLICT', `run ${runId} is rolled back already`, { run: runId });
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  // Holding the lease keeps a runner of the same migration from writing while the run is undone.
  const lease = await HeldLease.acquire(deps.runs, run.migration, holder, options.leaseMs ?? 30_000, clock);
  try {
    const formats = await migrationFormats(deps.registry, deps.migration);
    let restored = 0;
    let untouched = 0;
    const conflicts: RollbackConflict[] = [];
    let cursor: string | null = null;
    for (;;) {
      lease.check();
      const images = await deps.runs.beforeImages(runId, cursor, PAGE);
      if (images.length === 0) break;
      const page = await restorePage(deps, images, formats, lease.fence);
      restored += page.restored.length;
      untouched += page.untouched;
      conflicts.push(...page.conflicts);
      await rebindBack(deps, run, page.restored, formats, options.actor ?? run.actor);
      if (options.retract) await retract(deps, run, page.restored, formats, options.actor ?? run.actor);
      options.onProgress?.({ done: restored + untouched + conflicts.length, restored, conflicts: conflicts.length });
      cursor = images.at(-1)?.key ?? null;
    }
    const before = run.details['digestsBefore'] as unknown as CollectionDigests | undefined;
    const after = await digestCollection(deps.registry, deps.collection, deps.migration, formats);
    const digestsEqual = before !== undefined && sameDigest(before.identifiers, after.identifiers) && sameDigest(before.documents, after.documents);
    const report: RollbackReport = { run: runId, restored, untouched, conflicts, digestsEqual };
    const details: JsonObject = { ...run.details, rollback: json({ ...report, conflicts: conflicts.slice(0, 1000), at: clock().toISOString(), digestsAfter: after }) as JsonValue };
    await deps.runs.updateRun(runId, { status: 'rolled-back', wave: run.wave, details, updatedAt: clock().toISOString() });
    const hook = { ...deps.migration.hooks, ...options.hooks }.rollback;
    if (hook) {
      const result = await runHook('rollback', hook, { run: runId, migration: run.migration, payload: { run: { ...run, status: 'rolled-back', details }, rollback: report } });
      const hooks = [...((details['hooks'] as JsonValue[] | undefined) ?? []).slice(-49), json(result)];
      await deps.runs.updateRun(runId, { status: 'rolled-back', wave: run.wave, details: { ...details, hooks }, updatedAt: clock().toISOString() });
    }
    return report;
  } finally {
    await lease.release();
  }
}

/** Puts one page of before-images back, each only where the run's own write is still what the document holds. */
async function restorePage(
  deps: RunDependencies,
  images: readonly BeforeImage[],
  formats: SchemeFormats,
  fence: HeldLease['fence'],
): Promise<{ restored: BeforeImage[]; untouched: number; conflicts: RollbackConflict[] }> {
  const keys = [...new Set(images.flatMap((image) => [image.key, image.newKey]))];
  const current = new Map<string, SourceDocument>((await deps.collection.getMany(keys)).map((document) => [document.key, document]));
  const conflicts: RollbackConflict[] = [];
  let untouched = 0;
  const candidates: { image: BeforeImage; ops: WriteOp[] }[] = [];
  for (const image of images) {
    const now = current.get(image.newKey);
    // A run cut off between writing a document and recording its version left no version: the document
    // counts as the run's own write only if it holds exactly what the migration makes of the before-image.
    const written = image.afterVersion ?? (now && wroteThis(deps, formats, image, now) ? now.version : null);
    if (written === null) {
      if (now && isMarked(now.body, deps.migration.id)) conflicts.push({ key: image.key, newKey: image.newKey, reason: 'changed after the run wrote it' });
      // Otherwise the run saved the image but its write never landed: the document is as it was.
      else untouched += 1;
      continue;
    }
    if (!now || now.version !== written) {
      conflicts.push({ key: image.key, newKey: image.newKey, reason: now ? 'changed after the run wrote it' : 'deleted after the run wrote it' });
      continue;
    }
    if (image.newKey !== image.key && current.has(image.key)) {
      conflicts.push({ key: image.key, newKey: image.newKey, reason: 'its old key holds another document now' });
      continue;
    }
    candidates.push({
      image,
      ops:
        image.newKey === image.key
          ? [{ kind: 'replace', key: image.key, expected: now.version, body: image.before }]
          : [
              { kind: 'delete', key: image.newKey, expected: now.version },
              { kind: 'insert', key: image.key, body: image.before, from: image.newKey },
            ],
    });
  }
  // All or none per apply (in groups where the store limits its transactions, a move never split):
  // documents that changed in the meantime are set aside as conflicts and the rest written.
  const restored: BeforeImage[] = [];
  for (let group of writeGroups(candidates, (c) => c.ops.length, deps.collection.traits.maxWrites)) {
    while (group.length > 0) {
      const result = await deps.collection.apply(group.flatMap((c) => c.ops), fence);
      if (result.ok) break;
      group = group.filter(({ image }) => {
        const refused = result.refused.get(image.newKey) ?? result.refused.get(image.key);
        if (refused) conflicts.push({ key: image.key, newKey: image.newKey, reason: `changed while rolling back (${refused})` });
        return refused === undefined;
      });
    }
    restored.push(...group.map((c) => c.image));
  }
  return { restored, untouched, conflicts };
}

/** Whether the document holds exactly what the migration makes of the before-image. */
function wroteThis(deps: RunDependencies, formats: SchemeFormats, image: BeforeImage, document: SourceDocument): boolean {
  const change = changeDocument(deps.migration, formats, { key: image.key, version: '', body: image.before });
  return change.after !== null && change.newKey === image.newKey && canonicalJson(change.after) === canonicalJson(document.body);
}

/** The external identifier a before-image carries, canonical. */
function identifierOf(deps: RunDependencies, image: BeforeImage, formats: Parameters<typeof canonicalIdentifier>[0]): string | null {
  const raw = getField(image.before, deps.migration.identifier.field);
  return typeof raw === 'string' ? canonicalIdentifier(formats, deps.migration.identifier.scheme, raw) : null;
}

/** Each restored document's binding goes back to the version it had before the run moved it (where it lives again when it had none). */
async function rebindBack(deps: RunDependencies, run: RunRecord, restored: readonly BeforeImage[], formats: Parameters<typeof canonicalIdentifier>[0], actor: string): Promise<void> {
  const { migration, registry } = deps;
  const items: BatchItem[] = [];
  for (const image of restored) {
    const value = identifierOf(deps, image, formats);
    if (value === null) continue;
    const was = image.binding;
    const binding =
      was && typeof was['store'] === 'string' && typeof was['collection'] === 'string' && typeof was['key'] === 'string'
        ? { store: was['store'], collection: was['collection'], key: was['key'] }
        : { store: bindingStore(deps), collection: migration.collection, key: image.key };
    items.push({ request: { op: 'rebind', namespace: migration.namespace, identifier: { scheme: migration.identifier.scheme, value }, binding, migration: `${run.id}:rollback` } });
  }
  if (items.length > 0) await registry.writeMany(items, { correlationId: run.id, actor, reason: `rollback of migration ${migration.id}, run ${run.id}` });
}

/** The identifiers the run added for the restored documents, archived with a reason saying they were retracted. */
async function retract(deps: RunDependencies, run: RunRecord, restored: readonly BeforeImage[], formats: Parameters<typeof canonicalIdentifier>[0], actor: string): Promise<void> {
  const { migration, registry } = deps;
  const values = restored.flatMap((image) => identifierOf(deps, image, formats) ?? []);
  const resolved = await registry.resolveMany(
    migration.namespace,
    values.map((value) => ({ scheme: migration.identifier.scheme, value })),
  );
  const items: BatchItem[] = [];
  for (const result of resolved) {
    if (!result.ok) continue;
    for (const identifier of result.result.identifiers) {
      if (identifier.migration !== run.id || identifier.value === null || identifier.state === 'archived') continue;
      items.push({ request: { op: 'archive', namespace: migration.namespace, identifier: { scheme: identifier.scheme, value: identifier.value } } });
    }
  }
  if (items.length > 0) await registry.writeMany(items, { correlationId: run.id, actor, reason: `retracted: rollback of migration ${migration.id}, run ${run.id}` });
}
