import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { StableIdError } from '../../model/errors.js';
import type { ItemResult } from '../../registry/registry.js';
import type { IdentifierRef } from '../../registry/requests.js';
import type { CliContext } from '../cli-context.js';
import { renderResolution, renderTranslation } from '../render.js';
import { writeTextFile } from '../text-files.js';

interface ReadOptions {
  scheme?: string;
  asOf?: string;
  file?: string;
}

/** The values named on the command line plus those of --file (one per line). */
async function valuesOf(values: string[], opts: ReadOptions): Promise<IdentifierRef[]> {
  const all = [...values];
  if (opts.file) {
    let text: string;
    try {
      text = await readFile(opts.file, 'utf8');
    } catch (error) {
      throw new StableIdError('INVALID_ARGUMENT', `cannot read ${opts.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { field: 'file' });
    }
    all.push(...text.split(/\r?\n/).filter((line) => line.length > 0));
  }
  if (all.length === 0) throw new StableIdError('INVALID_ARGUMENT', 'name at least one identifier, or --file', { field: 'value' });
  return all.map((value) => (opts.scheme ? { scheme: opts.scheme, value } : { value }));
}

/** Prints a single answer plainly, or a batch item by item; the first failed item sets the exit code. */
function printResults<T>(cli: CliContext, refs: readonly IdentifierRef[], results: readonly ItemResult<T>[], render: (r: T) => string): void {
  const single = results.length === 1 ? results[0] : undefined;
  if (single) {
    if (!single.ok) throw single.error;
    cli.print(() => render(single.result), single.result);
    return;
  }
  cli.print(
    () =>
      results
        .map((item, i) => (item.ok ? render(item.result) : `${refs[i]?.value}: ${item.error.code} ${item.error.message}`))
        .join('\n'),
    results.map((item) => (item.ok ? { ok: true, result: item.result } : { ok: false, error: item.error.toJSON() })),
  );
  const failed = results.find((item) => !item.ok);
  if (failed && !failed.ok) throw new ReportedError(failed.error);
}

/** One resolution with its proof: the proof document on stdout, or in --out with the resolution shown. */
async function resolveWithProof(cli: CliContext, namespace: string, refs: readonly IdentifierRef[], opts: ReadOptions & { out?: string }): Promise<void> {
  const [ref] = refs;
  if (!ref || refs.length > 1) throw new StableIdError('INVALID_ARGUMENT', '--proof proves one identifier at a time', { field: 'proof' });
  const proof = await cli.registry().resolveWithProof(namespace, ref, { asOf: opts.asOf ?? null });
  const document = `${JSON.stringify(proof, null, 2)}\n`;
  if (!opts.out) {
    cli.io.stdout.write(document);
    return;
  }
  writeTextFile(opts.out, document, 'out');
  cli.note(`proof of ${proof.events.length} event(s) against the checkpoint at size ${/^size (\d+)$/m.exec(proof.checkpoint)?.[1] ?? '?'} written to ${opts.out}`);
  cli.print(() => renderResolution(proof.resolution), proof.resolution);
}

/** An error already shown in the output; only its exit code is still due. */
export class ReportedError extends Error {
  readonly error: StableIdError;
  constructor(error: StableIdError) {
    super(error.message);
    this.error = error;
  }
}

export function addReadCommands(program: Command, cli: CliContext): void {
  program
    .command('resolve <namespace> [values...]')
    .description('resolve identifiers to their entity, all its identifiers with states, lineage and binding')
    .option('--scheme <scheme>', 'the scheme of the values (default: every scheme whose format accepts them)')
    .option('--as-of <time>', 'answer with what was true at this ISO 8601 instant')
    .option('--file <path>', 'read more values from a file, one per line')
    .option('--proof', "answer with a proof: the events the mapping rests on, each with its inclusion proof against the namespace's latest checkpoint (one value)")
    .option('--out <file>', 'with --proof: write the proof document to this file and print the resolution')
    .addHelpText(
      'after',
      `
Examples:
  $ stableid resolve order ORD-000042
  $ stableid resolve order ORD-000042 --as-of 2026-01-31T12:00:00Z
  $ stableid resolve order --file ids.txt --json
  $ stableid resolve order ORD-000042 --proof --out ord-42.proof.json   (check it: stableid verify --proof)`,
    )
    .action(async (namespace: string, values: string[], opts: ReadOptions & { proof?: boolean; out?: string }) => {
      const refs = await valuesOf(values, opts);
      if (opts.proof) return resolveWithProof(cli, namespace, refs, opts);
      const results = await cli.registry().resolveMany(namespace, refs, { asOf: opts.asOf ?? null });
      printResults(cli, refs, results, renderResolution);
    });

  program
    .command('translate <namespace> [values...]')
    .description("translate identifiers into the same entities' identifiers in another scheme")
    .requiredOption('--to <scheme>', 'the scheme to translate into')
    .option('--scheme <scheme>', 'the scheme of the values')
    .option('--as-of <time>', 'answer with what was true at this ISO 8601 instant')
    .option('--file <path>', 'read more values from a file, one per line')
    .addHelpText('after', '\nExamples:\n  $ stableid translate order ORD-000042 --to v2\n  $ stableid translate order --file legacy.txt --to v2 --json')
    .action(async (namespace: string, values: string[], opts: ReadOptions & { to: string }) => {
      const refs = await valuesOf(values, opts);
      const results = await cli.registry().translateMany(namespace, refs, opts.to, { asOf: opts.asOf ?? null });
      printResults(cli, refs, results, renderTranslation);
    });

  program
    .command('history <namespace>')
    .description("list the namespace's events, oldest first (values are in the chain only as salted commitments)")
    .option('--after <seq>', 'start after this event', '0')
    .option('--limit <n>', 'at most this many events', '100')
    .addHelpText('after', '\nExamples:\n  $ stableid history order --limit 20\n  $ stableid history order --after 1000 --json')
    .action(async (namespace: string, opts: { after: string; limit: string }) => {
      const after = Number(opts.after);
      const limit = Number(opts.limit);
      if (!Number.isInteger(after) || after < 0 || !Number.isInteger(limit) || limit < 1) {
        throw new StableIdError('INVALID_ARGUMENT', '--after must be a whole number >= 0 and --limit >= 1', { field: 'after' });
      }
      const events = await cli.registry().history(namespace, after, limit);
      cli.print(
        () =>
          events.length === 0
            ? 'no events'
            : events
                .map((e) => `${String(e.seq).padStart(6)} ${e.at} ${e.type.padEnd(22)} ${e.actor}${e.reason ? ` "${e.reason}"` : ''}  ${e.hash.slice(0, 12)}`)
                .join('\n'),
        events,
      );
    });
}
