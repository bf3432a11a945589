import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const HERE = dirname(fileURLToPath(import.meta.url));
const START_TIMEOUT_MS = 600_000; // the read index of 1,000,000 identifiers loads for a few minutes
const STOP_TIMEOUT_MS = 15_000;

/** A server in a child process of its own (bench/http-server.ts); `stop` ends it, gracefully if it can. */
export interface ServerProcess {
  readonly url: string;
  /** The CPU time (user + system) the server has used so far, in microseconds. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Forks bench/http-server.ts with `args` and waits until it listens. With
 * `cpuProfileDir`, the child runs under --cpu-prof and writes its profile
 * there when stopped. The child is killed if this process exits first.
 */
export async function startServerProcess(args: readonly string[], cpuProfileDir?: string): Promise<ServerProcess> {
  const profile = cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`];
  if (cpuProfileDir !== undefined) mkdirSync(cpuProfileDir, { recursive: true });
  const child = fork(join(HERE, 'http-server.ts'), [...args], {
    cwd: dirname(HERE),
    // The read index of a 1,000,000-identifier registry takes a few GB of heap.
    execArgv: ['--import', 'tsx', '--max-old-space-size=8192', ...profile],
    // The child's output joins the bench's progress (stderr), never the table (stdout).
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    try {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      if (!(await settlesWithin(exited, STOP_TIMEOUT_MS))) {
        child.kill('SIGKILL');
        await exited;
      }
    } finally {
      process.off('exit', killOnExit);
    }
  };
  try {
    const url = await listeningUrl(child);
    return { url, cpuMicros: () => cpuMicrosOf(child), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the bench server did not listen within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const onMessage = (message: unknown): void => {
      const url = (message as { url?: unknown } | null)?.url;
      if (typeof url !== 'string') return fail(new Error(`the bench server sent ${JSON.stringify(message)}, not { url }`));
      done();
      resolve(url);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => fail(new Error(`the bench server exited before listening (code ${code}, signal ${signal})`));
    const onError = (error: Error): void => fail(error);
    const done = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage).off('exit', onExit).off('error', onError);
    };
    const fail = (error: Error): void => {
      done();
      reject(error);
    };
    child.on('message', onMessage).once('exit', onExit).once('error', onError);
  });
}

function cpuMicrosOf(child: ChildProcess): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('the bench server did not report its CPU time within 5 s')), 5000);
    const onMessage = (message: unknown): void => {
      const cpu = (message as { cpu?: NodeJS.CpuUsage } | null)?.cpu;
      if (cpu === undefined) return;
      done();
      resolve(cpu.user + cpu.system);
    };
    const onExit = (): void => fail(new Error('the bench server exited'));
    const done = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage).off('exit', onExit);
    };
    const fail = (error: Error): void => {
      done();
      reject(error);
    };
    child.on('message', onMessage).once('exit', onExit);
    child.send('cpu');
  });
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One request of a load: a fresh one is asked for before every send. */
export interface LoadRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: Buffer;
}

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** The next request to send; called once per request, from every connection. */
  readonly next: () => LoadRequest;
  /** Whether a 2xx answer says what it should (e.g. no failed batch item); unchecked when absent. */
  readonly check?: (body: string) => boolean;
}

export interface LoadResult {
  /** 2xx answers per second over the run. */
  readonly requestsPerSecond: number;
  /** How long the load ran, in seconds. */
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly answered: number;
  /** Answers with a status other than 2xx. */
  readonly non2xx: number;
  readonly failedChecks: number;
  /** Connection errors, timeouts included. */
  readonly errors: number;
  readonly timeouts: number;
  /** Count by status code, e.g. { "200": 1234 }. */
  readonly statusCodes: Readonly<Record<string, number>>;
  /** The first answer that was not a 2xx or failed `check`, cut short. */
  readonly firstBad?: { readonly status: number; readonly body: string };
}

/** Loads `url` for `seconds` with autocannon at `connections` concurrent keep-alive connections. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  let failedChecks = 0;
  let firstBad: LoadResult['firstBad'];
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    timeout: 30,
    requests: [
      {
        setupRequest: (request) => {
          const next = options.next();
          const headers = next.body === undefined ? request.headers : { ...request.headers, 'content-type': 'application/json' };
          return { ...request, method: next.method, path: next.path, headers, ...(next.body !== undefined ? { body: next.body } : {}) };
        },
        onResponse: (status, body) => {
          const is2xx = status >= 200 && status < 300;
          if (is2xx && (options.check?.(body) ?? true)) return;
          if (is2xx) failedChecks++;
          firstBad ??= { status, body: body.slice(0, 500) };
        },
      },
    ],
  });
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count ?? 0]));
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    seconds: result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    answered: result['2xx'],
    non2xx: result.non2xx,
    failedChecks,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    ...(firstBad !== undefined ? { firstBad } : {}),
  };
}

/** Why a load measured nothing, or undefined when every request got a good answer. */
export function unanswered(result: LoadResult): string | undefined {
  const problems = [
    result.non2xx > 0 ? `${result.non2xx} non-2xx answers (by status ${JSON.stringify(result.statusCodes)})` : '',
    result.failedChecks > 0 ? `${result.failedChecks} 2xx answers that failed the check` : '',
    result.errors > 0 ? `${result.errors} connection errors (${result.timeouts} timeouts)` : '',
  ].filter((problem) => problem !== '');
  if (problems.length === 0) return undefined;
  const sample = result.firstBad ? `; first bad answer: ${result.firstBad.status} ${result.firstBad.body}` : '';
  return `${problems.join(', ')}${sample}`;
}
