import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  json<T = unknown>(): T;
}

/** A scratch registry file and a way to run the CLI in-process against it. */
export function scratch(): { db: string; run: (...argv: string[]) => Promise<CliRun>; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'stableid-cli-'));
  const db = join(dir, 'registry.db');
  const run = async (...argv: string[]): Promise<CliRun> => {
    let stdout = '';
    let stderr = '';
    const err = new PassThrough();
    err.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await runCli(['--db', db, ...argv], {
      stdout: { write: (text: string) => (stdout += text), isTTY: false },
      stderr: err,
      env: { STABLEID_ACTOR: 'test' },
    });
    await new Promise((done) => setImmediate(done));
    return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
  };
  return { db, run, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Serving {
  /** The service's base URL, once the CLI says it listens. */
  readonly url: Promise<string>;
  /** The exit code, once the service has stopped (stop it with `process.emit('SIGTERM', 'SIGTERM')`). */
  readonly exit: Promise<number>;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

/** Runs a CLI command that serves HTTP (`serve`, `demo --serve`) in-process, listening on 127.0.0.1. */
export function serving(argv: readonly string[], env: Readonly<Record<string, string>> = {}): Serving {
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  let listening: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => {
    listening = resolve;
  });
  err.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    const found = /serving (http:\/\/\S+)\/v1 /.exec(stderr);
    if (found) listening(found[1] as string);
  });
  const exit = runCli([...argv], { stdout: { write: (text: string) => (stdout += text), isTTY: false }, stderr: err, env: { STABLEID_HOST: '127.0.0.1', ...env } });
  return { url, exit, stdout: () => stdout, stderr: () => stderr };
}
