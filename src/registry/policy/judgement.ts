import { type Policy, type Waiver, waiverFor } from './policy.js';
import type { RuleId, Severity } from './rules.js';

/** What a finding is about. */
export interface Subject {
  readonly namespace?: string;
  readonly scheme?: string;
  readonly identifier?: string;
  readonly migration?: string;
  /** The consumer (service) a transition flag is set for. */
  readonly consumer?: string;
}

/** Where a finding's cause was written, when it came from a file. */
export interface FindingLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One rule broken by one subject: reported by `check`, refused (unless waived) at write time. */
export interface Finding {
  readonly rule: RuleId;
  readonly severity: Severity;
  /** The rule's message, then what in particular broke it. */
  readonly message: string;
  readonly subject: Subject;
  readonly location: FindingLocation | null;
  /** The waiver that sets it aside, listed in every report; null when it counts. */
  readonly waiver: Waiver | null;
}

const DAY_MS = 86_400_000;

/**
 * The findings of one evaluation of a policy at one instant: each rule
 * that is on and broken adds one, waived or not. Rules the policy leaves off
 * find nothing.
 */
export class Judgement {
  readonly policy: Policy;
  /** ISO instant the rules are judged at. */
  readonly now: string;
  readonly findings: Finding[] = [];

  constructor(policy: Policy, now: string) {
    this.policy = policy;
    this.now = now;
  }

  on(rule: RuleId): boolean {
    return this.policy.rules.has(rule);
  }

  /** A parameter of a rule that is on (its default when the file left it out). */
  param<T extends number | string>(rule: RuleId, name: string, fallback: T): T {
    const value = this.policy.rules.get(rule)?.params[name];
    return (typeof value === typeof fallback ? value : fallback) as T;
  }

  /** Records that `subject` breaks `rule` (when the rule is on), with what in particular. */
  flag(rule: RuleId, subject: Subject, detail: string, location: FindingLocation | null = null): void {
    const setting = this.policy.rules.get(rule);
    if (!setting) return;
    this.findings.push({
      rule,
      severity: setting.severity,
      message: `${setting.message}: ${detail}`,
      subject,
      location,
      waiver: waiverFor(this.policy, rule, subject, this.now) ?? null,
    });
  }

  /** The findings that fail a check or refuse a write: errors not waived. */
  get violations(): Finding[] {
    return this.findings.filter((finding) => finding.severity === 'error' && finding.waiver === null);
  }

  // ── the rules judged from facts at hand ─────────────────────────────────

  names(subject: Subject, location: FindingLocation | null = null): void {
    if (!this.on('naming')) return;
    for (const kind of ['namespace', 'scheme'] as const) {
      const name = subject[kind];
      if (name === undefined || (kind === 'namespace' && subject.scheme !== undefined)) continue;
      const pattern = this.param('naming', kind, '');
      if (pattern !== '' && !new RegExp(pattern, 'u').test(name)) this.flag('naming', subject, `${kind} name "${name}" does not match ${pattern}`, location);
    }
  }

  /** A sunset at least the window away from now. */
  sunsetWindow(subject: Subject, sunset: string, location: FindingLocation | null = null): void {
    const days = this.param('deprecation-window', 'days', 90);
    if (Date.parse(sunset) - Date.parse(this.now) < days * DAY_MS) {
      this.flag('deprecation-window', subject, `sunset ${sunset.slice(0, 10)} is less than ${days} days after ${this.now.slice(0, 10)}`, location);
    }
  }

  /** An archive at least the window after the deprecation (and never without one). */
  archiveWindow(subject: Subject, deprecatedAt: string | null, location: FindingLocation | null = null): void {
    const days = this.param('deprecation-window', 'days', 90);
    if (deprecatedAt === null) this.flag('deprecation-window', subject, 'it was never deprecated: deprecate it first, with a sunset date', location);
    else if (Date.parse(this.now) - Date.parse(deprecatedAt) < days * DAY_MS) {
      this.flag('deprecation-window', subject, `it was deprecated on ${deprecatedAt.slice(0, 10)}, less than ${days} days ago`, location);
    }
  }

  /** An identifier retired no sooner than the minimum after it was issued. */
  identifierAge(subject: Subject, createdAt: string): void {
    const days = this.param('identifier-min-active', 'days', 30);
    if (Date.parse(this.now) - Date.parse(createdAt) < days * DAY_MS) {
      this.flag('identifier-min-active', subject, `it was issued on ${createdAt.slice(0, 10)}, less than ${days} days ago`);
    }
  }
}
