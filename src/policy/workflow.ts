import { readFileSync } from 'node:fs';
import { loadMigration } from '../migrate/load.js';
import type { MigrationPlan } from '../migrate/plan.js';
import { type Finding, Judgement } from '../registry/policy/judgement.js';
import { policyViolation } from '../registry/policy/guard.js';
import { BASELINE_POLICY, type Policy } from '../registry/policy/policy.js';
import type { ContractApplication, Registry } from '../registry/registry.js';
import { type CheckReport, checkReport } from './check-report.js';
import type { Contract } from './contract.js';
import { type ContractPlan, planContract } from './contract-plan.js';
import { type MigrationUnderCheck, checkMigration } from './migration-check.js';

/** The plan of a contract against a registry, judged by the policy in force there (or `policy`, when given). */
export async function planAgainst(registry: Registry, contract: Contract, options: { policy?: Policy; now?: string } = {}): Promise<ContractPlan> {
  const [definitions, governance] = await Promise.all([registry.definitions(), registry.governance()]);
  const policy = options.policy ?? governance.policy ?? BASELINE_POLICY;
  return planContract(contract, definitions, governance, policy, options.now ?? new Date().toISOString());
}

/**
 * Carries out a contract: refused with POLICY_VIOLATION (nothing written)
 * when the policy in force finds an error not waived; else every change in
 * one transaction, breaking changes of protected namespaces held for
 * approval. Nothing to do writes nothing.
 */
export async function applyContract(registry: Registry, contract: Contract, context: { actor?: string; reason?: string | null } = {}): Promise<{ plan: ContractPlan; application: ContractApplication | null }> {
  const plan = await planAgainst(registry, contract);
  const violations = plan.findings.filter((finding) => finding.severity === 'error' && finding.waiver === null);
  const [first, ...more] = violations;
  if (first) throw policyViolation(first, more);
  if (plan.changes.length === 0 && !plan.recordChanged) return { plan, application: null };
  const application = await registry.applyContract(contract.version, plan.records, plan.changes.map((planned) => planned.change), context);
  return { plan, application };
}

/** A migration module to check, with its plan over a source when one was made. */
export interface MigrationToCheck {
  readonly file: string;
  readonly plan?: MigrationPlan | null;
}

/**
 * `stableid check`: the policy (a file's, else the registry's) over a
 * contract, migration modules and the registry they are meant for.
 */
export async function runCheck(
  registry: Registry,
  inputs: { contract?: Contract; policy?: Policy; migrations?: readonly MigrationToCheck[]; now?: string },
): Promise<CheckReport> {
  const now = inputs.now ?? new Date().toISOString();
  const policy = inputs.policy ?? (await registry.governance()).policy ?? BASELINE_POLICY;
  const findings: Finding[] = [];
  const checked: string[] = [];
  if (inputs.contract) {
    findings.push(...(await planAgainst(registry, inputs.contract, { policy, now })).findings);
    checked.push(inputs.contract.source.file);
  }
  for (const module of inputs.migrations ?? []) {
    const judgement = new Judgement(policy, now);
    const migration = await loadMigration(module.file);
    const under: MigrationUnderCheck = { migration, file: module.file, text: readFileSync(module.file, 'utf8'), plan: module.plan ?? null };
    checkMigration(judgement, under);
    findings.push(...judgement.findings);
    checked.push(module.file);
  }
  return checkReport(policy, findings, checked, now);
}
