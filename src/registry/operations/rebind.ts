import type { RebindRequest, WriteOutcome } from '../requests.js';
import { optionalText, requireBinding, sameBinding } from '../validation.js';
import type { WriteSession } from '../write-session.js';
import { outcome } from './outcome.js';

/** Moves the entity's record: a new binding version; earlier versions are kept for as-of reads. */
export async function rebind(session: WriteSession, request: RebindRequest): Promise<WriteOutcome> {
  const { namespace } = request;
  const binding = requireBinding(request.binding);
  const migration = optionalText('migration', request.migration);
  const record = await session.locate(namespace, request.identifier);
  const versions = await session.bindingsOf(namespace, record.entity);
  const current = versions.at(-1);
  if (current && sameBinding(current, binding)) return outcome('rebind', record, null);
  const event = await session.emit(namespace, {
    type: 'binding.changed',
    body: { entity: record.entity, version: (current?.version ?? 0) + 1, binding, migration },
  });
  return outcome('rebind', record, event);
}
