import type { EraseRequest, WriteOutcome } from '../requests.js';
import type { WriteSession } from '../write-session.js';
import { outcome } from './outcome.js';

/**
 * Erases an identifier's value on a legal request: its value and salt are
 * removed and an erasure event is appended. The chain still verifies, because
 * it only ever held the salted commitment; the identifier's entity, lineage and
 * bindings remain, shown without the value.
 */
export async function erase(session: WriteSession, request: EraseRequest): Promise<WriteOutcome> {
  const { namespace } = request;
  const record = await session.locate(namespace, request.identifier);
  if ((await session.guard()).erasure() === 'hold') {
    const held = { op: 'erase', namespace, identifier: { scheme: record.scheme, value: record.value ?? '' } };
    const pending = await session.hold(namespace, 'erase', held, `erase ${namespace}/${record.scheme} ${record.value ?? ''}`);
    return { ...outcome('erase', record, null), pending };
  }
  const event = await session.emit(namespace, {
    type: 'identifier.erased',
    body: { identifier: record.seq, commitment: record.commitment },
  });
  session.noteErased(record);
  return outcome('erase', { ...record, value: null }, event);
}
