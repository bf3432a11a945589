import { StableIdError } from '../../model/errors.js';
import { canonicalJson } from '../../model/hashing.js';
import { parseSchemeFormat } from '../../model/formats/index.js';
import type { DefinitionOutcome, NamespaceDefinition } from '../requests.js';
import { optionalText, requireInstant, requireName, requireText } from '../validation.js';
import type { WriteSession } from '../write-session.js';

const unchanged = (namespace: string, scheme: string | null): DefinitionOutcome => ({ namespace, scheme, changed: false, seq: null });

/** Creates a namespace; repeating the same definition is a no-op, a different one a conflict. */
export async function createNamespace(session: WriteSession, definition: NamespaceDefinition): Promise<DefinitionOutcome> {
  const name = requireName('namespace', definition.name);
  const owner = requireText('owner', definition.owner, 200);
  const stewards = [...new Set((definition.stewards ?? []).map((s, i) => requireText(`stewards[${i}]`, s, 200)))].sort();
  const description = optionalText('description', definition.description, 2000);
  const existing = await session.findNamespace(name);
  if (!existing) (await session.guard()).namespaceCreated(name);
  if (existing) {
    const same = existing.owner === owner && canonicalJson([...existing.stewards].sort()) === canonicalJson(stewards) && existing.description === description;
    if (same) return unchanged(name, null);
    throw new StableIdError('NAMESPACE_CONFLICT', `namespace "${name}" already exists with a different owner, stewards or description`, {
      namespace: name,
    });
  }
  const event = await session.emit(name, { type: 'namespace.created', body: { owner, stewards, description } });
  return { namespace: name, scheme: null, changed: true, seq: event.seq };
}

/** Adds a scheme. Schemes are never edited: the same name with another format is a conflict. */
export async function addScheme(session: WriteSession, namespace: string, name: string, format: unknown): Promise<DefinitionOutcome> {
  requireName('scheme', name);
  const parsed = parseSchemeFormat(format);
  const existing = (await session.schemes(namespace)).get(name);
  if (existing) {
    if (canonicalJson(existing.format) === canonicalJson(parsed)) return unchanged(namespace, name);
    throw new StableIdError(
      'SCHEME_CONFLICT',
      `scheme ${namespace}/${name} already exists with another format; a new format is a new scheme`,
      { namespace, scheme: name },
    );
  }
  (await session.guard()).schemeAdded(namespace, name);
  const event = await session.emit(namespace, { type: 'scheme.added', body: { scheme: name, format: parsed } });
  return { namespace, scheme: name, changed: true, seq: event.seq };
}

/** Deprecates a whole scheme with a sunset date and optionally the scheme that replaces it. */
export async function deprecateScheme(
  session: WriteSession,
  namespace: string,
  name: string,
  sunsetInput: string,
  replacementInput?: string | null,
): Promise<DefinitionOutcome> {
  const sunset = requireInstant('sunset', sunsetInput);
  const scheme = await session.scheme(namespace, name);
  const replacement = replacementInput ? (await session.scheme(namespace, replacementInput)).name : null;
  if (replacement === name) {
    throw new StableIdError('INVALID_ARGUMENT', 'a scheme cannot replace itself', { namespace, scheme: name, field: 'replacement' });
  }
  if (scheme.state === 'archived') {
    throw new StableIdError('STATE_CONFLICT', `scheme ${namespace}/${name} is archived and cannot be deprecated`, { namespace, scheme: name });
  }
  if (scheme.state === 'deprecated' && scheme.sunset === sunset && scheme.replacement === replacement) return unchanged(namespace, name);
  if ((await session.guard()).schemeDeprecated(namespace, name, sunset) === 'hold') {
    const request = { namespace, scheme: name, sunset, replacement };
    const summary = `deprecate scheme ${namespace}/${name}, sunset ${sunset.slice(0, 10)}${replacement ? `, replaced by ${replacement}` : ''}`;
    return { ...unchanged(namespace, name), pending: await session.hold(namespace, 'deprecate-scheme', request, summary) };
  }
  const event = await session.emit(namespace, { type: 'scheme.deprecated', body: { scheme: name, sunset, replacement } });
  return { namespace, scheme: name, changed: true, seq: event.seq };
}

/** Archives a scheme: its identifiers resolve forever, nothing new is written to it. */
export async function archiveScheme(session: WriteSession, namespace: string, name: string): Promise<DefinitionOutcome> {
  const scheme = await session.scheme(namespace, name);
  if (scheme.state === 'archived') return unchanged(namespace, name);
  if ((await session.guard()).schemeArchived(namespace, name, scheme.state === 'deprecated' ? scheme.stateAt : null) === 'hold') {
    return { ...unchanged(namespace, name), pending: await session.hold(namespace, 'archive-scheme', { namespace, scheme: name }, `archive scheme ${namespace}/${name}`) };
  }
  const event = await session.emit(namespace, { type: 'scheme.archived', body: { scheme: name } });
  return { namespace, scheme: name, changed: true, seq: event.seq };
}
