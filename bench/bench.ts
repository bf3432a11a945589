/** One row of the bench table: a measured figure, optionally beside a baseline and a verdict. */
export interface BenchResult {
  /** What was measured, e.g. "register". */
  readonly name: string;
  /** The median of the measured runs. */
  readonly value: number;
  /** e.g. "ids/s". */
  readonly unit: string;
  /** Every measured run, in order, so outliers are visible. */
  readonly runs: readonly number[];
  /** The same work done the plainest way, measured in the same process. */
  readonly baseline?: { readonly name: string; readonly value: number; readonly unit: string };
  /** A target and whether it holds, as text (a bench never fails the process). */
  readonly verdict?: string;
}

/** A bench file (`bench/*.bench.ts`) default-exports one of these. */
export interface Bench {
  readonly name: string;
  /** Runs warm-up and measured runs; `log` prints progress lines (stderr). */
  run(log: (line: string) => void): Promise<BenchResult[]>;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Milliseconds taken by `fn`, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatNumber(value: number): string {
  return integer.format(value);
}

export function formatRate(value: number, unit: string): string {
  return `${integer.format(value)} ${unit}`;
}

/** An integer setting from the environment (`fallback` when unset), refused outside [min, max]. */
export function envInteger(variable: string, fallback: number, min: number, max: number): number {
  const raw = process.env[variable];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${variable} must be an integer from ${formatNumber(min)} to ${formatNumber(max)}, got ${JSON.stringify(raw)}`);
  }
  return value;
}
