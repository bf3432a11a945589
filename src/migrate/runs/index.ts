export type { BeforeImage, Checkpoint, Lease, RunRecord, RunStatus, RunStore } from './run-store.js';
export { SqliteRunStore } from './sqlite-run-store.js';
export { PostgresRunStore, type PostgresRunStoreOptions } from './postgres-run-store.js';
export { openRunStore } from './open-run-store.js';
