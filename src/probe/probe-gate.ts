import { resolve } from 'node:path';
import type { GateCheck, GateCheckSpec } from '../migrate/runner.js';
import type { JsonObject } from '../migrate/source/source.js';
import { StableIdError } from '../model/errors.js';
import { readProbeFile } from './probe-file.js';
import { replayProbe } from './replay.js';
import { summarizeFailures } from './report.js';
import { RegistryTarget } from './targets/registry-target.js';

/** The kind of the probe's gate check in a run's settings. */
export const PROBE_GATE = 'probe';

/** Failures a wave's record keeps of a failed probe. */
const KEPT = 100;

/** The run setting that has every gate replay the probe file (kept as an absolute path, so that a resume from elsewhere finds it). */
export const probeGateSpec = (file: string): GateCheckSpec => ({ kind: PROBE_GATE, file: resolve(file) });

/**
 * The probe as a migration gate check: the probe file is read again and
 * replayed through the run's registry; any identifier no longer recognized
 * or resolving to another entity fails the gate, named in its reasons.
 */
export const probeGateCheck: GateCheck = async (spec, { registry }) => {
  const file = spec['file'];
  if (typeof file !== 'string') throw new StableIdError('INVALID_ARGUMENT', 'the probe gate check names no probe file', { field: 'probe' });
  const report = await replayProbe(await readProbeFile(file), [new RegistryTarget(registry)]);
  const [target] = report.targets;
  const details = { file, records: report.records, ...(target ? { ...target, failures: target.failures.slice(0, KEPT) } : {}) };
  return {
    ok: report.ok,
    reasons: summarizeFailures(report).map((summary) => `probe ${file}: ${summary}`),
    details: JSON.parse(JSON.stringify(details)) as JsonObject,
  };
};
