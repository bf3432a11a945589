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
