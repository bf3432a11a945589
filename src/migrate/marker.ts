import type { JsonObject, JsonValue } from './source/source.js';

/**
 * The field a migrated document carries: the ids of the migrations that
 * wrote it. A migration finds its own id there and leaves the document
 * alone, so running a finished migration again changes nothing even when
 * the run records are lost.
 */
export const MARKER_FIELD = '_stableid';

interface Marker {
  readonly migrations: readonly string[];
}

function markerOf(document: JsonObject): Marker {
  const raw = document[MARKER_FIELD];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { migrations: [] };
  const migrations = raw['migrations'];
  return { migrations: Array.isArray(migrations) ? migrations.filter((m): m is string => typeof m === 'string') : [] };
}

export function isMarked(document: JsonObject, migration: string): boolean {
  return markerOf(document).migrations.includes(migration);
}

/** The document with the migration added to its marker (kept once), everything else as given. */
export function withMarker(document: JsonObject, migration: string): JsonObject {
  const { migrations } = markerOf(document);
  const raw = document[MARKER_FIELD];
  const rest: JsonObject = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {};
  const marker: JsonValue = { ...rest, migrations: migrations.includes(migration) ? [...migrations] : [...migrations, migration] };
  return { ...document, [MARKER_FIELD]: marker };
}

/** The document as the transform should see it: without the engine's marker. */
export function withoutMarker(document: JsonObject): JsonObject {
  if (!(MARKER_FIELD in document)) return document;
  const { [MARKER_FIELD]: _marker, ...rest } = document;
  return rest;
}
