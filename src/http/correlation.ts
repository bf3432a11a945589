import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { remoteSpanContextOf } from './tracing.js';

export const CORRELATION_HEADER = 'x-correlation-id';

/** Visible ASCII, no longer than a log line should carry. */
const CORRELATION_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The correlation id of a request: the caller's `X-Correlation-Id` when it is
 * a sensible token, else the trace id of a valid W3C `traceparent`, else a
 * new UUID. Never fails: a malformed header is ignored, not refused.
 */
export function correlationIdOf(headers: IncomingHttpHeaders): string {
  const given = headers[CORRELATION_HEADER];
  if (typeof given === 'string' && CORRELATION_ID.test(given)) return given;
  return remoteSpanContextOf(headers)?.traceId ?? randomUUID();
}
