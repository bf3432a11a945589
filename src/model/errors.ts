/**
 * The one error family of stableid. Every failure a user can meet carries a
 * stable code from {@link ERROR_CODES}; faces map codes to HTTP statuses and
 * exit codes in one table each, and tests assert on codes, never on messages.
 */

export const ERROR_CODES = {
  INVALID_ARGUMENT: 'A request field is missing or malformed.',
  INVALID_IDENTIFIER: 'An identifier does not satisfy its scheme; the failed rule is named.',
  INVALID_SCHEME: 'A scheme definition is malformed.',
  NAMESPACE_NOT_FOUND: 'No namespace with that name exists.',
  NAMESPACE_CONFLICT: 'A namespace with that name exists with a different definition.',
  SCHEME_NOT_FOUND: 'No scheme with that name exists in the namespace.',
  SCHEME_CONFLICT: 'A scheme with that name exists with a different format; schemes are never edited.',
  SCHEME_ARCHIVED: 'The scheme is archived: its identifiers resolve, but nothing new is written to it.',
  IDENTIFIER_NOT_FOUND: 'No identifier with that value exists.',
  IDENTIFIER_CONFLICT: 'The identifier already belongs to another entity or request.',
  ALIAS_CONFLICT: 'The entity already has a different identifier in the target scheme.',
  AMBIGUOUS_IDENTIFIER: 'The value matches identifiers in several schemes; name the scheme.',
  TRANSLATION_NOT_FOUND: 'The entity has no identifier in the requested scheme.',
  STATE_CONFLICT: 'The requested state change is not allowed from the current state.',
  POLICY_VIOLATION: 'The write breaks a rule of the policy in force; `context.rule` names it. Nothing was written.',
  CHANGE_NOT_FOUND: 'No change request with that id.',
  IDENTIFIER_ERASED: 'The identifier value was erased on request and can no longer be shown.',
  BATCH_REJECTED: 'At least one item of a batch failed; nothing of the batch was written.',
  IMPORT_FORMAT: 'A line of an import file cannot be read.',
  MIGRATION_INVALID: 'A migration module is malformed, or its transform is not pure and deterministic, or its plan would lose an external identifier.',
  SOURCE_NOT_FOUND: 'The migration source has no collection (table) of that name.',
  RUN_NOT_FOUND: 'No migration run with that id exists.',
  TOKEN_NOT_FOUND: 'No API token with that id exists.',
  UNAUTHENTICATED: 'The request carries no valid API token (missing, malformed, unknown or revoked).',
  FORBIDDEN: "The API token's scopes do not grant the role this operation needs in this namespace.",
  LEASE_HELD: 'Another runner holds the migration: one runner per migration at a time.',
  GATE_FAILED: 'A migration gate failed: identifiers went missing, were duplicated or collide, or the error budget was spent; the run stopped.',
  LEASE_LOST: 'The writer no longer holds the lease: a newer runner took over, so this write was refused.',
  IMMUTABLE_ROW: 'The database refused to update or delete an append-only row.',
  STORE_UNAVAILABLE: 'The store cannot be opened or reached.',
  STORE_BUSY: 'Concurrent transactions kept colliding (deadlock), or a data store kept throttling, past the retries; the request changed nothing and can be repeated.',
  STORE_SCHEMA: 'The store holds a schema this version cannot use.',
  SERVICE_UNAVAILABLE: 'The identity service cannot be reached (connection refused, timeout, or server errors past the retries on every endpoint).',
  VERIFY_FAILED: 'The event log or a projection diverges from what the log proves.',
  KEY_NOT_FOUND: 'No signing key with that id is known, or its private key is not where it was looked for.',
  KEY_CONFLICT: 'The registry already has an active signing key: rotate it instead of generating another; key files are never overwritten.',
  CHECKPOINT_NOT_FOUND: 'The namespace has no checkpoint of that size, or none that covers the events asked about yet.',
  CHECKPOINT_FORMAT: 'A checkpoint note, public key file or proof document cannot be read.',
  SIGNATURE_INVALID: 'A signature does not verify with the key it names, the key was not valid at the time signed, or no trusted key signed at all.',
  PROOF_FAILED: 'A Merkle proof does not verify: the log is not an append-only extension of the checkpoint (history was rewritten), the proven event is not in the tree, or a mapping proof does not prove the answer it came with.',
  REGISTRIES_DIFFER: 'Two registries compared by `stableid diff` do not hold the same mappings.',
  PROBE_FAILED: 'A probe replay found recorded identifiers that are no longer recognized, resolve to another entity, or could not be looked up.',
  QUALITY_BELOW_MINIMUM: 'A namespace scores below the data quality minimum asked for (`stableid quality --min-score`).',
  INTERNAL: 'An unexpected failure; please report it.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Context that helps a user find what failed. Every field is optional. */
export interface ErrorContext {
  readonly namespace?: string;
  readonly scheme?: string;
  readonly value?: string;
  readonly rule?: string;
  readonly field?: string;
  readonly seq?: number;
  readonly line?: number;
  readonly [key: string]: unknown;
}

export class StableIdError extends Error {
  override readonly name = 'StableIdError';
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.context = Object.freeze({ ...context });
  }

  /** A plain, serialisable view for JSON output and problem documents. */
  toJSON(): { code: ErrorCode; message: string; context: ErrorContext } {
    return { code: this.code, message: this.message, context: this.context };
  }
}

export function isStableIdError(error: unknown, code?: ErrorCode): error is StableIdError {
  return error instanceof StableIdError && (code === undefined || error.code === code);
}

/** One failed item of a batch, by its position in the input. */
export interface BatchFailure {
  readonly index: number;
  readonly line?: number;
  readonly error: StableIdError;
}

export class BatchRejectedError extends StableIdError {
  readonly failures: readonly BatchFailure[];

  constructor(failures: readonly BatchFailure[], total: number) {
    const first = failures[0];
    const where = first ? ` (first: item ${first.line ?? first.index + 1}: ${first.error.code} ${first.error.message})` : '';
    super('BATCH_REJECTED', `${failures.length} of ${total} items failed, nothing was written${where}`, {
      failed: failures.length,
      total,
    });
    this.failures = failures;
  }
}

/** Wraps anything thrown into a StableIdError, keeping the original as `cause`. */
export function toStableIdError(error: unknown): StableIdError {
  if (error instanceof StableIdError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StableIdError('INTERNAL', message, {}, { cause: error });
}
