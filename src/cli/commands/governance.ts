import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { loadMigration } from '../../migrate/load.js';
import { type MigrationPlan, planMigration } from '../../migrate/plan.js';
import { StableIdError } from '../../model/errors.js';
import {
  type ChangeRequest,
  type CheckReport,
  type ContractPlan,
  type MigrationToCheck,
  applyContract,
  planAgainst,
  readContract,
  readPolicy,
  renderCheck,
  runCheck,
  toJunit,
  toSarif,
} from '../../policy/index.js';
import { packageVersion } from '../../version.js';
import type { CliContext } from '../cli-context.js';
import { renderDefinition, renderOutcome } from '../render.js';
import { ReportedError } from './reads.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function renderPlan(plan: ContractPlan): string {
  const lines = [`contract ${plan.version.proposed} (applied: ${plan.version.applied ?? 'none'})`];
  if (plan.changes.length === 0) lines.push(plan.recordChanged ? '  no definition changes; the contract record (version, protection, exposure, hooks) changes' : '  nothing to change');
  for (const planned of plan.changes) lines.push(`  ${planned.breaking ? '!' : '+'} ${planned.summary}${planned.breaking ? '  (breaking)' : ''}`);
  for (const finding of plan.findings) {
    const waived = finding.waiver ? ` [waived: ${finding.waiver.reason}]` : '';
    lines.push(`  ${finding.location ? `${finding.location.file}:${finding.location.line}: ` : ''}${finding.severity} ${finding.rule}: ${finding.message}${waived}`);
  }
  return lines.join('\n');
}

function changeLine(change: ChangeRequest): string {
  const decided = change.status === 'pending' ? '' : ` — ${change.status} by ${change.decidedBy} ${change.decidedAt}${change.decision ? ` (${change.decision})` : ''}`;
  return `${String(change.id).padStart(5)}  ${change.status.padEnd(8)} ${change.namespace.padEnd(12)} ${change.summary}  (by ${change.requester} ${change.requestedAt}${change.reason ? `: ${change.reason}` : ''})${decided}`;
}

