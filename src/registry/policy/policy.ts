import { StableIdError } from '../../model/errors.js';
import type { JsonObject } from '../../model/json.js';
import { RULES, RULE_IDS, type RuleId, type Severity, isRuleId } from './rules.js';

/** A rule as a policy turns it on: how severe, what it says, its parameters. */
export interface RuleSetting {
  readonly id: RuleId;
  readonly severity: Severity;
  readonly message: string;
  readonly params: Readonly<Record<string, number | string>>;
}

/** A rule set aside for one subject until a date, for a reason every report repeats. */
export interface Waiver {
  readonly rule: RuleId;
  readonly namespace: string | null;
  readonly scheme: string | null;
  readonly migration: string | null;
  readonly reason: string;
  /** ISO instant after which the waiver no longer holds. */
  readonly expires: string;
}

export interface Policy {
  readonly rules: ReadonlyMap<RuleId, RuleSetting>;
  readonly waivers: readonly Waiver[];
}

/** The policy of a registry that was never given one: only the rules that are always on. */
export const BASELINE_POLICY: Policy = withAlwaysOn(new Map(), []);

/** The policy with the rules that are always on added, at severity error, where the file left them out. */
export function withAlwaysOn(rules: Map<RuleId, RuleSetting>, waivers: readonly Waiver[]): Policy {
  for (const id of RULE_IDS) {
    const spec = RULES[id];
    if (spec.alwaysOn && !rules.has(id)) rules.set(id, { id, severity: 'error', message: spec.message, params: { ...spec.params } });
  }
  return { rules, waivers };
}

/** The policy as the registry records it (a `policy.applied` event). */
export function policyToJson(policy: Policy): JsonObject {
  return {
    rules: [...policy.rules.values()].map((rule) => ({ id: rule.id, severity: rule.severity, message: rule.message, params: { ...rule.params } })),
    waivers: policy.waivers.map((waiver) => ({ ...waiver })),
  };
}

/** The policy a `policy.applied` event recorded. */
export function policyFromJson(json: JsonObject): Policy {
  const rules = new Map<RuleId, RuleSetting>();
  const listed = Array.isArray(json['rules']) ? json['rules'] : [];
  for (const entry of listed) {
    const rule = entry as unknown as RuleSetting;
    if (!isRuleId(rule.id)) throw new StableIdError('INTERNAL', `a recorded policy names an unknown rule ${JSON.stringify(rule.id)}`);
    rules.set(rule.id, { id: rule.id, severity: rule.severity, message: rule.message, params: rule.params });
  }
  const waivers = (Array.isArray(json['waivers']) ? json['waivers'] : []) as unknown as Waiver[];
  return withAlwaysOn(rules, waivers);
}

/** The waiver that sets `rule` aside for this subject at `now`, if any. */
export function waiverFor(
  policy: Policy,
  rule: RuleId,
  subject: { readonly namespace?: string | null; readonly scheme?: string | null; readonly migration?: string | null },
  now: string,
): Waiver | undefined {
  return policy.waivers.find(
    (waiver) =>
      waiver.rule === rule &&
      waiver.expires > now &&
      (waiver.namespace === null || waiver.namespace === subject.namespace) &&
      (waiver.scheme === null || waiver.scheme === subject.scheme) &&
      (waiver.migration === null || waiver.migration === subject.migration),
  );
}
