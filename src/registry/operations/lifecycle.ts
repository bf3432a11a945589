import { StableIdError } from '../../model/errors.js';
import type { ArchiveRequest, DeprecateRequest, WriteOutcome } from '../requests.js';
import { requireInstant } from '../validation.js';
import type { WriteSession } from '../write-session.js';
import { refuseArchived } from './guards.js';
import { outcome } from './outcome.js';

/**
 * Marks one identifier deprecated with a sunset date. Repeating it is a no-op;
 * a new sunset date moves the date; an archived identifier cannot go back.
 */
export async function deprecateIdentifier(session: WriteSession, request: DeprecateRequest): Promise<WriteOutcome> {
  const { namespace } = request;
  const sunset = requireInstant('sunset', request.sunset);
  const record = await session.locate(namespace, request.identifier);
  const current = await session.identifierState(namespace, record.seq);
  // A repeat is answered as one even after the scheme was archived, as register and alias do.
  if (current.state === 'deprecated' && current.sunset === sunset) return outcome('deprecate', record, null);
  refuseArchived(await session.scheme(namespace, record.scheme), 'deprecate an identifier');
  if (current.state === 'archived') {
    throw new StableIdError('STATE_CONFLICT', `${namespace}/${record.scheme} ${record.value} is archived and cannot be deprecated`, {
      namespace,
      scheme: record.scheme,
      value: record.value ?? undefined,
      state: current.state,
    });
  }
  (await session.guard()).identifierDeprecated({ namespace, scheme: record.scheme, identifier: record.value ?? `#${record.seq}` }, record.createdAt, sunset);
  const event = await session.emit(namespace, { type: 'identifier.deprecated', body: { identifier: record.seq, sunset } });
  return outcome('deprecate', record, event);
}

/** Archives one identifier: it keeps resolving, nothing new is written about it. Repeating it is a no-op. */
export async function archiveIdentifier(session: WriteSession, request: ArchiveRequest): Promise<WriteOutcome> {
  const { namespace } = request;
  const record = await session.locate(namespace, request.identifier);
  const current = await session.identifierState(namespace, record.seq);
  // An archived scheme is terminal, so its identifiers are already archived for good.
  const scheme = await session.scheme(namespace, record.scheme);
  if (current.state === 'archived' || scheme.state === 'archived') return outcome('archive', record, null);
  const subject = { namespace, scheme: record.scheme, identifier: record.value ?? `#${record.seq}` };
  (await session.guard()).identifierArchived(subject, record.createdAt, current.state === 'deprecated' ? current.at : null);
  const event = await session.emit(namespace, { type: 'identifier.archived', body: { identifier: record.seq } });
  return outcome('archive', record, event);
}