/** `plan`, `apply`, `policy`, `check`, `change` and `hooks`: the contract and policy kept in git, carried out and enforced by the registry. */
export function addGovernanceCommands(program: Command, cli: CliContext): void {
  program
    .command('plan')
    .description('show what applying a namespace contract file would change in the registry, and what the policy in force finds')
    .requiredOption('--contract <file>', 'the contract (YAML or JSON)')
    .addHelpText('after', '\nExit code 0 when the plan passes the policy, 4 (POLICY_VIOLATION) when it does not.\n\nExamples:\n  $ stableid plan --contract stableid.contract.yaml\n  $ stableid plan --contract stableid.contract.yaml --json')
    .action(async (opts: { contract: string }) => {
      const plan = await planAgainst(cli.registry(), readContract(opts.contract));
      cli.print(() => renderPlan(plan), plan);
      const [first] = plan.findings.filter((f) => f.severity === 'error' && f.waiver === null);
      if (first) throw new ReportedError(new StableIdError('POLICY_VIOLATION', `${first.rule}: ${first.message}`, { rule: first.rule }));
    });

  program
    .command('apply')
    .description('carry out a namespace contract file: refused (nothing written) unless the policy in force passes it; breaking changes of protected namespaces wait for approval')
    .requiredOption('--contract <file>', 'the contract (YAML or JSON)')
    .addHelpText('after', '\nExamples:\n  $ stableid apply --contract stableid.contract.yaml --actor alice --reason "orders v3 scheme"')
    .action(async (opts: { contract: string }) => {
      const { plan, application } = await applyContract(cli.registry(), readContract(opts.contract), cli.call());
      cli.print(
        () =>
          application === null
            ? `contract ${plan.version.proposed}: nothing to change`
            : [`applied contract ${plan.version.proposed} (event ${application.seq})`, ...application.outcomes.map((o) => `  ${renderDefinition(o.op, o)}`)].join('\n'),
        { plan, application },
      );
    });

  const policy = program.command('policy').description('put a policy file in force, or show the one in force');
  policy
    .command('apply <file>')
    .description('put the policy file in force: from then on every write (CLI, library, HTTP) is judged by it')
    .addHelpText('after', '\nExamples:\n  $ stableid policy apply stableid.policy.yaml --actor alice --reason "deprecation window 90 days"')
    .action(async (file: string) => {
      const result = await cli.registry().applyPolicy(readPolicy(file), cli.call());
      cli.print(`policy from ${file} in force (event ${result.seq})`, result);
    });
  policy
    .command('show')
    .description('the policy in force: rules, severities, parameters and waivers')
    .addHelpText('after', '\nExamples:\n  $ stableid policy show --json')
    .action(async () => {
      const governance = await cli.registry().governance();
      const rules = governance.policy ? [...governance.policy.rules.values()] : [];
      cli.print(
        () =>
          governance.policy === null
            ? 'no policy in force: the registry is ungoverned'
            : [
                ...rules.map((r) => `${r.id.padEnd(26)} ${r.severity.padEnd(8)} ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' ')}`),
                ...governance.policy.waivers.map((w) => `waiver ${w.rule} ${[w.namespace, w.scheme, w.migration].filter(Boolean).join('/') || '*'} until ${w.expires.slice(0, 10)}: ${w.reason}`),
              ].join('\n'),
        { policy: governance.policy === null ? null : { rules, waivers: governance.policy.waivers } },
      );
    });

  program
    .command('check')
    .description('evaluate the policy (a file, else the one in force) over a contract, migration modules and the registry; made for CI')
    .option('--contract <file>', 'the namespace contract to check')
    .option('--policy <file>', 'the policy to check with (default: the policy in force in the registry)')
    .option('--migration <module>', 'a migration module to check (repeatable)', collect, [])
    .option('--source <ref>', 'plan each migration over this data store, so that the rules about its documents are judged too')
    .addOption(new Option('--format <format>', 'output').choices(['human', 'json', 'sarif', 'junit']).default('human'))
    .option('--out <file>', 'write the report to this file instead of stdout')
    .addHelpText(
      'after',
      '\nExit code 0 when no error is found (waived ones aside), 4 (POLICY_VIOLATION) otherwise. Waivers are listed in every report.\n\nExamples:\n  $ stableid check --contract stableid.contract.yaml --policy stableid.policy.yaml\n  $ stableid check --migration migrations/orders-v2.js --source ./app.db --format sarif --out stableid.sarif\n  $ stableid check --contract stableid.contract.yaml --format junit --out stableid-junit.xml',
    )
    .action(async (opts: { contract?: string; policy?: string; migration: string[]; source?: string; format: string; out?: string }) => {
      const migrations: MigrationToCheck[] = [];
      for (const file of opts.migration) migrations.push({ file, plan: opts.source === undefined ? null : await planOver(cli, file, opts.source) });
      const report = await runCheck(cli.registry(), {
        ...(opts.contract ? { contract: readContract(opts.contract) } : {}),
        ...(opts.policy ? { policy: readPolicy(opts.policy) } : {}),
        migrations,
      });
      const text = formatCheck(report, cli.json ? 'json' : opts.format, packageVersion());
      if (opts.out) {
        writeFileSync(opts.out, text);
        cli.note(`${report.ok ? 'passed' : 'FAILED'}: ${report.findings.length} finding(s); report written to ${opts.out}`);
      } else cli.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      const [first] = report.findings.filter((f) => f.severity === 'error' && f.waiver === null);
      if (first) throw new ReportedError(new StableIdError('POLICY_VIOLATION', `${first.rule}: ${first.message}`, { rule: first.rule }));
    });

  const change = program.command('change').description('change requests: breaking changes and erasures held for a steward’s approval');
  change
    .command('list')
    .description('change requests, newest first')
    .addHelpText('after', '\nExamples:\n  $ stableid change list --status pending')
    .addOption(new Option('--status <status>', 'only these').choices(['pending', 'approved', 'rejected']))
    .action(async (opts: { status?: string }) => {
      const changes = [...(await cli.registry().governance()).changes.values()].filter((c) => opts.status === undefined || c.status === opts.status).reverse();
      cli.print(() => (changes.length === 0 ? 'no change requests' : changes.map(changeLine).join('\n')), changes);
    });
  change
    .command('approve <id>')
    .description('approve a change request and carry it out: only a steward of its namespace other than its requester (--actor) may')
    .addHelpText('after', '\nExamples:\n  $ stableid change approve 17 --actor bob')
    .action(async (id: string) => {
      const { change: approved, outcome } = await cli.registry().approveChange(requestId(id), cli.call());
      cli.print(() => `approved change request ${approved.id}: ${'op' in outcome ? renderOutcome(outcome) : renderDefinition('carried out', outcome)}`, { change: approved, outcome });
    });
  change
    .command('reject <id>')
    .description('turn a change request down (needs --reason); nothing of it is written')
    .addHelpText('after', '\nExamples:\n  $ stableid change reject 17 --actor bob --reason "partners still on v1"')
    .action(async (id: string) => {
      const { change: rejected } = await cli.registry().rejectChange(requestId(id), cli.call());
      cli.print(`rejected change request ${rejected.id}: ${rejected.summary}`, { change: rejected });
    });

  program
    .command('hooks')
    .description('lifecycle hooks of the applied contract')
    .command('run-due')
    .description('run the sunset hooks of every scheme whose sunset has passed and whose hooks have not run (for cron), recording each outcome')
    .addHelpText('after', '\nExamples:\n  $ stableid hooks run-due   # e.g. hourly from cron')
    .action(async () => {
      const runs = await cli.registry().runDueHooks(cli.call());
      cli.print(() => (runs.length === 0 ? 'no hook due' : runs.map((r) => `${r.ok ? 'ok  ' : 'FAIL'} ${r.trigger} ${r.namespace}/${r.scheme}: ${r.hook}: ${r.detail}`).join('\n')), runs);
    });
}

function requestId(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new StableIdError('INVALID_ARGUMENT', `a change request id is a positive whole number, not ${JSON.stringify(text)}`, { field: 'id' });
  return id;
}

function formatCheck(report: CheckReport, format: string, version: string): string {
  switch (format) {
    case 'json':
      return JSON.stringify(report, null, 2);
    case 'sarif':
      return JSON.stringify(toSarif(report, version), null, 2);
    case 'junit':
      return toJunit(report);
    default:
      return renderCheck(report);
  }
}

/** The plan of one migration module over a source, for the rules about its documents. */
async function planOver(cli: CliContext, file: string, sourceRef: string): Promise<MigrationPlan> {
  const migration = await loadMigration(file);
  const source = await cli.source(sourceRef);
  return planMigration(cli.registry(), await source.collection(migration.collection), migration);
}
