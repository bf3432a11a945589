export { type LatencySummary, latencySummary } from './latency.js';
export {
  PROBE_FORMAT,
  PROBE_VERSION,
  type NamespaceSample,
  type Probe,
  type ProbeHeader,
  type ProbeRecord,
  formatProbe,
  parseProbe,
  readProbeFile,
  writeProbeFile,
} from './probe-file.js';
export { PROBE_GATE, probeGateCheck, probeGateSpec } from './probe-gate.js';
export { DEFAULT_PROBE_SIZE, type RecordOptions, recordProbe } from './record.js';
export { DEFAULT_CONCURRENCY, type ReplayOptions, judge, replayProbe } from './replay.js';
export {
  MAX_KEPT_FAILURES,
  type FailureKind,
  type ProbeFailure,
  type ProbeReport,
  type TargetReport,
  describeFailure,
  failedCount,
  failureName,
  probeFailedError,
  summarizeFailures,
} from './report.js';
export { allocate, samplePosition, spreadPick } from './sample.js';
export { type ScheduleOptions, parseInterval, runSchedule } from './schedule.js';
export { MISSING_CODES, type Observation, type ProbeTarget } from './target.js';
export { RegistryTarget } from './targets/registry-target.js';
export { SdkTarget, type SdkTargetOptions } from './targets/sdk-target.js';
export { ServiceTarget, type ServiceTargetOptions } from './targets/service-target.js';
export { ENTITY_HEADER, ShimTarget, type ShimTargetOptions } from './targets/shim-target.js';
