import { StableIdError } from '../model/errors.js';
import { type RunSettings, json, requireRun, runSettings } from './runner.js';
import type { RunRecord, RunStatus, RunStore } from './runs/run-store.js';

/*
 * What an operator changes of a run from outside it: the runner reads its
 * record before every batch, so a pause, an abort or new settings take
 * effect at the next batch.
 */

const now = (): string => new Date().toISOString();

async function move(runs: RunStore, id: string, from: readonly RunStatus[], to: RunStatus, verb: string): Promise<RunRecord> {
  const run = await requireRun(runs, id);
  if (!from.includes(run.status)) throw new StableIdError('STATE_CONFLICT', `run ${id} is ${run.status}: it cannot be ${verb}`, { run: id, status: run.status });
  await runs.updateRun(id, { status: to, wave: run.wave, details: run.details, updatedAt: now() });
  return { ...run, status: to };
}

/** Stops the run after its current batch; `migrate resume` (or run) goes on from its checkpoints. */
export function pauseRun(runs: RunStore, id: string): Promise<RunRecord> {
  return move(runs, id, ['running', 'pending'], 'paused', 'paused');
}

/** Gives the run up: it stops after its current batch and is never resumed; what it wrote stays until rolled back. */
export function abortRun(runs: RunStore, id: string): Promise<RunRecord> {
  return move(runs, id, ['running', 'pending', 'paused', 'gated', 'failed'], 'aborted', 'aborted');
}

/** Marks a paused run to go on; the next `migrate run` of its migration picks it up. */
export function resumeRun(runs: RunStore, id: string): Promise<RunRecord> {
  return move(runs, id, ['paused'], 'running', 'resumed');
}

/** Changes the pace of a run, taken up at its next batch. */
export async function setRunPace(runs: RunStore, id: string, change: Partial<Pick<RunSettings, 'batchTimeMs' | 'maxRate' | 'batchSize'>>): Promise<RunRecord> {
  const run = await requireRun(runs, id);
  if (run.status === 'completed' || run.status === 'rolled-back' || run.status === 'aborted') {
    throw new StableIdError('STATE_CONFLICT', `run ${id} is ${run.status}: its pace no longer matters`, { run: id, status: run.status });
  }
  const settings = { ...runSettings(run), ...change };
  const details = { ...run.details, settings: json(settings) };
  await runs.updateRun(id, { status: run.status, wave: run.wave, details, updatedAt: now() });
  return { ...run, details };
}
