import { StableIdError } from '../../model/errors.js';
import type { Stage } from '../../model/flags.js';

/**
 * Thresholds a stage declares for the new path — the implementation being
 * migrated to. Each is judged over the last `window` calls made in the
 * stage (comparisons: the last `window` compared reads), once at least
 * `minSamples` of them are in; crossing any moves the consumer back one stage.
 */
export interface Guardrail {
  /** The least share of compared reads whose answers agree, 0–1. */
  readonly minConsistency?: number;
  /** The largest share of new-path calls that may fail, 0–1. */
  readonly maxErrorRate?: number;
  /** The largest 99th percentile of new-path latency, in ms. */
  readonly maxLatencyMs?: number;
  /** How many samples a measure needs before it is judged (default 20). */
  readonly minSamples?: number;
  /** How many of the latest samples are judged (default 100). */
  readonly window?: number;
}

export type GuardrailMeasure = 'consistency' | 'errorRate' | 'latency';

/** A threshold crossed: the measure's value over the window, and the samples it was judged on. */
export interface Breach {
  readonly measure: GuardrailMeasure;
  readonly value: number;
  readonly threshold: number;
  readonly samples: number;
}

const share = (field: string, value: number | undefined): void => {
  if (value !== undefined && !(value >= 0 && value <= 1)) throw new StableIdError('INVALID_ARGUMENT', `guardrail ${field} must be between 0 and 1, not ${value}`, { field });
};

/** The guardrail with its defaults, checked and frozen. */
export function guardrailOf(stage: Stage, guardrail: Guardrail): Required<Pick<Guardrail, 'minSamples' | 'window'>> & Guardrail {
  const minSamples = guardrail.minSamples ?? 20;
  const window = guardrail.window ?? Math.max(100, minSamples);
  share(`${stage}.minConsistency`, guardrail.minConsistency);
  share(`${stage}.maxErrorRate`, guardrail.maxErrorRate);
  if (guardrail.maxLatencyMs !== undefined && !(guardrail.maxLatencyMs >= 0)) {
    throw new StableIdError('INVALID_ARGUMENT', `guardrail ${stage}.maxLatencyMs must be a non-negative number`, { field: `${stage}.maxLatencyMs` });
  }
  if (!Number.isInteger(minSamples) || minSamples < 1 || !Number.isInteger(window) || window < minSamples) {
    throw new StableIdError('INVALID_ARGUMENT', `guardrail ${stage} needs whole minSamples >= 1 and window >= minSamples`, { field: `${stage}.window` });
  }
  return Object.freeze({ ...guardrail, minSamples, window });
}

/** The last `size` booleans, with the count of true ones kept as they come and go. */
class Ring {
  readonly #values: boolean[] = [];
  #next = 0;
  #trues = 0;

  constructor(readonly size: number) {}

  get length(): number {
    return this.#values.length;
  }

  get trues(): number {
    return this.#trues;
  }

  push(value: boolean): void {
    if (this.#values.length < this.size) this.#values.push(value);
    else {
      if (this.#values[this.#next] === true) this.#trues -= 1;
      this.#values[this.#next] = value;
      this.#next = (this.#next + 1) % this.size;
    }
    if (value) this.#trues += 1;
  }

  clear(): void {
    this.#values.length = 0;
    this.#next = 0;
    this.#trues = 0;
  }
}

/** The 99th percentile (nearest rank) of some latencies. */
export function p99(latencies: readonly number[]): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)] ?? 0;
}

/**
 * The samples one stage's guardrail is judged on. Every measure is kept as
 * it comes, so judging after each call costs no sort: the 99th percentile
 * exceeds the limit exactly when more than `n - ceil(0.99 n)` samples do.
 */
export class GuardrailWindow {
  readonly #guardrail: ReturnType<typeof guardrailOf>;
  readonly #errors: Ring;
  readonly #slow: Ring;
  readonly #latencies: number[] = [];
  #latencyNext = 0;
  readonly #mismatches: Ring;

  constructor(guardrail: ReturnType<typeof guardrailOf>) {
    this.#guardrail = guardrail;
    this.#errors = new Ring(guardrail.window);
    this.#slow = new Ring(guardrail.window);
    this.#mismatches = new Ring(guardrail.window);
  }

  /** One call that ran the new path. */
  call(failed: boolean, latencyMs: number): void {
    this.#errors.push(failed);
    const { maxLatencyMs, window } = this.#guardrail;
    if (maxLatencyMs === undefined) return;
    this.#slow.push(latencyMs > maxLatencyMs);
    if (this.#latencies.length < window) this.#latencies.push(latencyMs);
    else {
      this.#latencies[this.#latencyNext] = latencyMs;
      this.#latencyNext = (this.#latencyNext + 1) % window;
    }
  }

  /** One compared read. */
  compared(matched: boolean): void {
    this.#mismatches.push(!matched);
  }

  /** The thresholds crossed now, if any. */
  breaches(): Breach[] {
    const { minConsistency, maxErrorRate, maxLatencyMs, minSamples } = this.#guardrail;
    const found: Breach[] = [];
    const calls = this.#errors.length;
    if (minConsistency !== undefined && this.#mismatches.length >= minSamples) {
      const samples = this.#mismatches.length;
      const value = (samples - this.#mismatches.trues) / samples;
      if (value < minConsistency) found.push({ measure: 'consistency', value, threshold: minConsistency, samples });
    }
    if (maxErrorRate !== undefined && calls >= minSamples) {
      const value = this.#errors.trues / calls;
      if (value > maxErrorRate) found.push({ measure: 'errorRate', value, threshold: maxErrorRate, samples: calls });
    }
    if (maxLatencyMs !== undefined && this.#slow.length >= minSamples) {
      const samples = this.#slow.length;
      if (this.#slow.trues > samples - Math.ceil(0.99 * samples)) found.push({ measure: 'latency', value: p99(this.#latencies), threshold: maxLatencyMs, samples });
    }
    return found;
  }

  /** Starts over: a breach is acted on once, and the next one needs fresh samples. */
  clear(): void {
    this.#errors.clear();
    this.#slow.clear();
    this.#mismatches.clear();
    this.#latencies.length = 0;
    this.#latencyNext = 0;
  }
}

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

/** A breach in words a header can carry (ASCII): what the migrator sends as the stage change's reason. */
export function describeBreach(breach: Breach): string {
  switch (breach.measure) {
    case 'consistency':
      return `consistency ${percent(breach.value)} below ${percent(breach.threshold)} over ${breach.samples} compared reads`;
    case 'errorRate':
      return `new-path error rate ${percent(breach.value)} above ${percent(breach.threshold)} over ${breach.samples} calls`;
    case 'latency':
      return `new-path p99 latency ${breach.value.toFixed(1)} ms above ${breach.threshold} ms over ${breach.samples} calls`;
  }
}
