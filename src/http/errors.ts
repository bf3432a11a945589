import type { FastifyError } from 'fastify';
import { ERROR_CODES, type ErrorCode, StableIdError } from '../model/errors.js';

declare module 'fastify' {
  interface FastifyReply {
    /** The code of the problem document this reply answers with; null while it answers none. Telemetry reads it. */
    errorCode: ErrorCode | null;
  }
}

/**
 * Every error code mapped to an HTTP status, in one place (the CLI's twin is
 * src/cli/exit-codes.ts). The rule of thumb:
 *
 * - 400 the request is malformed (a field missing or of the wrong type, a bad `asOf`);
 * - 401 it carries no valid API token; 403 the token's scopes do not allow it;
 * - 404 it names something the registry does not hold; 410 a value erased on request;
 * - 409 it conflicts with the registry's current state (a write that would contradict it);
 * - 422 it is well formed but its content cannot be processed (an identifier that breaks
 *   its scheme's rule, an ambiguous value: name the scheme);
 * - 5xx only when the server or its store fails — never for a client's mistake.
 */
export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = Object.freeze({
  INVALID_ARGUMENT: 400,
  IMPORT_FORMAT: 400,
  INVALID_IDENTIFIER: 422,
  INVALID_SCHEME: 422,
  AMBIGUOUS_IDENTIFIER: 422,
  BATCH_REJECTED: 422,
  MIGRATION_INVALID: 422,
  NAMESPACE_NOT_FOUND: 404,
  SCHEME_NOT_FOUND: 404,
  IDENTIFIER_NOT_FOUND: 404,
  TRANSLATION_NOT_FOUND: 404,
  SOURCE_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  IDENTIFIER_ERASED: 410,
  TOKEN_NOT_FOUND: 404,
  CHANGE_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NAMESPACE_CONFLICT: 409,
  SCHEME_CONFLICT: 409,
  IDENTIFIER_CONFLICT: 409,
  ALIAS_CONFLICT: 409,
  SCHEME_ARCHIVED: 409,
  STATE_CONFLICT: 409,
  POLICY_VIOLATION: 409,
  LEASE_HELD: 409,
  LEASE_LOST: 409,
  GATE_FAILED: 409,
  // Checkpoints, keys and proofs are handled by the CLI and the library; should the service raise them, they are about what the caller presented.
  KEY_NOT_FOUND: 404,
  KEY_CONFLICT: 409,
  CHECKPOINT_NOT_FOUND: 404,
  CHECKPOINT_FORMAT: 400,
  SIGNATURE_INVALID: 422,
  PROOF_FAILED: 409,
  // Raised by `stableid probe`, never by the service; a probe's findings are about the registry's answers, not a server failure.
  PROBE_FAILED: 409,
  // Raised by `stableid quality --min-score`, never by the service: a finding about the data, not a server failure.
  QUALITY_BELOW_MINIMUM: 409,
  // Raised by `stableid diff`, never by the service: two registries disagree, which says nothing of the request.
  REGISTRIES_DIFFER: 409,
  STORE_UNAVAILABLE: 503,
  STORE_BUSY: 503,
  STORE_SCHEMA: 503,
  SERVICE_UNAVAILABLE: 503,
  VERIFY_FAILED: 500,
  IMMUTABLE_ROW: 500,
  INTERNAL: 500,
});

/**
 * Failures of the HTTP exchange itself rather than of the registry. They
 * carry the code INVALID_ARGUMENT and a `rule` naming what was wrong; the
 * rule, not the code, sets their status.
 */
export const STATUS_BY_RULE: Readonly<Record<string, number>> = Object.freeze({
  'http.route': 404,
  'http.url': 400,
  'http.url-length': 414,
  'http.media-type': 415,
  'body.json': 400,
  'body.size': 413,
  'batch.limit': 413,
  'idempotency.key-reused': 422,
  'usage.report-reused': 422,
});

/** The status a StableIdError is answered with. */
export function statusOf(error: StableIdError): number {
  const rule = error.code === 'INVALID_ARGUMENT' ? error.context.rule : undefined;
  return (typeof rule === 'string' ? STATUS_BY_RULE[rule] : undefined) ?? STATUS_BY_CODE[error.code];
}

/** An RFC 9457 problem document: the standard members, the stable code, and the error's context. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly [context: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The URI (relative to the service root) of a code's problem type; it serves the code's description. */
export const problemType = (code: ErrorCode): string => `/v1/problems/${code}`;

/**
 * The problem document of an error. INTERNAL (and any 5xx not of the store)
 * keeps its message to the logs: the detail says only that it happened.
 */
export function toProblem(error: StableIdError, correlationId: string): Problem {
  const status = statusOf(error);
  const hidden = error.code === 'INTERNAL' || error.code === 'IMMUTABLE_ROW' || error.code === 'VERIFY_FAILED';
  return {
    ...(hidden ? {} : error.context),
    type: problemType(error.code),
    title: ERROR_CODES[error.code],
    status,
    detail: hidden ? 'an unexpected failure; the correlation id identifies it in the service logs' : error.message,
    code: error.code,
    correlationId,
  };
}

const FASTIFY_RULES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'body.json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body.json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body.size',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'http.media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'body.size',
  FST_ERR_BAD_URL: 'http.url',
  FST_ERR_MAX_PARAM_LENGTH: 'http.url-length',
};

/**
 * Whatever a request failed with, as a StableIdError: registry errors as
 * they are; Fastify's validation errors as INVALID_ARGUMENT naming the field;
 * its other client errors (malformed JSON, body too large, …) as
 * INVALID_ARGUMENT with a rule; anything else as INTERNAL.
 */
export function toHttpError(thrown: unknown): StableIdError {
  if (thrown instanceof StableIdError) return thrown;
  const error = thrown as Partial<FastifyError> | null;
  if (error && Array.isArray(error.validation)) return validationError(error as FastifyError);
  const rule = error?.code !== undefined ? FASTIFY_RULES[error.code] : undefined;
  if (rule !== undefined) return new StableIdError('INVALID_ARGUMENT', error?.message ?? rule, { rule }, { cause: thrown });
  if (typeof error?.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new StableIdError('INVALID_ARGUMENT', error.message ?? 'bad request', { rule: 'http.request' }, { cause: thrown });
  }
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new StableIdError('INTERNAL', message, {}, { cause: thrown });
}

function validationError(error: FastifyError): StableIdError {
  // TypeBox reports an unknown member twice; the additionalProperties error names it better.
  const first = error.validation?.find((e) => e.keyword !== 'boolean') ?? error.validation?.[0];
  const params = (first?.params ?? {}) as Record<string, unknown>;
  const where = (first?.instancePath ?? '').split('/').filter((part) => part.length > 0);
  const named = [params['requiredProperties'], params['missingProperty'], params['additionalProperties']]
    .flatMap((p) => (Array.isArray(p) ? p : p === undefined ? [] : [p]))
    .map(String);
  const path = [...where, ...named.slice(0, 1)];
  const field = path.length === 0 ? (error.validationContext ?? 'request') : path.map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
  const context = error.validationContext ?? 'request';
  const message = first?.keyword === 'additionalProperties' ? 'is not a known field' : (first?.message ?? 'is invalid');
  return new StableIdError('INVALID_ARGUMENT', `${context} ${field}: ${message}`, { field, in: context, rule: `schema.${first?.keyword ?? 'invalid'}` }, { cause: error });
}
