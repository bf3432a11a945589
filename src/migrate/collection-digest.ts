import { canonicalJson } from '../model/hashing.js';
import type { Registry } from '../registry/registry.js';
import { DigestBuilder, type SetDigest, rangeOf } from './digest.js';
import { getField } from './fields.js';
import type { Migration } from './migration.js';
import type { SchemeFormats } from './document-change.js';
import { canonicalIdentifier } from './identifiers.js';
import { documentsOf } from './document-walk.js';
import type { SourceCollection } from './source/source.js';

/** Both digests of a collection: the identifiers through the registry, and the documents themselves. */
export interface CollectionDigests {
  /** Each document's external identifier with the entity the registry resolves it to. */
  readonly identifiers: SetDigest;
  /** Each document's key and canonical body. */
  readonly documents: SetDigest;
}

/** What the identifier digest hashes for one document: its identifier and the entity it resolves to (or none). */
export const identifierItem = (scheme: string, value: string, entity: string | null): string => `${scheme}\u0000${value}\u0000${entity ?? ''}`;

/**
 * Digests of the collection as it is now: every document's external
 * identifier, resolved through the registry (so a re-keyed document still
 * counts as the same identifier of the same entity), and every document's
 * key and body. `items` receives the identifier items of the ranges asked
 * for, with the documents that carry them, to narrow a mismatch down.
 */
export async function digestCollection(
  registry: Registry,
  collection: SourceCollection,
  migration: Migration,
  formats: SchemeFormats,
  items?: { readonly ranges: ReadonlySet<number>; readonly found: Map<string, string[]> },
): Promise<CollectionDigests> {
  const identifiers = new DigestBuilder();
  const documents = new DigestBuilder();
  const { scheme, field } = migration.identifier;
  for await (const page of documentsOf(collection)) {
    const values = page.map((document) => {
      const raw = getField(document.body, field);
      return typeof raw === 'string' ? canonicalIdentifier(formats, scheme, raw) : null;
    });
    const refs = values.filter((value): value is string => value !== null).map((value) => ({ scheme, value }));
    const entities = new Map<string, string>();
    (await registry.entitiesOf(migration.namespace, refs)).forEach((entity, index) => {
      if (entity !== null) entities.set((refs[index] as { value: string }).value, entity);
    });
    page.forEach((document, index) => {
      documents.add(`${document.key}\u0000${canonicalJson(document.body)}`);
      const value = values[index];
      // A document without a valid identifier still counts, under its key, so that losing one shows.
      const item = value === null || value === undefined ? `\u0000key\u0000${document.key}` : identifierItem(scheme, value, entities.get(value) ?? null);
      identifiers.add(item);
      if (items?.ranges.has(rangeOf(item))) items.found.set(item, [...(items.found.get(item) ?? []), document.key]);
    });
  }
  return { identifiers: identifiers.digest(), documents: documents.digest() };
}
