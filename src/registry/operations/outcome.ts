import type { PlacedEvent } from '../../model/events.js';
import type { WriteOp, WriteOutcome } from '../requests.js';
import type { IdentifierRecord } from '../write-session.js';

/** The outcome of an identifier write: `event` is null when the request repeated one already carried out. */
export function outcome(op: WriteOp, record: Pick<IdentifierRecord, 'namespace' | 'seq' | 'scheme' | 'entity' | 'value'>, event: PlacedEvent | null): WriteOutcome {
  return {
    op,
    namespace: record.namespace,
    entity: record.entity,
    scheme: record.scheme,
    value: record.value,
    identifier: record.seq,
    changed: event !== null,
    seq: event?.seq ?? null,
  };
}
