import { Command, CommanderError } from 'commander';
import { packageVersion } from '../version.js';
import { BatchRejectedError, StableIdError, toStableIdError } from '../model/errors.js';
import { CliContext, type CliIO, type GlobalOptions } from './cli-context.js';
import { addCalendarCommand } from './commands/calendar.js';
import { addChangelogCommand } from './commands/changelog.js';
import { addCheckpointCommands } from './commands/checkpoint.js';
import { addDefinitionCommands } from './commands/definitions.js';
import { addDemoCommand } from './commands/demo.js';
import { addDiffCommand } from './commands/diff.js';
import { addFlagCommands } from './commands/flags.js';
import { addGovernanceCommands } from './commands/governance.js';
import { addImportCommand } from './commands/import.js';
import { addKeyCommands } from './commands/keys.js';
import { addMatrixCommand } from './commands/matrix.js';
import { addMigrateCommands } from './commands/migrate.js';
import { addProbeCommands } from './commands/probe.js';
import { addQualityCommand } from './commands/quality.js';
import { ReportedError, addReadCommands } from './commands/reads.js';
import { addServeCommand } from './commands/serve.js';
import { addTokenCommands } from './commands/tokens.js';
import { addVerifyCommand } from './commands/verify.js';
import { addWitnessCommand } from './commands/witness.js';
import { addWriteCommands } from './commands/writes.js';
import { EXIT, EXIT_BY_CODE } from './exit-codes.js';
import { renderFailures } from './render.js';


export function buildProgram(cli: CliContext): Command {
  const program = new Command('stableid')
    .description('The canonical registry of external identifiers: register, alias, rebind, resolve, translate, verify.')
    .version(packageVersion())
    .option('--db <path>', 'the registry database: a SQLite file path or postgres://… (default: $STABLEID_DB or ./.stableid/registry.db)')
    .option('--json', 'print results (and errors) as JSON on stdout')
    .option('--actor <name>', 'who is writing, recorded on every event (default: $STABLEID_ACTOR or cli:<user>)')
    .option('--reason <text>', 'why, recorded on every event this command writes')
    .option('--correlation-id <id>', 'ties the events of this command to a change request or ticket')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => cli.io.stdout.write(text),
      writeErr: (text) => cli.io.stderr.write(text),
    })
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 internal error, 2 usage, 3 not found, 4 conflict,
5 invalid input, 6 integrity (verify, gates, probe, quality --min-score), 7 store unavailable.

Examples:
  $ stableid namespace create order --owner team-orders
  $ stableid scheme add order v1 --format pattern --pattern 'ORD-\\d{6}' --max-length 10
  $ stableid register order v1 ORD-000042 --store docs --collection orders --key 42
  $ stableid resolve order ORD-000042`,
    );
  program.hook('preAction', (_program, action) => {
    cli.setOptions(action.optsWithGlobals<GlobalOptions>());
  });
  addDefinitionCommands(program, cli);
  addWriteCommands(program, cli);
  addReadCommands(program, cli);
  addImportCommand(program, cli);
  addVerifyCommand(program, cli);
  addCheckpointCommands(program, cli);
  addWitnessCommand(program, cli);
  addKeyCommands(program, cli);
  addDiffCommand(program, cli);
  addGovernanceCommands(program, cli);
  addFlagCommands(program, cli);
  addMigrateCommands(program, cli);
  addProbeCommands(program, cli);
  addChangelogCommand(program, cli);
  addMatrixCommand(program, cli);
  addCalendarCommand(program, cli);
  addQualityCommand(program, cli);
  addServeCommand(program, cli);
  addTokenCommands(program, cli);
  addDemoCommand(program, cli);
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const cli = new CliContext(io);
  try {
    await buildProgram(cli).parseAsync([...argv], { from: 'user' });
    return EXIT.OK;
  } catch (error) {
    return reportError(cli, error);
  } finally {
    await cli.close().catch(() => undefined);
  }
}

function reportError(cli: CliContext, thrown: unknown): number {
  if (thrown instanceof CommanderError) {
    const quiet = ['commander.helpDisplayed', 'commander.help', 'commander.version', 'commander.executeSubCommandAsync'];
    return quiet.includes(thrown.code) ? EXIT.OK : EXIT.USAGE;
  }
  if (thrown instanceof ReportedError) return EXIT_BY_CODE[thrown.error.code];
  const error = toStableIdError(thrown);
  if (cli.json) {
    const failures = error instanceof BatchRejectedError ? error.failures.map((f) => ({ index: f.index, line: f.line, error: f.error.toJSON() })) : undefined;
    cli.io.stdout.write(`${JSON.stringify({ error: { ...error.toJSON(), ...(failures ? { failures } : {}) } }, null, 2)}\n`);
  } else {
    cli.io.stderr.write(`stableid: ${error.code}: ${error.message}\n`);
    if (error instanceof BatchRejectedError) cli.io.stderr.write(`${renderFailures(error.failures, error.context['failed'] as number)}\n`);
    if (error.code === 'INTERNAL') {
      cli.io.stderr.write('this is a bug in stableid; set STABLEID_DEBUG=1 to see where it happened\n');
      if (cli.io.env['STABLEID_DEBUG']) cli.io.stderr.write(`${(error.cause as Error | undefined)?.stack ?? ''}\n`);
    }
  }
  return EXIT_BY_CODE[error.code];
}
