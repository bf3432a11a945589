import { type ChainedEvent, GOVERNANCE_LOG, type PlacedEvent } from '../model/events.js';
import type { ExposureFlag, StageFlag } from '../model/flags.js';
import type { JsonObject } from '../model/json.js';
import { type Policy, policyFromJson } from './policy/policy.js';
import type { StoreReader } from '../store/store.js';

/** What an applied contract says of one namespace beyond the rows the registry keeps. */
export interface ContractRecord {
  readonly protected: boolean;
  readonly primary: string | null;
  /** Schemes declared `exposure: flagged`. */
  readonly flagged: readonly string[];
  /** Lifecycle hooks by trigger: each `{ command }` or `{ webhook }`. */
  readonly hooks: Readonly<Record<string, readonly JsonObject[]>>;
}

export type ChangeStatus = 'pending' | 'approved' | 'rejected';

/** A write held for a steward's approval. */
export interface ChangeRequest {
  /** The seq of its `change.requested` event in the governance log: the request's id. */
  readonly id: number;
  readonly namespace: string;
  /** What is asked: `erase`, `deprecate-scheme`, `archive-scheme`, … */
  readonly kind: string;
  readonly request: JsonObject;
  readonly summary: string;
  readonly requester: string;
  readonly requestedAt: string;
  readonly correlationId: string;
  readonly reason: string | null;
  readonly status: ChangeStatus;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decision: string | null;
}

/** A lifecycle hook that ran, and how it ended. */
export interface HookRun {
  readonly seq: number;
  readonly namespace: string;
  readonly scheme: string | null;
  readonly trigger: string;
  readonly hook: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly at: string;
}

/**
 * The registry's governance as its log records it: the policy in force
 * (none until one is applied: an ungoverned registry enforces nothing), the
 * last contract applied, change requests, hook runs, and the flags of
 * each namespace's transition.
 */
export interface GovernanceState {
  /** The governance log's head when read. */
  readonly seq: number;
  readonly policy: Policy | null;
  readonly contract: { readonly version: string; readonly namespaces: ReadonlyMap<string, ContractRecord> } | null;
  readonly changes: ReadonlyMap<number, ChangeRequest>;
  readonly hookRuns: readonly HookRun[];
  /** The latest stage flag of each (namespace, consumer), in the order first set. */
  readonly stages: readonly StageFlag[];
  /** The latest exposure flag of each (namespace, scheme, consumer), in the order first set. */
  readonly exposure: readonly ExposureFlag[];
}

export const UNGOVERNED: GovernanceState = { seq: 0, policy: null, contract: null, changes: new Map(), hookRuns: [], stages: [], exposure: [] };

/** Folds governance events, oldest first, into the state before them. */
export function foldGovernance(before: GovernanceState, events: readonly PlacedEvent[]): GovernanceState {
  let { policy, contract, seq } = before;
  const changes = new Map(before.changes);
  const hookRuns = [...before.hookRuns];
  let { stages, exposure } = before;
  for (const event of events) {
    seq = event.seq;
    switch (event.type) {
      case 'policy.applied':
        policy = policyFromJson(event.body.policy);
        break;
      case 'contract.applied':
        contract = {
          version: event.body.version,
          namespaces: new Map(Object.entries(event.body.namespaces).map(([name, record]) => [name, record as unknown as ContractRecord])),
        };
        break;
      case 'change.requested':
        changes.set(event.seq, {
          id: event.seq,
          namespace: event.body.namespace,
          kind: event.body.kind,
          request: event.body.request,
          summary: event.body.summary,
          requester: event.actor,
          requestedAt: event.at,
          correlationId: event.correlationId,
          reason: event.reason,
          status: 'pending',
          decidedBy: null,
          decidedAt: null,
          decision: null,
        });
        break;
      case 'change.approved':
      case 'change.rejected': {
        const change = changes.get(event.body.request);
        if (change) {
          changes.set(change.id, {
            ...change,
            status: event.type === 'change.approved' ? 'approved' : 'rejected',
            decidedBy: event.actor,
            decidedAt: event.at,
            decision: event.reason,
          });
        }
        break;
      }
      case 'hook.ran':
        hookRuns.push({ seq: event.seq, ...event.body, at: event.at });
        break;
      case 'flag.stage.set': {
        const { namespace, consumer } = event.body;
        stages = replaced(stages, event.body, (flag) => flag.namespace === namespace && flag.consumer === consumer);
        break;
      }
      case 'flag.exposure.set': {
        const { namespace, scheme, consumer } = event.body;
        exposure = replaced(exposure, event.body, (flag) => flag.namespace === namespace && flag.scheme === scheme && flag.consumer === consumer);
        break;
      }
      default:
        break;
    }
  }
  return { seq, policy, contract, changes, hookRuns, stages, exposure };
}

/** `list` with `item` in place of the entry `same` finds, or added at its end; a new array, so states already handed out never change. */
function replaced<T>(list: readonly T[], item: T, same: (entry: T) => boolean): readonly T[] {
  const at = list.findIndex(same);
  return at < 0 ? [...list, item] : list.map((entry, i) => (i === at ? item : entry));
}

/** The state the governance log's events, oldest first, make. */
export function governanceOf(events: readonly PlacedEvent[]): GovernanceState {
  return foldGovernance(UNGOVERNED, events);
}

const PAGE = 1000;

/** Reads the whole governance log (it holds a handful of events per policy, contract or change request). */
export async function readGovernance(reader: Pick<StoreReader, 'events'>): Promise<GovernanceState> {
  const events: ChainedEvent[] = [];
  for (;;) {
    const page = await reader.events(GOVERNANCE_LOG, events.at(-1)?.seq ?? 0, PAGE);
    events.push(...page);
    if (page.length < PAGE) break;
  }
  return governanceOf(events);
}
