export { type AddedIdentifier, type DocumentView, type IdentifierField, type Migration, type MigrationSettings, defineMigration } from './migration.js';
export { type DocumentChange, type Problem, type ProblemKind, type SchemeValue, changeDocument } from './document-change.js';
export { type DocumentDiff, type IdentifierDiffEntry, type MigrationPlan, type PlanCounts, type PlanOptions, planMigration } from './plan.js';
export { loadMigration } from './load.js';
export { MARKER_FIELD } from './marker.js';
export * from './source/index.js';
// Exported here rather than from source/index.js, which the CLI loads: each brings its client library with it.
export { DynamoSource } from './source/dynamodb/dynamodb-source.js';
export { RedisSource } from './source/redis/redis-source.js';
export {
  type GateCheck,
  type GateCheckResult,
  type GateCheckSpec,
  type GateResult,
  type RunDependencies,
  type RunOptions,
  type RunProgress,
  type RunSettings,
  type WaveRecord,
  continueRun,
  runMigration,
} from './runner.js';
export { type RollbackConflict, type RollbackOptions, type RollbackReport, rollbackRun } from './rollback.js';
export { abortRun, pauseRun, resumeRun, setRunPace } from './control.js';
export { changeNote } from './changelog.js';
export { HOOK_EVENTS, type HookEvent, type Hooks } from './hooks.js';
export { DEFAULT_WAVES, parseWaves } from './waves.js';
export * from './runs/index.js';
