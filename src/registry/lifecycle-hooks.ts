import { spawn } from 'node:child_process';
import type { JsonObject } from '../model/json.js';

/** What a lifecycle hook is told: the change that fired it. */
export interface HookPayload {
  readonly namespace: string;
  readonly scheme: string;
  /** `deprecate`, `sunset` or `archive`. */
  readonly trigger: string;
  readonly sunset: string | null;
  readonly replacement: string | null;
  readonly at: string;
}

export interface HookOutcome {
  readonly ok: boolean;
  /** The command's exit status and last output, or the webhook's HTTP status; cut short. */
  readonly detail: string;
}

/** Runs one hook of a contract (`{ command }` or `{ webhook }`); never throws: a failure is an outcome. */
export type HookRunner = (hook: JsonObject, payload: HookPayload) => Promise<HookOutcome>;

const TIMEOUT_MS = 10_000;
const MAX_DETAIL = 500;

/** How a hook is named in its outcome record. */
export function hookLabel(hook: JsonObject): string {
  return typeof hook['command'] === 'string' ? `command: ${hook['command']}` : `webhook: ${String(hook['webhook'])}`;
}

/**
 * The default runner: a command runs in a shell with the payload as JSON on
 * stdin (and STABLEID_* variables), a webhook gets it as a JSON POST; each
 * has 10 seconds.
 */
export const runHook: HookRunner = async (hook, payload) => {
  if (typeof hook['command'] === 'string') return runCommand(hook['command'], payload);
  if (typeof hook['webhook'] === 'string') return postWebhook(hook['webhook'], payload);
  return { ok: false, detail: 'a hook is either { command } or { webhook }' };
};

function runCommand(command: string, payload: HookPayload): Promise<HookOutcome> {
  return new Promise((resolve) => {
    const child = spawn(command, {
      shell: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: TIMEOUT_MS,
      env: { ...process.env, STABLEID_NAMESPACE: payload.namespace, STABLEID_SCHEME: payload.scheme, STABLEID_TRIGGER: payload.trigger },
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-MAX_DETAIL);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => resolve({ ok: false, detail: `cannot run: ${error.message}`.slice(0, MAX_DETAIL) }));
    child.on('close', (code, signal) => {
      const status = signal ? `killed by ${signal}` : `exit ${code}`;
      resolve({ ok: code === 0, detail: `${status}${output.trim() ? `: ${output.trim()}` : ''}`.slice(0, MAX_DETAIL) });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(payload));
  });
}

async function postWebhook(url: string, payload: HookPayload): Promise<HookOutcome> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.body?.cancel();
    return { ok: response.ok, detail: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, detail: `no answer: ${(error as Error).message}`.slice(0, MAX_DETAIL) };
  }
}
