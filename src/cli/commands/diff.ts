import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { StableIdError } from '../../model/errors.js';
import { openRegistry } from '../../open.js';
import type { Registry } from '../../registry/index.js';
import { diffRegistries } from '../../registry/index.js';
import type { CliContext } from '../cli-context.js';
import { renderDiff } from '../render-diff.js';
import { ReportedError } from './reads.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Opens a registry that must already exist: a mistyped path would otherwise be a new, empty registry that differs in everything. */
function openExisting(reference: string, field: string): Registry {
  const file = reference.startsWith('sqlite:') ? reference.slice('sqlite:'.length) : reference;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(reference) && !existsSync(file)) {
    throw new StableIdError('INVALID_ARGUMENT', `there is no registry at ${reference}`, { field });
  }
  return openRegistry(reference);
}

export function addDiffCommand(program: Command, cli: CliContext): void {
  program
    .command('diff')
    .description('compare the current mappings of two registries (a primary and a replica, before and after a restore): range digests first, then each identifier missing or different')
    .argument('<a>', 'a registry: a file path, sqlite:<path> or postgres://…')
    .argument('<b>', 'the registry to compare it with')
    .option('--ns <namespace>', 'compare only this namespace (repeatable; default: every namespace either side has)', collect, [])
    .addHelpText(
      'after',
      '\nBoth registries are only read. Exit code 0 when they hold the same mappings, 6 (REGISTRIES_DIFFER) otherwise.\n\nExamples:\n  $ stableid diff .stableid/registry.db backup/registry.db\n  $ stableid diff postgres://app@primary/ids postgres://app@replica/ids --ns order --json',
    )
    .action(async (a: string, b: string, opts: { ns: string[] }) => {
      const left = openExisting(a, 'a');
      try {
        const right = openExisting(b, 'b');
        try {
          const diff = await diffRegistries(left, right, opts.ns.length > 0 ? opts.ns : undefined);
          cli.print(() => renderDiff(diff, { a, b }), diff);
          if (!diff.ok) {
            const differing = diff.namespaces.filter((n) => n.differences.length > 0);
            const count = differing.reduce((sum, n) => sum + n.differences.length, 0);
            throw new ReportedError(
              new StableIdError('REGISTRIES_DIFFER', `${count} identifier(s) differ between the registries, in ${differing.map((n) => n.namespace).join(', ')}`, {
                namespaces: differing.map((n) => n.namespace),
                identifiers: count,
              }),
            );
          }
        } finally {
          await right.close();
        }
      } finally {
        await left.close();
      }
    });
}
