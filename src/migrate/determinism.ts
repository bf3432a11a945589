import { StableIdError } from '../model/errors.js';
import { canonicalJson } from '../model/hashing.js';
import { type SchemeFormats, changeDocument } from './document-change.js';
import type { Migration } from './migration.js';
import type { SourceDocument } from './source/source.js';

/** How many documents the check runs the migration on, twice each. */
export const DETERMINISM_SAMPLE = 50;

/**
 * Runs the migration twice on each sampled document and refuses it unless
 * both runs agree exactly (new body, key, derived identifiers) and the
 * document it was given is left as it was. A transform that reads the clock
 * or a random source, or keeps state between calls, shows here before it
 * touches any data — not every such transform, but the common ones.
 */
export function checkDeterminism(migration: Migration, formats: SchemeFormats, sample: readonly SourceDocument[]): void {
  for (const document of sample.slice(0, DETERMINISM_SAMPLE)) {
    const original = canonicalJson(document.body);
    const first = outcome(migration, formats, document);
    const second = outcome(migration, formats, document);
    if (first.input !== original || second.input !== original) {
      throw new StableIdError('MIGRATION_INVALID', `migration "${migration.id}" changed the document it was given (key ${JSON.stringify(document.key)}): a transform must be pure`, {
        field: 'transform',
        key: document.key,
      });
    }
    if (first.result !== second.result) {
      throw new StableIdError(
        'MIGRATION_INVALID',
        `migration "${migration.id}" is not deterministic: two runs on the document ${JSON.stringify(document.key)} gave different results`,
        { field: 'transform', key: document.key },
      );
    }
  }
}

/** The migration's result on a copy of the document, and the copy as it was left. */
function outcome(migration: Migration, formats: SchemeFormats, document: SourceDocument): { result: string; input: string } {
  const body = structuredClone(document.body);
  const change = changeDocument(migration, formats, { ...document, body });
  return {
    result: canonicalJson({ after: change.after, newKey: change.newKey, added: change.added, problems: change.problems.map((p) => p.message) }),
    input: canonicalJson(body),
  };
}
