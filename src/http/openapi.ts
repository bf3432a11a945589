import { type ErrorCode, StableIdError } from '../model/errors.js';
import { PROBLEM_CONTENT_TYPE, statusOf } from './errors.js';

/** What every route may answer besides its own errors. */
const ALWAYS: readonly ErrorCode[] = ['INVALID_ARGUMENT', 'STORE_UNAVAILABLE', 'INTERNAL'];

export const READ_GUARANTEES =
  'Read-only, safe and idempotent: it writes nothing and may be retried freely. The answer comes from one consistent snapshot of the registry.';

export interface OperationSpec {
  readonly id: string;
  readonly summary: string;
  readonly tag: string;
  readonly guarantees: string;
  /** The error codes this operation answers with, besides INVALID_ARGUMENT, STORE_UNAVAILABLE and INTERNAL. */
  readonly errors: readonly ErrorCode[];
  readonly notes?: string;
  /** Statuses of the HTTP exchange itself (413 for a body too large, …), each with what causes it. */
  readonly transport?: Readonly<Record<number, string>>;
}

/**
 * The documentation part of a route schema: operationId, summary, a
 * description stating the guarantees and every error code with its status,
 * and one problem+json response per error status.
 */
export function operation(spec: OperationSpec) {
  const codes = [...new Set([...spec.errors, ...ALWAYS])];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = statusOf(new StableIdError(code, code));
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const transport = Object.entries(spec.transport ?? {}).map(([status, why]) => `- ${status}: INVALID_ARGUMENT (${why})`);
  const errorList = [...[...byStatus].sort(([a], [b]) => a - b).map(([status, list]) => `- ${status}: ${list.join(', ')}`), ...transport].join('\n');
  const response: Record<number, unknown> = {};
  for (const [status, list] of byStatus) {
    response[status] = problemResponse(list.join(', '));
  }
  for (const [status, why] of Object.entries(spec.transport ?? {})) response[Number(status)] ??= problemResponse(`INVALID_ARGUMENT (${why})`);
  return {
    doc: {
      operationId: spec.id,
      summary: spec.summary,
      tags: [spec.tag],
      description: `${spec.notes ? `${spec.notes}\n\n` : ''}**Guarantees.** ${spec.guarantees}\n\n**Errors** (application/problem+json, \`code\` member):\n${errorList}`,
    },
    errors: response,
  };
}

function problemResponse(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: 'Problem#' } } } };
}
