import type { SchemeFormat } from '../model/formats/index.js';
import { getField, setField } from './fields.js';
import { canonicalIdentifier as canonical } from './identifiers.js';
import { MARKER_FIELD, isMarked, withMarker, withoutMarker } from './marker.js';
import type { Migration } from './migration.js';
import type { JsonObject, SourceDocument } from './source/source.js';

/** What can be wrong with one document, or between documents, before anything is written. */
export type ProblemKind =
  /** The document has no external identifier where the migration says it is. */
  | 'missing-identifier'
  /** A value (the external identifier or a derived one) breaks its scheme's format. */
  | 'invalid-identifier'
  /** The transform removed or changed the external identifier. */
  | 'dropped-identifier'
  /** Two documents carry the same external identifier. */
  | 'duplicate-identifier'
  /** Two documents would end under the same key. */
  | 'key-collision'
  /** A new identifier is another document's, or another entity's in the registry, or the entity already has another in that scheme. */
  | 'identifier-collision'
  /** The transform, key or a derivation threw, or returned something that is not a document. */
  | 'transform-failed';

export interface Problem {
  readonly kind: ProblemKind;
  readonly key: string;
  readonly message: string;
  readonly scheme?: string;
  readonly value?: string;
}

export interface SchemeValue {
  readonly scheme: string;
  readonly value: string;
}

/** What the migration makes of one document. */
export interface DocumentChange {
  readonly key: string;
  readonly version: string;
  /** The key after the migration (the same key when it does not re-key). */
  readonly newKey: string;
  readonly before: JsonObject;
  /** The document as the migration writes it, marker included; null when the document is left alone. */
  readonly after: JsonObject | null;
  /** Why the document is left alone, when it is. */
  readonly skipped: 'already-migrated' | 'problem' | null;
  /** The external identifier the document carries, in its canonical spelling. */
  readonly identifier: SchemeValue | null;
  /** The identifiers the migration adds for this document. */
  readonly added: readonly SchemeValue[];
  readonly problems: readonly Problem[];
}

/** The formats of the schemes a migration names, by scheme. */
export type SchemeFormats = ReadonlyMap<string, SchemeFormat>;

/**
 * Runs the migration on one document, in memory: the transform, the new
 * key, the derived identifiers, each checked against its scheme, and the
 * rule that the external identifier survives unchanged. Pure.
 */
export function changeDocument(migration: Migration, formats: SchemeFormats, document: SourceDocument): DocumentChange {
  const { key, version, body: before } = document;
  const base = { key, version, before, newKey: key };
  const problems: Problem[] = [];
  const identifier = externalIdentifier(migration, formats, before, key, problems);
  if (isMarked(before, migration.id)) return { ...base, after: null, skipped: 'already-migrated', identifier, added: [], problems };
  if (!identifier) return { ...base, after: null, skipped: 'problem', identifier, added: [], problems };

  let after: JsonObject;
  let newKey = key;
  const added: SchemeValue[] = [];
  try {
    after = migration.transform(structuredClone(withoutMarker(before)));
    if (typeof after !== 'object' || after === null || Array.isArray(after)) throw new Error('the transform returned no document');
    const kept = getField(after, migration.identifier.field);
    if (typeof kept !== 'string' || canonical(formats, migration.identifier.scheme, kept) !== identifier.value) {
      problems.push({
        kind: 'dropped-identifier',
        key,
        scheme: identifier.scheme,
        value: identifier.value,
        message: `the transform ${kept === undefined ? 'removes' : 'changes'} the external identifier at "${migration.identifier.field}"`,
      });
    }
    const view = { key, before, after };
    for (const rule of migration.add ?? []) {
      const raw = rule.derive(view);
      const value = typeof raw === 'string' ? canonical(formats, rule.scheme, raw) : null;
      if (value === null) {
        problems.push({ kind: 'invalid-identifier', key, scheme: rule.scheme, value: String(raw), message: `derived ${JSON.stringify(raw)} is not valid in scheme "${rule.scheme}"` });
        continue;
      }
      added.push({ scheme: rule.scheme, value });
      if (rule.field) after = setField(after, rule.field, value);
    }
    if (migration.key) {
      newKey = migration.key({ key, before, after });
      if (typeof newKey !== 'string' || newKey === '') throw new Error(`the key function returned ${JSON.stringify(newKey)}`);
    }
  } catch (error) {
    problems.push({ kind: 'transform-failed', key, message: error instanceof Error ? error.message : String(error) });
    return { ...base, after: null, skipped: 'problem', identifier, added: [], problems };
  }
  // Earlier migrations' markers stay; this one's is added.
  const marked = withMarker(before[MARKER_FIELD] === undefined ? after : { ...after, [MARKER_FIELD]: before[MARKER_FIELD] }, migration.id);
  return { key, version, newKey, before, after: problems.length > 0 ? null : marked, skipped: problems.length > 0 ? 'problem' : null, identifier, added, problems };
}

/** The external identifier a document carries, canonical, or null when it has none or an invalid one. */
export function documentIdentifier(migration: Migration, formats: SchemeFormats, body: JsonObject): SchemeValue | null {
  const raw = getField(body, migration.identifier.field);
  if (typeof raw !== 'string' || raw === '') return null;
  const value = canonical(formats, migration.identifier.scheme, raw);
  return value === null ? null : { scheme: migration.identifier.scheme, value };
}

function externalIdentifier(migration: Migration, formats: SchemeFormats, before: JsonObject, key: string, problems: Problem[]): SchemeValue | null {
  const { field, scheme } = migration.identifier;
  const raw = getField(before, field);
  if (typeof raw !== 'string' || raw === '') {
    problems.push({ kind: 'missing-identifier', key, scheme, message: `no external identifier at "${field}"` });
    return null;
  }
  const value = canonical(formats, scheme, raw);
  if (value === null) {
    problems.push({ kind: 'invalid-identifier', key, scheme, value: raw, message: `${JSON.stringify(raw)} at "${field}" is not valid in scheme "${scheme}"` });
    return null;
  }
  return { scheme, value };
}
