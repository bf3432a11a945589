import { StableIdError } from '../model/errors.js';
import { requireText } from '../registry/validation.js';
import { type Principal, type Scope, formatScope, normalizeScopes, parseScope } from './scopes.js';
import { hashSecret, newSecret, newTokenId, secretMatches } from './token-secret.js';
import type { CreatedToken, NewToken, TokenRecord } from './token-store.js';

/** What both token stores share: columns, row mapping, and the checks every backend makes the same way. */

export type Row = Record<string, unknown>;

/** Every column but `hash`, which no read other than authentication selects. */
export const RECORD_COLUMNS = 'id, actor, scopes, created_at, created_by, revoked_at, revoked_by, last_used_at';

export const INSERT_COLUMNS = 'id, actor, scopes, hash, created_at, created_by';

/** Authentication records a use at most this often per token: a write per request would contend with the registry's writers. */
export const LAST_USED_GRANULARITY_MS = 60_000;

const MAX_ACTOR = 200;

/** A validated token and the row to insert for it; the secret goes to the caller, only its hash to the row. */
export function mintToken(token: NewToken): { created: CreatedToken; values: unknown[] } {
  const actor = requireText('actor', token.actor, MAX_ACTOR);
  const createdBy = requireText('createdBy', token.createdBy, MAX_ACTOR);
  const scopes = normalizeScopes(token.scopes);
  const createdAt = instant('now', token.now);
  const id = newTokenId();
  const secret = newSecret(id);
  const created: CreatedToken = Object.freeze({ id, actor, scopes, createdAt, createdBy, revokedAt: null, revokedBy: null, lastUsedAt: null, secret });
  return { created, values: [id, actor, JSON.stringify(scopes.map(formatScope)), hashSecret(secret), createdAt, createdBy] };
}

export function toTokenRecord(row: Row): TokenRecord {
  return Object.freeze({
    id: String(row['id']),
    actor: String(row['actor']),
    scopes: readScopes(row['scopes']),
    createdAt: String(row['created_at']),
    createdBy: String(row['created_by']),
    revokedAt: optional(row['revoked_at']),
    revokedBy: optional(row['revoked_by']),
    lastUsedAt: optional(row['last_used_at']),
  });
}

/**
 * The principal of a row found by the secret's id, or null. The hash is
 * compared first and in constant time, also when there is no row, so that
 * how long a refusal takes says nothing about why.
 */
export function principalOf(secret: string, row: Row | undefined): Principal | null {
  const matches = secretMatches(secret, row === undefined ? undefined : String(row['hash']));
  if (!matches || row === undefined || row['revoked_at'] !== null) return null;
  return Object.freeze({ id: String(row['id']), actor: String(row['actor']), scopes: readScopes(row['scopes']) });
}

/** Whether a successful authentication should record its time. */
export function lastUseIsStale(row: Row, now: Date): boolean {
  const last = optional(row['last_used_at']);
  return last === null || now.getTime() - Date.parse(last) >= LAST_USED_GRANULARITY_MS;
}

/** When and by whom a revocation happens, validated. */
export function revocation(now: Date, revokedBy: string): { at: string; by: string } {
  return { at: instant('now', now), by: requireText('revokedBy', revokedBy, MAX_ACTOR) };
}

export function instant(field: string, now: Date): string {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new StableIdError('INVALID_ARGUMENT', `${field} must be a valid Date`, { field });
  return now.toISOString();
}

export function tokenNotFound(id: string, where: string): StableIdError {
  return new StableIdError('TOKEN_NOT_FOUND', `no API token with id ${JSON.stringify(id)} in ${where}`, { token: id, store: where });
}

function readScopes(value: unknown): readonly Scope[] {
  const texts = JSON.parse(String(value)) as string[];
  return Object.freeze(texts.map(parseScope));
}

function optional(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
