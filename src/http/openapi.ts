import { type ErrorCode, StableIdError } from '../model/errors.js';
import { PROBLEM_CONTENT_TYPE, statusOf } from './errors.js';

/** What every route may answer besides its own errors. */
const ALWAYS: readonly ErrorCode[] = ['INVALID_ARGUMENT', 'STORE_UNAVAILABLE', 'INTERNAL'];

export const READ_GUARANTEES =
  'Read-only, safe and idempotent: it writes nothing and may be retried freely. The answer comes from one consistent snapshot of the registry.';

/**
 * What a caller may expect of an operation's latency, by the work it does.
 * The figures are those bench/http.bench.ts measures on a 2-core machine
 * against a registry of 1,000,000 identifiers on SQLite; PostgreSQL adds a
 * network round trip per store call.
 */
export const LATENCY = {
  process: 'Answers from memory: well under a millisecond.',
  lookup: 'Answered from the in-memory read index: about 0.3 ms of service time; at 50 concurrent clients p50 ≈ 13 ms and p99 ≈ 50 ms, most of it queueing.',
  batch: 'Linear in the batch: about 40–70 µs of service time per identifier, so a batch of 1,000 takes 40–70 ms; batches queue behind one another.',
  page: 'Linear in the page size (`limit`): one range read of the event log.',
  proof:
    'Built from a store snapshot, not the read index: the resolution, the events it rests on and an inclusion proof per event from the stored Merkle tiles. ' +
    'On SQLite, about 2.5 ms of service time over a log of 5,000 events and about 16 ms over 1,000,001 (about 60 proofs/s per process, bench/checkpoint.bench.ts). ' +
    "The answer grows with the log only logarithmically: each event's path holds at most ⌈log2 size⌉ hashes (a few KB in all).",
  write: 'One transaction appending one hash-chained event: a few milliseconds, most of it the store making the write durable.',
  import: 'Linear in the lines: roughly 15,000–20,000 identifiers per second on SQLite, written in transactions of up to 1,000 lines.',
} as const;

export type Latency = keyof typeof LATENCY;

export interface OperationSpec {
  readonly id: string;
  readonly summary: string;
  readonly tag: string;
  readonly guarantees: string;
  /** The latency class of the work it does, stated in the docs. */
  readonly latency: Latency;
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
      description: `${spec.notes ? `${spec.notes}\n\n` : ''}**Guarantees.** ${spec.guarantees}\n\n**Expected latency.** ${LATENCY[spec.latency]}\n\n**Errors** (application/problem+json, \`code\` member):\n${errorList}`,
    },
    errors: response,
  };
}

function problemResponse(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: 'Problem#' } } } };
}
