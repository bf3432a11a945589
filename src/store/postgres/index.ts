export { PostgresStore, type PostgresStoreOptions } from './pg-store.js';
export { DEFAULT_SCHEMA, isPostgresUrl } from './pg-url.js';
export { READER_ROLE } from './schema.js';
