export * from './model/index.js';
export * from './registry/index.js';
export type { Store, StoreReader, StoreTransaction } from './store/store.js';
export { SqliteStore } from './store/sqlite/index.js';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres/index.js';
export { openRegistry, openStore, defaultDatabase } from './open.js';
export * from './import/index.js';
export * from './keys/index.js';
