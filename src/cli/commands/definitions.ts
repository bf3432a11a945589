import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliContext } from '../cli-context.js';
import { renderDefinition, renderNamespace } from '../render.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addDefinitionCommands(program: Command, cli: CliContext): void {
  const namespace = program.command('namespace').description('create and inspect namespaces');

  namespace
    .command('create <name>')
    .description('create a namespace with an owner team and stewards (repeating it is a no-op)')
    .requiredOption('--owner <team>', 'the team that owns the namespace')
    .option('--steward <name>', 'a steward who approves changes (repeatable)', collect, [])
    .option('--description <text>', 'what the namespace identifies')
    .addHelpText('after', '\nExamples:\n  $ stableid namespace create order --owner team-orders --steward alice --steward bob')
    .action(async (name: string, opts: { owner: string; steward: string[]; description?: string }) => {
      const outcome = await cli.registry().createNamespace({ name, owner: opts.owner, stewards: opts.steward, description: opts.description ?? null }, cli.call());
      cli.print(renderDefinition('created', outcome), outcome);
    });

  namespace
    .command('list')
    .description('list namespaces')
    .addHelpText('after', '\nExamples:\n  $ stableid namespace list\n  $ stableid namespace list --json')
    .action(async () => {
      const list = await cli.registry().listNamespaces();
      cli.print(() => (list.length ? list.map((n) => `${n.name.padEnd(20)} owner ${n.owner}`).join('\n') : 'no namespaces yet'), list);
    });

  namespace
    .command('show <name>')
    .description('show a namespace and its schemes with their states')
    .addHelpText('after', '\nExamples:\n  $ stableid namespace show order')
    .action(async (name: string) => {
      const { namespace: ns, schemes } = await cli.registry().getNamespace(name);
      cli.print(() => renderNamespace(ns, schemes), { namespace: ns, schemes });
    });

  const scheme = program.command('scheme').description('add, deprecate and archive identifier schemes');

  scheme
    .command('add <namespace> <name>')
    .description('add an identifier scheme; schemes are never edited: a new format is a new scheme')
    .addOption(new Option('--format <kind>', 'identifier format').choices(['typeid', 'uuidv7', 'uuid', 'ulid', 'integer', 'pattern']).makeOptionMandatory())
    .option('--prefix <prefix>', 'typeid: the type prefix, e.g. ord')
    .option('--pattern <regex>', 'pattern: a regular expression the whole value must match')
    .option('--max-length <n>', 'pattern: the longest value allowed')
    .addOption(new Option('--case <fold>', 'pattern: fold input to this case before matching').choices(['upper', 'lower']))
    .option('--min <n>', 'integer: the smallest value allowed')
    .option('--max <n>', 'integer: the largest value allowed')
    .addOption(new Option('--check-digit <algorithm>', 'append and verify a check digit').choices(['luhn', 'mod97-10']))
    .addHelpText(
      'after',
      `
Examples:
  $ stableid scheme add order v1 --format pattern --pattern 'ORD-\\d{6}' --max-length 10
  $ stableid scheme add order v2 --format typeid --prefix ord
  $ stableid scheme add invoice n --format integer --min 1 --max 99999999 --check-digit luhn`,
    )
    .action(async (namespaceName: string, name: string, opts: Record<string, string | undefined>) => {
      const format: Record<string, unknown> = { kind: opts['format'] };
      if (opts['prefix'] !== undefined) format['prefix'] = opts['prefix'];
      if (opts['pattern'] !== undefined) format['pattern'] = opts['pattern'];
      if (opts['maxLength'] !== undefined) format['maxLength'] = Number(opts['maxLength']);
      if (opts['case'] !== undefined) format['case'] = opts['case'];
      if (opts['min'] !== undefined) format['min'] = opts['min'];
      if (opts['max'] !== undefined) format['max'] = opts['max'];
      if (opts['checkDigit'] !== undefined) format['checkDigit'] = opts['checkDigit'];
      const outcome = await cli.registry().addScheme(namespaceName, name, format, cli.call());
      cli.print(renderDefinition('added', outcome), outcome);
    });

  scheme
    .command('deprecate <namespace> <name>')
    .description('deprecate a whole scheme with a sunset date; its identifiers keep resolving')
    .requiredOption('--sunset <date>', 'ISO 8601 date after which clients must use the replacement')
    .option('--replacement <scheme>', 'the scheme that replaces it')
    .addHelpText('after', '\nExamples:\n  $ stableid scheme deprecate order v1 --sunset 2027-06-30 --replacement v2')
    .action(async (namespaceName: string, name: string, opts: { sunset: string; replacement?: string }) => {
      const outcome = await cli.registry().deprecateScheme(namespaceName, name, opts.sunset, opts.replacement ?? null, cli.call());
      cli.print(renderDefinition('deprecated', outcome), outcome);
    });

  scheme
    .command('archive <namespace> <name>')
    .description('archive a scheme: its identifiers resolve forever, nothing new is written to it')
    .addHelpText('after', '\nExamples:\n  $ stableid scheme archive order v1 --reason "sunset reached, CR-1234"')
    .action(async (namespaceName: string, name: string) => {
      const outcome = await cli.registry().archiveScheme(namespaceName, name, cli.call());
      cli.print(renderDefinition('archived', outcome), outcome);
    });
}
