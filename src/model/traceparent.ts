/** The parts of a W3C Trace Context span context that `traceparent` carries. */
export interface TraceIds {
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** 16 lowercase hex digits. */
  readonly spanId: string;
  /** The trace flags byte (bit 0: sampled). */
  readonly traceFlags: number;
}

/** The W3C `traceparent` header (version 00) naming a span: what the service answers with and the client sends. */
export function formatTraceparent({ traceId, spanId, traceFlags }: TraceIds): string {
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}
