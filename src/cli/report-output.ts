import { writeFileSync } from 'node:fs';
import { StableIdError } from '../model/errors.js';
import type { CliContext } from './cli-context.js';

/** How the report commands (matrix, calendar, quality) print or write what they built. */

/** A `--format` value, checked against the formats the command writes. */
export function reportFormat<F extends string>(cli: CliContext, text: string | undefined, formats: readonly F[], out: string | undefined): F {
  const format = (text ?? formats[0]) as F;
  if (!formats.includes(format)) {
    throw new StableIdError('INVALID_ARGUMENT', `--format must be one of ${formats.join(', ')}, got ${JSON.stringify(text)}`, { field: 'format' });
  }
  if (cli.json && out === undefined && format !== 'json' && text !== undefined) {
    throw new StableIdError('INVALID_ARGUMENT', `--json prints JSON on stdout: drop --format ${format}, or write it to a file with --out`, { field: 'format' });
  }
  return format;
}

/**
 * Writes the report: to `out` when given (a note on stderr, or with --json a
 * line saying where), else to stdout — the JSON model with --json or
 * `--format json`, else the rendered text.
 */
export function emitReport(cli: CliContext, options: { readonly format: string; readonly out: string | undefined; readonly model: unknown; readonly render: () => string }): void {
  const text = (): string => (options.format === 'json' ? `${JSON.stringify(options.model, null, 2)}\n` : options.render());
  if (options.out !== undefined) {
    try {
      writeFileSync(options.out, text());
    } catch (error) {
      throw new StableIdError('INVALID_ARGUMENT', `cannot write ${options.out}: ${(error as Error).message}`, { field: 'out' }, { cause: error });
    }
    if (cli.json) cli.io.stdout.write(`${JSON.stringify({ out: options.out, format: options.format }, null, 2)}\n`);
    else cli.note(`stableid: wrote ${options.out} (${options.format})`);
    return;
  }
  if (cli.json) cli.io.stdout.write(`${JSON.stringify(options.model, null, 2)}\n`);
  else cli.io.stdout.write(text());
}

/** Collects a repeatable option. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A whole-number option, checked. */
export function wholeNumberOption(option: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new StableIdError('INVALID_ARGUMENT', `--${option} must be a whole number >= ${min}, got ${JSON.stringify(text)}`, { field: option });
  }
  return value;
}
