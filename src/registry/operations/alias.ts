import { StableIdError } from '../../model/errors.js';
import { commitValue, newSalt } from '../../model/hashing.js';
import type { AliasRequest, WriteOutcome } from '../requests.js';
import { requireValue } from '../schemes.js';
import { optionalText } from '../validation.js';
import type { WriteSession } from '../write-session.js';
import { refuseArchived } from './guards.js';
import { outcome } from './outcome.js';

/**
 * Adds the entity's identifier in another scheme, recording which identifier
 * it was derived from. An entity holds at most one identifier per scheme.
 */
export async function alias(session: WriteSession, request: AliasRequest): Promise<WriteOutcome> {
  const { namespace } = request;
  const target = await session.scheme(namespace, request.scheme);
  const value = requireValue(target, request.value) as string;
  const migration = optionalText('migration', request.migration);
  const source = await session.locate(namespace, request.from);
  const existing = await session.findByValue(namespace, target.name, value);
  if (existing) {
    if (existing.entity === source.entity) return outcome('alias', existing, null);
    throw new StableIdError(
      'IDENTIFIER_CONFLICT',
      `${namespace}/${target.name} ${value} already belongs to entity ${existing.entity}, not to ${source.entity}`,
      { namespace, scheme: target.name, value, entity: existing.entity },
    );
  }
  const held = (await session.identifiersOf(namespace, source.entity)).find((i) => i.scheme === target.name);
  if (held) {
    throw new StableIdError(
      'ALIAS_CONFLICT',
      `entity ${source.entity} already has ${held.value === null ? 'an (erased) identifier' : JSON.stringify(held.value)} in ${namespace}/${target.name}`,
      { namespace, scheme: target.name, value, entity: source.entity },
    );
  }
  refuseArchived(target, 'alias');
  const salt = newSalt();
  const event = await session.emit(
    namespace,
    {
      type: 'identifier.aliased',
      body: { entity: source.entity, scheme: target.name, commitment: commitValue(salt, value), derivedFrom: source.seq, migration },
    },
    { salt, value },
  );
  return outcome('alias', { namespace, seq: event.seq, scheme: target.name, entity: source.entity, value }, event);
}
