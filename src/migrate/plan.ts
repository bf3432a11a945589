import { StableIdError } from '../model/errors.js';
import type { SchemeFormat } from '../model/formats/index.js';
import type { IdentifierLookup, Registry } from '../registry/registry.js';
import { checkDeterminism } from './determinism.js';
import { type DocumentChange, type Problem, type SchemeValue, changeDocument } from './document-change.js';
import { documentsOf } from './document-walk.js';
import type { Migration } from './migration.js';
import type { JsonObject, SourceCollection } from './source/source.js';

export interface PlanOptions {
  /** Plan on the first N documents (in key order, where the source orders keys) rather than all of them. */
  readonly sample?: number;
  /** How many before/after diffs the plan keeps (default 20). */
  readonly diffs?: number;
  /** Documents read per scan page (default 1000). */
  readonly pageSize?: number;
  readonly onProgress?: (progress: { readonly done: number; readonly total: number }) => void;
}

/** What the migration does to the identifiers of one document. */
export interface IdentifierDiffEntry {
  readonly key: string;
  readonly newKey: string;
  /** The entity the external identifier resolves to now; null when the run will register it. */
  readonly entity: string | null;
  readonly identifier: SchemeValue;
  readonly added: readonly SchemeValue[];
}

export interface DocumentDiff {
  readonly key: string;
  readonly newKey: string;
  readonly before: JsonObject;
  readonly after: JsonObject;
}

export interface PlanCounts {
  readonly documents: number;
  /** Documents the run would write. */
  readonly change: number;
  /** Documents that already carry this migration's marker: a run leaves them alone. */
  readonly alreadyMigrated: number;
  /** Documents with at least one problem. */
  readonly withProblems: number;
  readonly rekeyed: number;
  /** External identifiers the registry already holds, and those the run would register. */
  readonly registered: number;
  readonly toRegister: number;
  /** New identifiers the run would add, and those the registry already holds for the same entity. */
  readonly toAdd: number;
  readonly alreadyAdded: number;
}

/** A dry run: what a run of the migration would do, with nothing written. */
export interface MigrationPlan {
  readonly migration: string;
  readonly namespace: string;
  readonly collection: string;
  readonly sampled: boolean;
  readonly counts: PlanCounts;
  /** One entry per document the run would write. */
  readonly identifierDiff: readonly IdentifierDiffEntry[];
  readonly diffs: readonly DocumentDiff[];
  /** Every problem found, up to MAX_PROBLEMS; `problemCount` counts them all. */
  readonly problems: readonly Problem[];
  readonly problemCount: number;
  /** Whether a run may start: no problem at all. */
  readonly ok: boolean;
}

const MAX_PROBLEMS = 1000;
const LOOKUP_CHUNK = 500;

/** The formats of every scheme the migration names; a missing or archived one is refused before any document is read. */
export async function migrationFormats(registry: Registry, migration: Migration): Promise<Map<string, SchemeFormat>> {
  const { schemes } = await registry.getNamespace(migration.namespace);
  const formats = new Map<string, SchemeFormat>();
  for (const name of [migration.identifier.scheme, ...(migration.add ?? []).map((a) => a.scheme)]) {
    const scheme = schemes.find((s) => s.name === name);
    if (!scheme) throw new StableIdError('SCHEME_NOT_FOUND', `migration "${migration.id}" names scheme "${name}", which namespace "${migration.namespace}" does not have`, { namespace: migration.namespace, scheme: name });
    if (scheme.state === 'archived' && name !== migration.identifier.scheme) {
      throw new StableIdError('SCHEME_ARCHIVED', `migration "${migration.id}" adds identifiers to the archived scheme "${name}"`, { namespace: migration.namespace, scheme: name });
    }
    formats.set(name, scheme.format);
  }
  return formats;
}

/**
 * Runs the migration over the collection in memory, with every write
 * captured instead of made, and reports what a run would do and everything
 * that would stop it: documents without a valid external identifier, a
 * transform that drops one, duplicates, keys or new identifiers that
 * collide with each other or with the registry.
 */
export async function planMigration(registry: Registry, collection: SourceCollection, migration: Migration, options: PlanOptions = {}): Promise<MigrationPlan> {
  const formats = await migrationFormats(registry, migration);
  const limit = options.sample ?? Number.POSITIVE_INFINITY;
  const total = Math.min(await collection.count(), limit);
  const tally = new PlanTally(migration, options.diffs ?? 20);
  let checked = false;
  // Each document once, even where the store's scan may repeat one: a repeat would look like a duplicate identifier.
  for await (const page of documentsOf(collection, Math.max(1, Math.min(options.pageSize ?? 1000, limit)))) {
    const documents = page.slice(0, limit - tally.documents);
    if (!checked && documents.length > 0) {
      checkDeterminism(migration, formats, documents);
      checked = true;
    }
    const changes = documents.map((document) => changeDocument(migration, formats, document));
    tally.add(changes, await lookups(registry, migration, changes));
    options.onProgress?.({ done: tally.documents, total });
    if (tally.documents >= limit) break;
  }
  return tally.plan(Number.isFinite(limit) && tally.documents >= limit);
}

/** What the registry holds now of a page's identifiers, by scheme and value. */
type Lookups = ReadonlyMap<string, IdentifierLookup>;

const lookupKey = (scheme: string, value: string): string => `${scheme}\u0000${value}`;

