import type { Principal, Scope } from './scopes.js';

/**
 * The token store port: API tokens for the HTTP face. It lives beside the
 * registry (the same SQLite file or PostgreSQL schema, in tables of its
 * own) and keeps only a hash of each secret.
 */

/** One token as stored, without its hash: what `get` and `list` answer. */
export interface TokenRecord {
  /** Public: safe to show and to log. */
  readonly id: string;
  /** Recorded as the actor of every event written with the token. */
  readonly actor: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: string;
  readonly createdBy: string;
  /** When it was revoked, or null while it is valid. */
  readonly revokedAt: string | null;
  readonly revokedBy: string | null;
  /** When it last authenticated, to the minute (see `authenticate`), or null if never. */
  readonly lastUsedAt: string | null;
}

export interface NewToken {
  readonly actor: string;
  readonly scopes: readonly Scope[];
  /** Who creates the token, for the audit trail. */
  readonly createdBy: string;
  readonly now: Date;
}

/** A newly created token with its secret: the only time the secret exists outside the caller's hands. */
export interface CreatedToken extends TokenRecord {
  /** `sid_<id>_<key>`; shown once, never stored, never recoverable. */
  readonly secret: string;
}

export interface Revocation {
  readonly token: TokenRecord;
  /** False when the token was already revoked: nothing changed. */
  readonly changed: boolean;
}

export interface TokenStore {
  /** Where the store lives, e.g. "sqlite:/data/registry.db"; never a password. */
  readonly description: string;
  /**
   * Mints a token with a fresh id and secret and stores the secret's hash
   * only. Scopes are validated (at least one; duplicates dropped) and the
   * actor must be non-empty text; otherwise INVALID_ARGUMENT and nothing is
   * stored.
   */
  create(token: NewToken): Promise<CreatedToken>;
  /**
   * The caller a secret belongs to, or null when it is malformed, unknown,
   * revoked, or does not match: callers cannot tell these apart, and the
   * hash comparison takes the same time wherever it differs. The secret is
   * never stored, logged or put in an error. Records `lastUsedAt` when the
   * recorded one is a minute old or more, so that busy tokens do not write
   * on every request.
   */
  authenticate(secret: string, now: Date): Promise<Principal | null>;
  /**
   * Revokes a token from `now` on; TOKEN_NOT_FOUND for an unknown id.
   * Idempotent: a revoked token keeps its first revocation, and `changed`
   * says whether this call revoked it.
   */
  revoke(id: string, now: Date, revokedBy: string): Promise<Revocation>;
  /** Every token, revoked ones included, oldest first (by `createdAt`, then id). */
  list(): Promise<TokenRecord[]>;
  get(id: string): Promise<TokenRecord | undefined>;
  /** Closes the store's connections; later calls fail with STORE_UNAVAILABLE. Idempotent. */
  close(): Promise<void>;
}
