import { StableIdError } from '../../model/errors.js';
import { GOVERNANCE_LOG } from '../../model/events.js';
import type { JsonObject } from '../../model/json.js';
import type { ChangeRequest, ContractRecord, GovernanceState } from '../governance.js';
import { type Policy, policyToJson } from '../policy/policy.js';
import type { WriteSession } from '../write-session.js';

/** Records a policy: from its event on, every write through the registry is judged by it. */
export async function applyPolicy(session: WriteSession, policy: Policy): Promise<number> {
  await session.governance();
  const event = await session.emit(GOVERNANCE_LOG, { type: 'policy.applied', body: { policy: policyToJson(policy) } });
  return event.seq;
}

/** Records what a contract says beyond the registry's rows: its version, protected namespaces, primary and flagged schemes, hooks. */
export async function applyContractRecord(session: WriteSession, version: string, namespaces: ReadonlyMap<string, ContractRecord>): Promise<number> {
  await session.governance();
  const body: JsonObject = {};
  for (const [name, record] of namespaces) {
    body[name] = {
      protected: record.protected,
      primary: record.primary,
      flagged: [...record.flagged],
      hooks: Object.fromEntries(Object.entries(record.hooks).map(([trigger, hooks]) => [trigger, [...hooks]])),
    };
  }
  const event = await session.emit(GOVERNANCE_LOG, { type: 'contract.applied', body: { version, namespaces: body } });
  return event.seq;
}

/**
 * The change request `id` as its decider may take it: it exists, waits, and
 * the decider is a steward of its namespace other than the requester (the
 * two-person rule).
 */
export function decidable(governance: GovernanceState, id: number, decider: string, stewards: readonly string[]): ChangeRequest {
  const change = governance.changes.get(id);
  if (!change) throw new StableIdError('CHANGE_NOT_FOUND', `there is no change request ${id}`, { change: id });
  if (change.status !== 'pending') {
    throw new StableIdError('STATE_CONFLICT', `change request ${id} was already ${change.status} by ${change.decidedBy ?? 'someone'}`, { change: id, state: change.status });
  }
  if (!stewards.includes(decider)) {
    throw new StableIdError('FORBIDDEN', `${decider} is not a steward of namespace "${change.namespace}" (stewards: ${stewards.join(', ') || 'none'})`, {
      namespace: change.namespace,
      change: id,
      rule: 'two-person',
    });
  }
  if (decider === change.requester) {
    throw new StableIdError('FORBIDDEN', `change request ${id} was made by ${decider}: another steward must decide it (two-person rule)`, {
      namespace: change.namespace,
      change: id,
      rule: 'two-person',
    });
  }
  return change;
}

/** Records the decision on a change request (its execution, when approved, is the caller's, in the same transaction). */
export async function decide(session: WriteSession, change: ChangeRequest, approved: boolean): Promise<number> {
  const event = await session.emit(GOVERNANCE_LOG, { type: approved ? 'change.approved' : 'change.rejected', body: { request: change.id } });
  return event.seq;
}
