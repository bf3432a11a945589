import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const CORRELATION_HEADER = 'x-correlation-id';

/** Visible ASCII, no longer than a log line should carry. */
const CORRELATION_ID = /^[\x21-\x7e]{1,128}$/;
/** W3C Trace Context: version-traceid-parentid-flags, lowercase hex. */
const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;

/**
 * The correlation id of a request: the caller's `X-Correlation-Id` when it is
 * a sensible token, else the trace id of a valid W3C `traceparent`, else a
 * new UUID. Never fails: a malformed header is ignored, not refused.
 */
export function correlationIdOf(headers: IncomingHttpHeaders): string {
  const given = headers[CORRELATION_HEADER];
  if (typeof given === 'string' && CORRELATION_ID.test(given)) return given;
  const trace = TRACEPARENT.exec(typeof headers.traceparent === 'string' ? headers.traceparent.trim() : '');
  if (trace && trace[1] !== 'ff' && !/^0+$/.test(trace[2] as string) && !/^0+$/.test(trace[3] as string)) return trace[2] as string;
  return randomUUID();
}
