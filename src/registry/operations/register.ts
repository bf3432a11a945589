import { StableIdError } from '../../model/errors.js';
import { commitValue, newSalt } from '../../model/hashing.js';
import type { RegisterRequest, WriteOutcome } from '../requests.js';
import { requireValue } from '../schemes.js';
import { optionalBinding, sameBinding } from '../validation.js';
import type { WriteSession } from '../write-session.js';
import { refuseArchived } from './guards.js';
import { outcome } from './outcome.js';

/**
 * A new entity with its first identifier. Repeating the request returns the
 * entity already registered; the same identifier registered with a different
 * binding, or already held as another entity's alias, is a conflict.
 */
export async function register(session: WriteSession, request: RegisterRequest, newEntityId: () => string): Promise<WriteOutcome> {
  const scheme = await session.scheme(request.namespace, request.scheme);
  const value = requireValue(scheme, request.value) as string;
  const binding = optionalBinding(request.binding);
  const existing = await session.findByValue(request.namespace, scheme.name, value);
  if (existing) {
    const registration = (await session.bindingsOf(request.namespace, existing.entity)).find((b) => b.seq === existing.seq);
    const bornHere = (await session.identifiersOf(request.namespace, existing.entity))[0]?.seq === existing.seq;
    const sameRequest = bornHere && (binding === null || (registration !== undefined && sameBinding(registration, binding)));
    if (!sameRequest) {
      throw new StableIdError(
        'IDENTIFIER_CONFLICT',
        `${request.namespace}/${scheme.name} ${value} is already registered to entity ${existing.entity}` +
          (bornHere ? ' with a different binding (use rebind to move it)' : ' as an alias'),
        { namespace: request.namespace, scheme: scheme.name, value, entity: existing.entity },
      );
    }
    return outcome('register', existing, null);
  }
  refuseArchived(scheme, 'register');
  const salt = newSalt();
  const entity = newEntityId();
  const event = await session.emit(
    request.namespace,
    { type: 'identifier.registered', body: { entity, scheme: scheme.name, commitment: commitValue(salt, value), binding } },
    { salt, value },
  );
  return outcome('register', { namespace: request.namespace, seq: event.seq, scheme: scheme.name, entity, value }, event);
}
