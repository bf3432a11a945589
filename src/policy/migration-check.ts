import type { Migration } from '../migrate/migration.js';
import type { MigrationPlan } from '../migrate/plan.js';
import type { FindingLocation, Judgement, Subject } from '../registry/policy/judgement.js';

/** What of a migration the policy's migration rules read: the module, its text, and its plan when a source was given. */
export interface MigrationUnderCheck {
  readonly migration: Migration;
  /** The module's file, for locations. */
  readonly file: string;
  /** The module's source text, searched for what the rules look for. */
  readonly text: string;
  /** The plan over the source's documents; without it the rules that need documents are not judged. */
  readonly plan: MigrationPlan | null;
}

/** Reads of the clock and of randomness a deterministic transform must not make. */
const IMPURE = /\bDate\s*\.\s*now\b|\bnew\s+Date\s*\(\s*\)|\bMath\s*\.\s*random\b|\bperformance\s*\.\s*now\b|\bprocess\s*\.\s*hrtime\b|\bcrypto\s*\.\s*(?:randomUUID|randomBytes|getRandomValues|randomInt)\b|\brandomUUID\s*\(/;

/** Plan problems by the rule they break. */
const MAPPING_PROBLEMS = new Set(['missing-identifier', 'invalid-identifier', 'dropped-identifier', 'duplicate-identifier', 'identifier-collision']);
const ROLLBACK_PROBLEMS = new Set(['key-collision', 'transform-failed']);

/**
 * The migration rules, judged over one migration module (and its plan):
 * no clock or randomness in what must be deterministic, batch size and rate
 * declared, no identifier or key changed without the registry recording the
 * mapping, a rollback path kept, no re-key without an alias.
 */
export function checkMigration(judgement: Judgement, checked: MigrationUnderCheck): void {
  const { migration, file, text, plan } = checked;
  const subject: Subject = { namespace: migration.namespace, migration: migration.id };
  const at = (pattern: RegExp | string): FindingLocation => locate(file, text, pattern);

  const functions = [
    ['transform', migration.transform],
    ['key', migration.key],
    ...(migration.add ?? []).map((added, i) => [`add[${i}].derive`, added.derive] as const),
  ] as const;
  for (const [name, fn] of functions) {
    if (typeof fn !== 'function') continue;
    const read = IMPURE.exec(fn.toString());
    if (read) judgement.flag('migration-pure', subject, `${name} reads ${read[0].replace(/\s+/g, '')}`, at(IMPURE));
  }

  const settings = migration.settings ?? {};
  const missing = [settings.batchSize === undefined ? 'settings.batchSize' : null, settings.maxRate === undefined ? 'settings.maxRate' : null].filter((m) => m !== null);
  if (missing.length > 0) judgement.flag('migration-rate', subject, `${migration.id} declares no ${missing.join(' or ')}`, at(/settings|export default/));

  if (migration.key !== undefined && (migration.add ?? []).length === 0) {
    judgement.flag('breaking-change', subject, `${migration.id} re-keys its documents without adding an identifier (a re-key without alias)`, at(/\bkey\s*:/));
  }

  if (plan === null) return;
  const byRule = { mapping: new Map<string, number>(), rollback: new Map<string, number>() };
  for (const problem of plan.problems) {
    const tally = MAPPING_PROBLEMS.has(problem.kind) ? byRule.mapping : ROLLBACK_PROBLEMS.has(problem.kind) ? byRule.rollback : null;
    tally?.set(problem.kind, (tally.get(problem.kind) ?? 0) + 1);
  }
  const list = (tally: Map<string, number>): string => [...tally].map(([kind, n]) => `${n} ${kind}`).join(', ');
  if (byRule.mapping.size > 0) judgement.flag('migration-records-mapping', subject, `the plan over ${plan.collection} finds ${list(byRule.mapping)}`, at(/identifier\s*:/));
  if (byRule.rollback.size > 0) judgement.flag('migration-rollback', subject, `the plan over ${plan.collection} finds ${list(byRule.rollback)}: a rollback could not restore one document per key`, at(/\bkey\s*:|transform\s*:/));
}

/** The line and column of the first match in the module's text, else its first line. */
function locate(file: string, text: string, pattern: RegExp | string): FindingLocation {
  const index = typeof pattern === 'string' ? text.indexOf(pattern) : text.search(pattern);
  if (index < 0) return { file, line: 1, column: 1 };
  const before = text.slice(0, index).split('\n');
  return { file, line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