async function lookups(registry: Registry, migration: Migration, changes: readonly DocumentChange[]): Promise<Lookups> {
  const refs: SchemeValue[] = [];
  for (const change of changes) {
    if (change.identifier) refs.push(change.identifier);
    refs.push(...change.added);
  }
  const found = new Map<string, IdentifierLookup>();
  for (let from = 0; from < refs.length; from += LOOKUP_CHUNK) {
    const chunk = refs.slice(from, from + LOOKUP_CHUNK);
    (await registry.lookupMany(migration.namespace, chunk)).forEach((lookup, index) => {
      const ref = chunk[index] as SchemeValue;
      if (lookup) found.set(lookupKey(ref.scheme, ref.value), lookup);
    });
  }
  return found;
}

/** The plan as it accumulates, page by page; cross-document checks keep one entry per document. */
class PlanTally {
  readonly #migration: Migration;
  readonly #maxDiffs: number;
  documents = 0;
  #alreadyMigrated = 0;
  #toAdd = 0;
  #alreadyAdded = 0;
  readonly #problems: Problem[] = [];
  #problemCount = 0;
  readonly #withProblems = new Set<string>();
  readonly #diffs: DocumentDiff[] = [];
  readonly #identifierDiff: IdentifierDiffEntry[] = [];
  /** First document (key) seen with each external identifier and each new identifier. */
  readonly #identifierOwners = new Map<string, string>();
  /** Each document's key after the migration, and whose it is. */
  readonly #finalKeys = new Map<string, string>();

  constructor(migration: Migration, maxDiffs: number) {
    this.#migration = migration;
    this.#maxDiffs = maxDiffs;
  }

  add(changes: readonly DocumentChange[], found: Lookups): void {
    for (const change of changes) {
      this.documents += 1;
      for (const problem of change.problems) this.#problem(problem);
      this.#claimKey(change);
      if (change.identifier) this.#claimIdentifier(change.key, change.identifier, 'duplicate-identifier');
      if (change.skipped === 'already-migrated') this.#alreadyMigrated += 1;
      if (!change.after || !change.identifier) continue;
      const entity = found.get(lookupKey(change.identifier.scheme, change.identifier.value));
      for (const added of change.added) {
        this.#claimIdentifier(change.key, added, 'identifier-collision');
        this.#checkAdded(change.key, added, entity, found.get(lookupKey(added.scheme, added.value)));
      }
      this.#identifierDiff.push({ key: change.key, newKey: change.newKey, entity: entity?.entity ?? null, identifier: change.identifier, added: change.added });
      if (this.#diffs.length < this.#maxDiffs) this.#diffs.push({ key: change.key, newKey: change.newKey, before: change.before, after: change.after });
    }
  }

  /** A new identifier is free, already the entity's own, or taken: by another entity, or by another identifier of the entity in that scheme. */
  #checkAdded(key: string, added: SchemeValue, owner: IdentifierLookup | undefined, holder: IdentifierLookup | undefined): void {
    if (holder && holder.entity === owner?.entity) {
      this.#alreadyAdded += 1;
      return;
    }
    if (holder) {
      this.#problem({ kind: 'identifier-collision', key, ...added, message: `${added.value} already belongs to entity ${holder.entity} in scheme "${added.scheme}"` });
      return;
    }
    const other = owner?.identifiers.find((i) => i.scheme === added.scheme);
    if (other) {
      this.#problem({ kind: 'identifier-collision', key, ...added, message: `entity ${owner?.entity} already has ${String(other.value)} in scheme "${added.scheme}"` });
      return;
    }
    this.#toAdd += 1;
  }

  #claimIdentifier(key: string, identifier: SchemeValue, kind: 'duplicate-identifier' | 'identifier-collision'): void {
    const k = lookupKey(identifier.scheme, identifier.value);
    const owner = this.#identifierOwners.get(k);
    if (owner === undefined) this.#identifierOwners.set(k, key);
    else if (owner !== key) this.#problem({ kind, key, ...identifier, message: `${identifier.value} (scheme "${identifier.scheme}") is also carried by document ${JSON.stringify(owner)}` });
  }

  #claimKey(change: DocumentChange): void {
    const finalKey = change.after ? change.newKey : change.key;
    const owner = this.#finalKeys.get(finalKey);
    if (owner === undefined) this.#finalKeys.set(finalKey, change.key);
    else this.#problem({ kind: 'key-collision', key: change.key, message: `the key ${JSON.stringify(finalKey)} would hold both this document and ${JSON.stringify(owner)}` });
  }

  #problem(problem: Problem): void {
    this.#problemCount += 1;
    this.#withProblems.add(problem.key);
    if (this.#problems.length < MAX_PROBLEMS) this.#problems.push(problem);
  }

  plan(sampled: boolean): MigrationPlan {
    const migration = this.#migration;
    // A document that shares a key or identifier with another is a problem, even if its own change was clean.
    const identifierDiff = this.#identifierDiff.filter((entry) => !this.#withProblems.has(entry.key));
    return {
      migration: migration.id,
      namespace: migration.namespace,
      collection: migration.collection,
      sampled,
      counts: {
        documents: this.documents,
        change: identifierDiff.length,
        alreadyMigrated: this.#alreadyMigrated,
        withProblems: this.#withProblems.size,
        rekeyed: identifierDiff.filter((entry) => entry.newKey !== entry.key).length,
        registered: identifierDiff.filter((entry) => entry.entity !== null).length,
        toRegister: identifierDiff.filter((entry) => entry.entity === null).length,
        toAdd: this.#toAdd,
        alreadyAdded: this.#alreadyAdded,
      },
      identifierDiff,
      diffs: this.#diffs.filter((diff) => !this.#withProblems.has(diff.key)),
      problems: this.#problems,
      problemCount: this.#problemCount,
      ok: this.#problemCount === 0,
    };
  }
}
