/** Latency figures of one target's lookups, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** The nearest-rank percentiles of the samples (ms), rounded to microseconds; zeros when there are none. */
export function latencySummary(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (percentile: number): number => {
    if (sorted.length === 0) return 0;
    const rank = Math.max(1, Math.ceil((percentile / 100) * sorted.length));
    return round(sorted[rank - 1] as number);
  };
  return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: at(100) };
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
