import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { correlationIdOf } from '../http/correlation.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../http/errors.js';
import { StableIdError, toStableIdError } from '../model/errors.js';

/** A problem answer, ready for any framework to send. */
export interface ProblemAnswer {
  readonly status: number;
  readonly contentType: string;
  /** The RFC 9457 document, serialised. */
  readonly body: string;
  readonly error: StableIdError;
}

/** Context members the client adds about the service's answer, not about the caller's request. */
const SERVICE_MEMBERS: ReadonlySet<string> = new Set(['source', 'status', 'correlationId']);

/**
 * Codes a shimmed endpoint answers 400 although the identity service answers
 * them 422: to the endpoint's caller an identifier it cannot use is simply a
 * bad request to that endpoint, as a malformed path parameter would be.
 */
const BAD_REQUEST: ReadonlySet<string> = new Set(['INVALID_IDENTIFIER', 'AMBIGUOUS_IDENTIFIER']);

/**
 * The problem+json answer of a shim failure: the registry's stable code, the
 * status the identity service gives that code (one table, src/http/errors.ts;
 * 400 instead of 422 for an identifier the endpoint cannot use),
 * the error's context, and the app's correlation id (from `X-Correlation-Id`
 * or `traceparent`, else new). The service's own correlation id, when the
 * error came from it, is kept as `serviceCorrelationId`.
 */
export function problemAnswer(thrown: unknown, headers: IncomingHttpHeaders): ProblemAnswer {
  const error = toStableIdError(thrown);
  const context: Record<string, unknown> = {};
  for (const [member, value] of Object.entries(error.context)) if (!SERVICE_MEMBERS.has(member)) context[member] = value;
  const serviceCorrelationId = error.context['correlationId'];
  if (typeof serviceCorrelationId === 'string') context['serviceCorrelationId'] = serviceCorrelationId;
  const answered = new StableIdError(error.code, error.message, context, { cause: error.cause ?? error });
  const served = toProblem(answered, correlationIdOf(headers));
  const problem = BAD_REQUEST.has(answered.code) ? { ...served, status: 400 } : served;
  return { status: problem.status, contentType: `${PROBLEM_CONTENT_TYPE}; charset=utf-8`, body: JSON.stringify(problem), error: answered };
}

/** Answers a node:http (or Express) response with a problem; a body too large also closes the connection, whose rest is not read. */
export function writeProblem(response: ServerResponse, problem: ProblemAnswer): void {
  response.statusCode = problem.status;
  response.setHeader('content-type', problem.contentType);
  response.setHeader('content-length', Buffer.byteLength(problem.body));
  if (problem.error.context.rule === 'body.size') response.setHeader('connection', 'close');
  response.end(problem.body);
}
