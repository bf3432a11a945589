export type { Answer, BatchItem, Source } from './answer.js';
export { SOURCES } from './answer.js';
export type { BackoffOptions } from './backoff.js';
export type { CacheOptions } from './cache.js';
export type { CircuitBreakerOptions, CircuitState } from './circuit-breaker.js';
export type { Clock } from './clock.js';
export { CLIENT_TRACER_NAME, type IdentifierInput, StableIdClient } from './client.js';
export type { ClientOptions } from './client-options.js';
export type { ProofOptions, VerifiedAnswer, VerifiedResolveOptions } from './proof-check.js';
export type { Checkpoint, MappingProof, TrustedKey } from '../model/proof/index.js';
export { ClientStats, type StatsCounts } from './client-stats.js';
export type { EndpointHealth } from './transport.js';
export {
  DEFAULT_FLAG_CACHE,
  type ExposureAnswer,
  FLAG_ANSWER_SOURCES,
  type FlagAnswerSource,
  type FlagCacheOptions,
  FlagReader,
  type FlagReaderEvent,
  type FlagReaderOptions,
  type FlagsAnswer,
  type StageAnswer,
} from './flag-reader.js';
export { type FlagSource, NO_FLAGS, type NamespaceFlags, type StageChange, type StageChanged, type StageMove } from './flag-source.js';
export { HttpFlagSource } from './http-flag-source.js';
export {
  EXPOSED_FLAG_PREFIX,
  STAGE_FLAG_PREFIX,
  StableIdProvider,
  type StableIdProviderOptions,
  exposedFlagKey,
  parseFlagKey,
  stageFlagKey,
} from './openfeature-provider.js';
export { type Comparator, deepEqual } from './migrator/comparator.js';
export { type Breach, type Guardrail, type GuardrailMeasure, describeBreach } from './migrator/guardrails.js';
export {
  type ExecutionOrder,
  type GuardrailEvent,
  Migrator,
  type MigratorEvent,
  type MigratorOptions,
  type MismatchEvent,
  type ReadCall,
  type WriteCall,
} from './migrator/migrator.js';
export { DURATION_BUCKETS, type MeasuredMigrator, MigratorMetrics } from './migrator/migrator-metrics.js';
export type { ComparisonStats, LatencySummary, MigrationOperation, MigratorStats, PathStats } from './migrator/migrator-stats.js';
export {
  type FailedWrite,
  MemoryReconciliationStore,
  type MigrationPath,
  type ReconciliationEntry,
  ReconciliationQueue,
  type ReconciliationQueueOptions,
  type ReconciliationStore,
  type RecordedError,
  type ReplayResult,
} from './migrator/reconciliation-queue.js';
export { type FlushResult, type UsageReporterOptions, type UsageSample, type UsageSource, UsageReporter } from './usage-reporter.js';
export { ERROR_CODES, type ErrorCode, StableIdError, isStableIdError } from '../model/errors.js';
export type { Resolution, Translation } from '../model/types.js';
export { type ExposureFlag, STAGES, STAGE_PATHS, type Stage, type StageFlag, type StagePaths } from '../model/flags.js';
