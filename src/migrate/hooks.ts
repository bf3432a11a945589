import { spawn } from 'node:child_process';
import { StableIdError } from '../model/errors.js';

/** When a hook runs: around each wave, and when a run ends or is rolled back. */
export const HOOK_EVENTS = ['beforeWave', 'afterWave', 'success', 'failure', 'rollback'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** Shell commands by event, from the migration module or the command line (which wins). */
export type Hooks = Partial<Record<HookEvent, string>>;

/** What a hook did, kept on the run. */
export interface HookResult {
  readonly event: HookEvent;
  readonly command: string;
  readonly exitCode: number | null;
  /** The end of what it printed, for the run record. */
  readonly output: string;
  readonly at: string;
}

const TIMEOUT_MS = 60_000;
const KEPT_OUTPUT = 2000;

/** Reads `event=command` pairs (`--hook afterWave=./check.sh`). */
export function parseHook(text: string): [HookEvent, string] {
  const at = text.indexOf('=');
  const event = text.slice(0, at) as HookEvent;
  const command = text.slice(at + 1).trim();
  if (at < 1 || !HOOK_EVENTS.includes(event) || command === '') {
    throw new StableIdError('INVALID_ARGUMENT', `a hook is event=command with event one of ${HOOK_EVENTS.join(', ')}; got ${JSON.stringify(text)}`, { field: 'hook' });
  }
  return [event, command];
}

/**
 * Runs a hook command through the shell with the run's status as JSON on
 * its standard input and in STABLEID_* variables. A hook that does not end
 * within a minute is stopped and counts as failed.
 */
export function runHook(event: HookEvent, command: string, status: { readonly run: string; readonly migration: string; readonly wave?: number; readonly payload: unknown }): Promise<HookResult> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        STABLEID_HOOK: event,
        STABLEID_RUN: status.run,
        STABLEID_MIGRATION: status.migration,
        ...(status.wave !== undefined ? { STABLEID_WAVE: String(status.wave) } : {}),
      },
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-KEPT_OUTPUT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    const done = (exitCode: number | null): void => {
      clearTimeout(timer);
      resolve({ event, command, exitCode, output, at: new Date().toISOString() });
    };
    child.on('error', (error) => {
      keep(Buffer.from(error.message));
      done(null);
    });
    child.on('close', (code) => done(code));
    // A hook that reads nothing must not make the write fail.
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${JSON.stringify({ event, ...status.payload as object })}\n`);
  });
}
