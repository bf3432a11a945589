import { Counter, type Registry } from 'prom-client';
import { SOURCES, type Source } from './answer.js';

export interface StatsCounts {
  readonly fresh: number;
  readonly stale: number;
  readonly negative: number;
  readonly canonical: number;
  /** Lookups that got no answer at all (the service could not be reached and nothing was cached). */
  readonly errors: number;
}

/**
 * What the client's lookups were answered from. Every lookup counts once:
 * under the source of its answer (a problem document from the service counts
 * as `canonical`, a remembered not-found as `negative`), or under `errors`.
 */
export class ClientStats {
  readonly #counts: Record<keyof StatsCounts, number> = { fresh: 0, stale: 0, negative: 0, canonical: 0, errors: 0 };
  #lookups: Counter<'source'> | undefined;
  #errors: Counter | undefined;

  /** Registers the counters `<prefix>lookups_total{source}` and `<prefix>errors_total` (prefix default `stableid_client_`). */
  register(registry: Registry, prefix = 'stableid_client_'): void {
    this.#lookups = new Counter({ name: `${prefix}lookups_total`, help: 'Lookups answered, by where the answer came from.', labelNames: ['source'], registers: [registry] });
    this.#errors = new Counter({ name: `${prefix}errors_total`, help: 'Lookups that got no answer: the service could not be reached and nothing was cached.', registers: [registry] });
    for (const source of SOURCES) this.#lookups.inc({ source }, this.#counts[source]);
    this.#errors.inc(this.#counts.errors);
  }

  answered(source: Source): void {
    this.#counts[source] += 1;
    this.#lookups?.inc({ source });
  }

  failed(): void {
    this.#counts.errors += 1;
    this.#errors?.inc();
  }

  counts(): StatsCounts {
    return { ...this.#counts };
  }

  /** The share of answered lookups that went to the service (0 before any). */
  canonicalShare(): number {
    const answered = SOURCES.reduce((sum, source) => sum + this.#counts[source], 0);
    return answered === 0 ? 0 : this.#counts.canonical / answered;
  }
}
