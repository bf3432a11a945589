import { ERROR_CODES, type ErrorCode, StableIdError } from '../model/errors.js';

const STANDARD_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'code']);

const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);

/**
 * The StableIdError of a problem+json document: its code, its detail as the
 * message, and its extension members (namespace, value, rule, correlationId, …)
 * as the context. A document without a known code becomes INTERNAL.
 */
export function errorOfProblem(document: unknown, status: number): StableIdError {
  const problem = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>;
  const context: Record<string, unknown> = { status };
  for (const [member, value] of Object.entries(problem)) if (!STANDARD_MEMBERS.has(member)) context[member] = value;
  const detail = typeof problem['detail'] === 'string' ? problem['detail'] : `the service answered ${status}`;
  const code = problem['code'];
  if (isErrorCode(code)) return new StableIdError(code, detail, context);
  return new StableIdError('INTERNAL', detail, { ...context, code });
}

/** The same error, its context naming where the answer came from. */
export const withSource = (error: StableIdError, source: string): StableIdError =>
  new StableIdError(error.code, error.message, { ...error.context, source }, { cause: error.cause });
