import { StableIdError } from '../model/errors.js';
import { HOOK_EVENTS, type Hooks } from './hooks.js';
import type { JsonObject } from './source/source.js';

/** Where a document keeps its external identifier, and in which scheme of the migration's namespace. */
export interface IdentifierField {
  /** Dotted path into the document, e.g. `number` or `meta.legacyId`. */
  readonly field: string;
  readonly scheme: string;
}

/** What a derivation sees of one document. */
export interface DocumentView {
  readonly key: string;
  readonly before: JsonObject;
  readonly after: JsonObject;
}

/** A new identifier for each document, in another scheme, derived only from the document. */
export interface AddedIdentifier {
  readonly scheme: string;
  /** Where the migrated document carries the new identifier; the engine writes it there. */
  readonly field?: string;
  /** Must give the same value for the same document every time: a re-run derives the same identifiers. */
  readonly derive: (document: DocumentView) => string;
}

/**
 * A migration: a pure, deterministic transform of one document of a source
 * collection, and what happens to the external identifiers it carries. The
 * external identifier must survive the transform unchanged; the key may
 * change; new identifiers may be added in other schemes, recorded in the
 * registry with this migration as their lineage.
 */
export interface Migration {
  /** Names the migration in lineage, markers and run records: lowercase letters, digits, `.`, `_`, `-`. */
  readonly id: string;
  readonly namespace: string;
  /** The source collection (table) the documents live in. */
  readonly collection: string;
  readonly identifier: IdentifierField;
  /** The new body of a document; must not change its input and must give equal output for equal input. */
  readonly transform: (document: JsonObject) => JsonObject;
  /** The document's new key, when the migration re-keys; by default the key stays. */
  readonly key?: (document: DocumentView) => string;
  readonly add?: readonly AddedIdentifier[];
  /** The store named in the bindings the migration records (the collection is the source collection). Default: the source's description. */
  readonly bindingStore?: string;
  /** Shell commands run around each wave and when a run ends or is rolled back, with the run's status as JSON on stdin. */
  readonly hooks?: Hooks;
  /** How `migrate run` paces the migration unless its flags say otherwise; a policy may require them (rule migration-rate). */
  readonly settings?: MigrationSettings;
}

export interface MigrationSettings {
  /** Documents per batch (else the batch size adapts to `batchTimeMs`). */
  readonly batchSize?: number;
  /** Documents per second at most. */
  readonly maxRate?: number;
  /** Cumulative wave percentages, e.g. [1, 10, 50, 100]. */
  readonly waves?: readonly number[];
}

const ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const PATH = /^[A-Za-z_$][\w$-]*(?:\.[A-Za-z_$][\w$-]*)*$/;

const invalid = (message: string, field: string): StableIdError => new StableIdError('MIGRATION_INVALID', message, { field });

/** Checks a migration's shape (not yet its behaviour: see checkDeterminism) and returns it. */
export function defineMigration(migration: Migration): Migration {
  const m = migration as Partial<Migration> | null;
  if (typeof m !== 'object' || m === null) throw invalid('a migration module must export a migration object (export default defineMigration({...}))', 'migration');
  if (typeof m.id !== 'string' || !ID.test(m.id)) throw invalid(`id must match ${ID.source}, got ${JSON.stringify(m.id)}`, 'id');
  if (typeof m.namespace !== 'string' || m.namespace === '') throw invalid('namespace must be a non-empty string', 'namespace');
  if (typeof m.collection !== 'string' || m.collection === '') throw invalid('collection must be a non-empty string', 'collection');
  if (typeof m.identifier !== 'object' || m.identifier === null) throw invalid('identifier must be { field, scheme }', 'identifier');
  requirePath('identifier.field', m.identifier.field);
  if (typeof m.identifier.scheme !== 'string' || m.identifier.scheme === '') throw invalid('identifier.scheme must be a scheme name', 'identifier.scheme');
  if (typeof m.transform !== 'function') throw invalid('transform must be a function (document) => document', 'transform');
  if (m.key !== undefined && typeof m.key !== 'function') throw invalid('key must be a function ({ key, before, after }) => string', 'key');
  if (m.bindingStore !== undefined && (typeof m.bindingStore !== 'string' || m.bindingStore === '')) throw invalid('bindingStore must be a non-empty string', 'bindingStore');
  for (const [event, command] of Object.entries(m.hooks ?? {})) {
    if (!(HOOK_EVENTS as readonly string[]).includes(event)) throw invalid(`hooks.${event} is not a hook event (${HOOK_EVENTS.join(', ')})`, `hooks.${event}`);
    if (typeof command !== 'string' || command.trim() === '') throw invalid(`hooks.${event} must be a shell command`, `hooks.${event}`);
  }
  if (m.settings !== undefined) requireSettings(m.settings);
  const schemes = new Set<string>([m.identifier.scheme]);
  for (const [index, added] of (m.add ?? []).entries()) {
    const where = `add[${index}]`;
    if (typeof added !== 'object' || added === null) throw invalid(`${where} must be { scheme, derive, field? }`, where);
    if (typeof added.scheme !== 'string' || added.scheme === '') throw invalid(`${where}.scheme must be a scheme name`, `${where}.scheme`);
    if (schemes.has(added.scheme)) throw invalid(`${where}.scheme "${added.scheme}" is named twice: a document has one identifier per scheme`, `${where}.scheme`);
    schemes.add(added.scheme);
    if (typeof added.derive !== 'function') throw invalid(`${where}.derive must be a function ({ key, before, after }) => string`, `${where}.derive`);
    if (added.field !== undefined) requirePath(`${where}.field`, added.field);
  }
  return migration;
}

function requireSettings(settings: unknown): void {
  if (typeof settings !== 'object' || settings === null) throw invalid('settings must be { batchSize?, maxRate?, waves? }', 'settings');
  const { batchSize, maxRate, waves } = settings as Record<string, unknown>;
  for (const [name, value] of [['batchSize', batchSize], ['maxRate', maxRate]] as const) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)) throw invalid(`settings.${name} must be a whole number of at least 1`, `settings.${name}`);
  }
  if (waves !== undefined) {
    const ok = Array.isArray(waves) && waves.length > 0 && waves.every((w, i) => typeof w === 'number' && w > 0 && w <= 100 && (i === 0 || w > (waves[i - 1] as number))) && waves.at(-1) === 100;
    if (!ok) throw invalid('settings.waves must be rising percentages ending at 100, e.g. [1, 10, 50, 100]', 'settings.waves');
  }
}

function requirePath(name: string, value: unknown): void {
  if (typeof value !== 'string' || !PATH.test(value)) throw invalid(`${name} must be a dotted field path such as "number" or "meta.legacyId"`, name);
}
