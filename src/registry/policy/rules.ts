/**
 * The rule catalog: every rule a policy file can name, what it guards, its
 * parameters with their defaults, and the message a finding carries unless
 * the policy gives its own. Rule ids are stable: reports, waivers and the
 * registry's POLICY_VIOLATION errors name them.
 */

export const SEVERITIES = ['error', 'warning', 'note'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface RuleSpec {
  readonly summary: string;
  readonly message: string;
  /** Parameters and their defaults. */
  readonly params: Readonly<Record<string, number | string>>;
  /** On whatever the policy file says (it may raise its severity, not turn it off). */
  readonly alwaysOn: boolean;
}

export const RULES = {
  'no-removal': {
    summary: 'Namespaces, schemes and identifiers are never removed.',
    message: 'the contract leaves out what the registry holds; nothing is ever removed, retire it instead (deprecate, then archive)',
    params: {},
    alwaysOn: true,
  },
  'lifecycle-order': {
    summary: 'States only move forward: active, deprecated, archived.',
    message: 'a retired scheme cannot become active again, nor an archived one deprecated',
    params: {},
    alwaysOn: true,
  },
  'namespace-immutable': {
    summary: 'A namespace’s owner, stewards and description are fixed when it is created.',
    message: 'the contract gives the namespace another owner, stewards or description than the registry holds; they cannot be changed',
    params: {},
    alwaysOn: true,
  },
  'format-immutable': {
    summary: 'A scheme’s format is never edited in place: a new format is a new scheme.',
    message: 'the format of an existing scheme differs from the registry’s; add a new scheme instead',
    params: {},
    alwaysOn: false,
  },
  'deprecation-window': {
    summary: 'At least `days` between deprecation and sunset, and between deprecation and archive.',
    message: 'clients need the deprecation window before a sunset or an archive',
    params: { days: 90 },
    alwaysOn: false,
  },
  'identifier-min-active': {
    summary: 'An identifier stays active at least `days` after it was issued.',
    message: 'the identifier was issued too recently to be retired',
    params: { days: 30 },
    alwaysOn: false,
  },
  'exposure-flag': {
    summary: 'A new scheme is exposed to clients only behind its exposure flag.',
    message: 'a new scheme must be declared `exposure: flagged` so that clients see it only once its flag lets them',
    params: {},
    alwaysOn: false,
  },
  naming: {
    summary: 'Namespace and scheme names follow the conventions (`namespace` and `scheme` patterns).',
    message: 'the name breaks the naming convention',
    params: { namespace: '^[a-z][a-z0-9-]*$', scheme: '^v[0-9]+$' },
    alwaysOn: false,
  },
  'breaking-change': {
    summary: 'A breaking change (new primary scheme, sunset, archive, re-key without alias) needs a new major contract version and, in a protected namespace, an approved change request.',
    message: 'a breaking change needs a new major contract version and an approved change request',
    params: {},
    alwaysOn: false,
  },
  'erasure-approval': {
    summary: 'An erasure is a change request a steward other than the requester approves.',
    message: 'an erasure waits for a steward’s approval',
    params: {},
    alwaysOn: true,
  },
  'stage-order': {
    summary: 'Transition stages advance one at a time, in order; a skip or a move back to an earlier stage needs a reason, which the event records.',
    message: 'a transition stage skipped or moved back needs a reason (--reason, X-Reason)',
    params: {},
    alwaysOn: true,
  },
  'migration-records-mapping': {
    summary: 'A migration changes no document key or identifier field without the registry recording the mapping.',
    message: 'the migration would change an identifier or a key without the registry recording the mapping',
    params: {},
    alwaysOn: false,
  },
  'migration-rollback': {
    summary: 'A migration keeps a rollback path: one document per key, so before-images restore each.',
    message: 'the migration has no rollback path',
    params: {},
    alwaysOn: false,
  },
  'migration-rate': {
    summary: 'A migration declares its batch size and rate limit.',
    message: 'the migration declares no batch size or rate limit',
    params: {},
    alwaysOn: false,
  },
  'migration-pure': {
    summary: 'A migration’s transform reads neither the clock nor randomness.',
    message: 'the migration’s transform reads the clock or randomness',
    params: {},
    alwaysOn: false,
  },
} as const satisfies Record<string, RuleSpec>;

export type RuleId = keyof typeof RULES;
export const RULE_IDS = Object.keys(RULES) as RuleId[];

export function isRuleId(value: unknown): value is RuleId {
  return typeof value === 'string' && Object.hasOwn(RULES, value);
}
