import { type Policy, type RuleSetting, type Waiver, withAlwaysOn } from '../registry/policy/policy.js';
import { RULES, RULE_IDS, type RuleId, SEVERITIES, type Severity, isRuleId } from '../registry/policy/rules.js';
import { Shape } from './shape.js';
import { SourceFile } from './source-file.js';

export function readPolicy(file: string): Policy {
  return parsePolicy(SourceFile.read(file));
}

/** Parses a policy file; anything malformed is INVALID_ARGUMENT naming the file, line and field. */
export function parsePolicy(source: SourceFile): Policy {
  const shape = new Shape(source);
  const root = shape.object([], source.data);
  shape.keys([], root, ['rules', 'waivers']);
  const rules = new Map<RuleId, RuleSetting>();
  for (const [i, entry] of (root['rules'] === undefined ? [] : shape.array(['rules'], root['rules'])).entries()) {
    const at = ['rules', i];
    const spec = shape.object(at, entry);
    const id = spec['id'];
    if (!isRuleId(id)) throw source.invalid([...at, 'id'], `names no rule (${RULE_IDS.join(', ')})`);
    if (rules.has(id)) throw source.invalid([...at, 'id'], `rule ${id} is listed twice`);
    const defaults = RULES[id].params as Readonly<Record<string, number | string>>;
    shape.keys(at, spec, ['id', 'severity', 'message', ...Object.keys(defaults)]);
    const severity = spec['severity'] === undefined ? 'error' : shape.string([...at, 'severity'], spec['severity']);
    if (!(SEVERITIES as readonly string[]).includes(severity)) throw source.invalid([...at, 'severity'], `must be one of ${SEVERITIES.join(', ')}`);
    const params: Record<string, number | string> = { ...defaults };
    for (const [name, fallback] of Object.entries(defaults)) {
      const value = spec[name];
      if (value === undefined) continue;
      params[name] = typeof fallback === 'number' ? shape.integer([...at, name], value, 0) : requirePattern(shape, [...at, name], value);
    }
    rules.set(id, {
      id,
      severity: severity as Severity,
      message: spec['message'] === undefined ? RULES[id].message : shape.string([...at, 'message'], spec['message']),
      params,
    });
  }
  const waivers = (root['waivers'] === undefined ? [] : shape.array(['waivers'], root['waivers'])).map((entry, i): Waiver => {
    const at = ['waivers', i];
    const spec = shape.object(at, entry);
    shape.keys(at, spec, ['rule', 'namespace', 'scheme', 'migration', 'reason', 'expires']);
    if (!isRuleId(spec['rule'])) throw source.invalid([...at, 'rule'], `names no rule (${RULE_IDS.join(', ')})`);
    const optional = (key: string): string | null => (spec[key] === undefined ? null : shape.string([...at, key], spec[key]));
    return {
      rule: spec['rule'],
      namespace: optional('namespace'),
      scheme: optional('scheme'),
      migration: optional('migration'),
      reason: shape.string([...at, 'reason'], spec['reason']),
      expires: shape.date([...at, 'expires'], spec['expires']),
    };
  });
  return withAlwaysOn(rules, waivers);
}

function requirePattern(shape: Shape, at: (string | number)[], value: unknown): string {
  const pattern = shape.string(at, value);
  try {
    new RegExp(pattern, 'u');
  } catch {
    throw shape.source.invalid(at, 'must be a valid regular expression');
  }
  return pattern;
}

