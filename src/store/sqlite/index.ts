export { SqliteStore } from './sqlite-store.js';
export { SQLITE_MIGRATIONS } from './schema.js';
