export {
  ALL_NAMESPACES,
  ALWAYS_AUTHENTICATED,
  type Operation,
  type Principal,
  REQUIRED_ROLE,
  ROLES,
  type Role,
  type Scope,
  allows,
  authorize,
  formatScope,
  isRole,
  normalizeScopes,
  parseScope,
  permits,
  requirement,
  roleRank,
  scope,
} from './scopes.js';
export type { CreatedToken, NewToken, Revocation, TokenRecord, TokenStore } from './token-store.js';
export { SqliteTokenStore } from './sqlite-token-store.js';
export { PostgresTokenStore, type PostgresTokenStoreOptions } from './postgres-token-store.js';
export { openTokenStore } from './open-token-store.js';
