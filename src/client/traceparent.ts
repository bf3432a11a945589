import { type Context, isSpanContextValid, trace } from '@opentelemetry/api';
import { formatTraceparent } from '../model/traceparent.js';

/** The W3C `traceparent` of the span active in `ctx`, or undefined when it has no valid span context. */
export function traceparentOf(ctx: Context): string | undefined {
  const span = trace.getSpanContext(ctx);
  if (span === undefined || !isSpanContextValid(span)) return undefined;
  return formatTraceparent(span);
}
