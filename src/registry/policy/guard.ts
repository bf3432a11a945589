import { StableIdError } from '../../model/errors.js';
import type { ChangeRequest, GovernanceState } from '../governance.js';
import { type Finding, Judgement, type Subject } from './judgement.js';
import { BASELINE_POLICY } from './policy.js';

/** Whether a write may go ahead now, or waits as a change request for a steward's approval. */
export type Verdict = 'go' | 'hold';

/**
 * The policy in force, judging each write the registry is asked for, from
 * whichever face: a write that breaks a rule (an error not waived) is
 * refused with POLICY_VIOLATION naming the rule, and nothing is written; a
 * breaking change in a protected namespace, and every erasure, is held for
 * approval. A registry no policy was ever applied to is ungoverned: it
 * judges nothing.
 */
export class PolicyGuard {
  readonly #governance: GovernanceState;
  readonly #now: string;
  /** The change request being carried out by its approval: it is judged again, not held again. */
  readonly #approving: ChangeRequest | null;

  constructor(governance: GovernanceState, now: string, approving: ChangeRequest | null = null) {
    this.#governance = governance;
    this.#now = now;
    this.#approving = approving;
  }

  get governed(): boolean {
    return this.#governance.policy !== null;
  }

  namespaceCreated(namespace: string): void {
    this.#judge((j) => j.names({ namespace }));
  }

  schemeAdded(namespace: string, scheme: string): void {
    this.#judge((j) => {
      j.names({ namespace, scheme });
      const flagged = this.#governance.contract?.namespaces.get(namespace)?.flagged ?? [];
      if (!flagged.includes(scheme)) j.flag('exposure-flag', { namespace, scheme }, 'the applied contract does not declare it `exposure: flagged`');
    });
  }

  schemeDeprecated(namespace: string, scheme: string, sunset: string): Verdict {
    this.#judge((j) => j.sunsetWindow({ namespace, scheme }, sunset));
    return this.#breaking(namespace);
  }

  schemeArchived(namespace: string, scheme: string, deprecatedAt: string | null): Verdict {
    this.#judge((j) => j.archiveWindow({ namespace, scheme }, deprecatedAt));
    return this.#breaking(namespace);
  }

  identifierDeprecated(subject: Subject & { namespace: string }, createdAt: string, sunset: string): void {
    this.#judge((j) => {
      j.identifierAge(subject, createdAt);
      j.sunsetWindow(subject, sunset);
    });
  }

  identifierArchived(subject: Subject & { namespace: string }, createdAt: string, deprecatedAt: string | null): void {
    this.#judge((j) => {
      j.identifierAge(subject, createdAt);
      j.archiveWindow(subject, deprecatedAt);
    });
  }

  /**
   * A transition stage skipped, or moved back, needs a reason. Judged in an
   * ungoverned registry too (by the rules that are always on): a stage
   * steers live traffic, so a jump is never made without saying why.
   */
  stageMoved(subject: { namespace: string; consumer: string }, move: 'same' | 'forward' | 'skip' | 'back', from: string, to: string, reason: string | null): void {
    if ((move !== 'skip' && move !== 'back') || reason !== null) return;
    this.#judge((j) => j.flag('stage-order', subject, `${subject.consumer} would ${move === 'skip' ? 'skip' : 'move back'} from ${from} to ${to} without one`), true);
  }

  /** Every erasure of a governed registry waits for a steward. */
  erasure(): Verdict {
    return this.governed && this.#approving === null ? 'hold' : 'go';
  }

  /** A breaking change waits for approval in a protected namespace while the rule is on. */
  #breaking(namespace: string): Verdict {
    const policy = this.#governance.policy;
    if (policy === null || this.#approving !== null || !policy.rules.has('breaking-change')) return 'go';
    return this.#governance.contract?.namespaces.get(namespace)?.protected === true ? 'hold' : 'go';
  }

  /** Judges by the policy in force; with `baseline`, an ungoverned registry by the rules that are always on. */
  #judge(rules: (judgement: Judgement) => void, baseline = false): void {
    const policy = this.#governance.policy ?? (baseline ? BASELINE_POLICY : null);
    if (policy === null) return;
    const judgement = new Judgement(policy, this.#now);
    rules(judgement);
    const [first, ...more] = judgement.violations;
    if (first) throw policyViolation(first, more);
  }
}

/** The error of a refused write: the first rule broken, with every other one in the context. */
export function policyViolation(first: Finding, more: readonly Finding[] = []): StableIdError {
  return new StableIdError('POLICY_VIOLATION', `${first.rule}: ${first.message}${more.length > 0 ? ` (and ${more.length} more)` : ''}`, {
    rule: first.rule,
    ...first.subject,
    violations: [first, ...more].map((finding) => ({ rule: finding.rule, message: finding.message })),
  });
}
