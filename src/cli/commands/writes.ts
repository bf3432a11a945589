import type { Command } from 'commander';
import { StableIdError } from '../../model/errors.js';
import type { Binding } from '../../model/types.js';
import type { IdentifierRef, WriteRequest } from '../../registry/requests.js';
import type { CliContext } from '../cli-context.js';
import { renderOutcome } from '../render.js';

interface BindingOptions {
  store?: string;
  collection?: string;
  key?: string;
}

function bindingFrom(opts: BindingOptions, required: boolean): Binding | null {
  const given = [opts.store, opts.collection, opts.key].filter((v) => v !== undefined).length;
  if (given === 0 && !required) return null;
  if (given !== 3) {
    throw new StableIdError('INVALID_ARGUMENT', 'a binding needs all of --store, --collection and --key', { field: 'binding' });
  }
  return { store: opts.store as string, collection: opts.collection as string, key: opts.key as string };
}

const ref = (value: string, scheme?: string): IdentifierRef => (scheme ? { scheme, value } : { value });

export function addWriteCommands(program: Command, cli: CliContext): void {
  const run = async (request: WriteRequest): Promise<void> => {
    const outcome = await cli.registry().write(request, cli.call());
    cli.print(renderOutcome(outcome), outcome);
  };

  program
    .command('register <namespace> <scheme> <value>')
    .description('register an external identifier as a new entity, optionally bound to where its record lives')
    .option('--store <name>', 'binding: the data store holding the record')
    .option('--collection <name>', 'binding: the collection or table')
    .option('--key <key>', 'binding: the record key inside the collection')
    .addHelpText('after', '\nExamples:\n  $ stableid register order v1 ORD-000042 --store docs --collection orders --key 42')
    .action(async (namespace: string, scheme: string, value: string, opts: BindingOptions) => {
      await run({ op: 'register', namespace, scheme, value, binding: bindingFrom(opts, false) });
    });

  program
    .command('alias <namespace> <value> <scheme> <new-value>')
    .description("add the entity's identifier in another scheme, recording where it came from")
    .option('--from-scheme <scheme>', 'the scheme of <value>, when several could hold it')
    .option('--migration <id>', 'the migration that derived the new identifier')
    .addHelpText('after', '\nExamples:\n  $ stableid alias order ORD-000042 v2 ord_01h455vb4pex5vsknk084sn02q')
    .action(async (namespace: string, value: string, scheme: string, newValue: string, opts: { fromScheme?: string; migration?: string }) => {
      await run({ op: 'alias', namespace, from: ref(value, opts.fromScheme), scheme, value: newValue, migration: opts.migration ?? null });
    });

  program
    .command('rebind <namespace> <value>')
    .description("record that the entity's record moved; earlier bindings stay readable as of their time")
    .requiredOption('--store <name>', 'the data store now holding the record')
    .requiredOption('--collection <name>', 'the collection or table')
    .requiredOption('--key <key>', 'the record key')
    .option('--scheme <scheme>', 'the scheme of <value>')
    .option('--migration <id>', 'the migration that moved it')
    .addHelpText('after', '\nExamples:\n  $ stableid rebind order ORD-000042 --store docs --collection orders_v2 --key ord_01h455vb4pex5vsknk084sn02q')
    .action(async (namespace: string, value: string, opts: BindingOptions & { scheme?: string; migration?: string }) => {
      await run({ op: 'rebind', namespace, identifier: ref(value, opts.scheme), binding: bindingFrom(opts, true) as Binding, migration: opts.migration ?? null });
    });

  program
    .command('deprecate <namespace> <value>')
    .description('deprecate one identifier with a sunset date (whole schemes: scheme deprecate)')
    .requiredOption('--sunset <date>', 'ISO 8601 date')
    .option('--scheme <scheme>', 'the scheme of <value>')
    .addHelpText('after', '\nExamples:\n  $ stableid deprecate order ORD-000042 --sunset 2027-03-31')
    .action(async (namespace: string, value: string, opts: { sunset: string; scheme?: string }) => {
      await run({ op: 'deprecate', namespace, identifier: ref(value, opts.scheme), sunset: opts.sunset });
    });

  program
    .command('archive <namespace> <value>')
    .description('archive one identifier: it keeps resolving, nothing new is written about it')
    .option('--scheme <scheme>', 'the scheme of <value>')
    .addHelpText('after', '\nExamples:\n  $ stableid archive order ORD-000042\n  $ stableid archive order ord_01h455vb4pex5vsknk084sn02q --scheme v2')
    .action(async (namespace: string, value: string, opts: { scheme?: string }) => {
      await run({ op: 'archive', namespace, identifier: ref(value, opts.scheme) });
    });

  program
    .command('erase <namespace> <value>')
    .description('erase an identifier value on a legal request; the chain keeps verifying (requires --reason)')
    .option('--scheme <scheme>', 'the scheme of <value>')
    .addHelpText('after', '\nExamples:\n  $ stableid erase customer CUS-1234 --reason "GDPR art. 17 request #881"')
    .action(async (namespace: string, value: string, opts: { scheme?: string }) => {
      if (!cli.options.reason) {
        throw new StableIdError('INVALID_ARGUMENT', 'erase needs --reason: the legal request it carries out', { field: 'reason' });
      }
      await run({ op: 'erase', namespace, identifier: ref(value, opts.scheme) });
    });
}
