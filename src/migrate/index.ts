export { type AddedIdentifier, type DocumentView, type IdentifierField, type Migration, defineMigration } from './migration.js';
export { type DocumentChange, type Problem, type ProblemKind, type SchemeValue, changeDocument } from './document-change.js';
export { type DocumentDiff, type IdentifierDiffEntry, type MigrationPlan, type PlanCounts, type PlanOptions, planMigration } from './plan.js';
export { loadMigration } from './load.js';
export { MARKER_FIELD } from './marker.js';
export * from './source/index.js';
