import { readdirSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Bench, type BenchResult, formatNumber, formatRate } from './bench.js';

/**
 * Runs every `bench/*.bench.ts` in name order and prints one table. Progress
 * goes to stderr, the table to stdout. Run with `npm run bench`; BENCH_N sets
 * the size where a bench supports it (BENCH_MIGRATE_N for the migrate
 * bench); BENCH_ONLY=migrate,import runs only the benches of those files.
 * The http bench (http.bench.ts) takes BENCH_HTTP_N (registry size, default
 * 1,000,000), BENCH_HTTP_SECONDS (per load, default 10) and
 * BENCH_HTTP_CPU_PROF=<dir> (CPU profiles of its servers). The client bench
 * (client.bench.ts) takes BENCH_CLIENT_N (registry size, default 100,000)
 * and BENCH_CLIENT_SECONDS (per end-to-end load, default 5).
 */
async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const only = process.env['BENCH_ONLY']?.split(',').map((name) => `${name.trim()}.bench.ts`);
  const files = readdirSync(here)
    .filter((name) => name.endsWith('.bench.ts') && (only === undefined || only.includes(name)))
    .sort();
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const rows: { bench: string; result: BenchResult }[] = [];
  for (const file of files) {
    const bench = ((await import(pathToFileURL(join(here, file)).href)) as { default: Bench }).default;
    log(`running ${bench.name} (${file})`);
    for (const result of await bench.run(log)) rows.push({ bench: bench.name, result });
  }
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  process.stdout.write(`\nnode ${process.version}, ${availableParallelism()} cores, ${cpu}\n\n`);
  process.stdout.write(table(rows));
}

function table(rows: readonly { bench: string; result: BenchResult }[]): string {
  const lines = rows.map(({ bench, result }) => [
    bench,
    result.name,
    formatRate(result.value, result.unit),
    result.baseline ? `baseline ${result.baseline.name} ${formatRate(result.baseline.value, result.baseline.unit)}` : '',
    result.verdict ?? '',
    result.runs.map(formatNumber).join(' / '),
  ]);
  const header = ['bench', 'measure', 'median', 'baseline (same run, same machine)', 'target', 'each run'];
  const all = [header, ...lines];
  const widths = header.map((_, column) => Math.max(...all.map((line) => (line[column] ?? '').length)));
  const render = (line: readonly string[]): string =>
    line
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[render(header), widths.map((width) => '-'.repeat(width)).join('  '), ...lines.map(render)].join('\n')}\n`;
}

await main();
