import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRIC_NAMES } from '../../src/http/metrics.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
/** Generous: the child compiles the CLI with tsx first, on a machine that may be busy. */
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** `stableid serve` in a child process of its own: a real service that can be killed and started again. */
export interface ServeProcess {
  /** The service's base URL, e.g. http://127.0.0.1:41234 (the API is under /v1). */
  readonly url: string;
  readonly port: number;
  /** What the process wrote on stderr so far. */
  stderr(): string;
  /** Sends `signal` and resolves with the exit code (null when the signal ended it) once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** The servers started and not yet exited. */
const running = new Set<ChildProcess>();

/**
 * Starts `node --import tsx src/cli/main.ts --db <db> serve` on 127.0.0.1 at
 * `port` (0: any free one) and resolves once it says it serves, with the URL
 * it printed. Reads need a token (no --open-reads); /metrics does not.
 */
export function startServe(db: string, port = 0): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--db', db, 'serve', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn'], {
    cwd: ROOT,
    env: { ...process.env, STABLEID_ACTOR: 'test' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Whatever a test does, no server outlives the test process.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  running.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      process.off('exit', killOnExit);
      resolve(code);
    });
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  const kill = async (signal: NodeJS.Signals): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return new Promise<ServeProcess>((resolve, reject) => {
    let url: string | undefined;
    const fail = (reason: string): void => {
      if (url !== undefined) return;
      clearTimeout(timer);
      void kill('SIGKILL');
      reject(new Error(`stableid serve ${reason}; its stderr:\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`did not say it serves within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    void exited.then((code) => fail(`exited before serving (code ${code}, signal ${child.signalCode})`));
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const found = /serving (http:\/\/\S+)\/v1 /.exec(stderr);
      if (found === null || url !== undefined) return;
      clearTimeout(timer);
      url = found[1] as string;
      resolve({ url, port: Number(new URL(url).port), stderr: () => stderr, kill });
    });
  });
}

/** Kills every server still running (SIGKILL): for `after` hooks, so that a failed test leaves none behind. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/**
 * The requests a running service has answered, by OpenAPI operation
 * (`resolveIdentifier`, `resolveBatch`, `translateBatch`, …; any status),
 * and the identifiers its batches named, by operation: read from its
 * Prometheus metrics, which count every response.
 */
export async function servedCounts(url: string): Promise<{ requests: Record<string, number>; batchItems: Record<string, number> }> {
  const response = await fetch(`${url}/metrics`);
  if (response.status !== 200) throw new Error(`GET ${url}/metrics answered ${response.status}`);
  const text = await response.text();
  return { requests: sumByOperation(text, `${METRIC_NAMES.requestDuration}_count`), batchItems: sumByOperation(text, `${METRIC_NAMES.batchSize}_sum`) };
}

function sumByOperation(exposition: string, series: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${series}{`)) continue;
    const operation = /operation="([^"]*)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (operation !== undefined && Number.isFinite(value)) sums[operation] = (sums[operation] ?? 0) + value;
  }
  return sums;
}
