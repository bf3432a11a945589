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

  /**
   * Registers the counters `<prefix>lookups_total{source}` and
   * `<prefix>errors_total` (prefix default `stableid_client_`). They read the
   * counts when the registry is scraped, so that counting a lookup stays the
   * increment of a field: prom-client's labelled increment looks its labels
   * up on every call, which would make a warm-cache answer half as slow again.
   */
  register(registry: Registry, prefix = 'stableid_client_'): void {
    const counts = this.#counts;
    new Counter({
      name: `${prefix}lookups_total`,
      help: 'Lookups answered, by where the answer came from.',
      labelNames: ['source'],
      registers: [registry],
      collect() {
        this.reset();
        for (const source of SOURCES) this.inc({ source }, counts[source]);
      },
    });
    new Counter({
      name: `${prefix}errors_total`,
      help: 'Lookups that got no answer: the service could not be reached and nothing was cached.',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(counts.errors);
      },
    });
  }

  answered(source: Source): void {
    this.#counts[source] += 1;
  }

  failed(): void {
    this.#counts.errors += 1;
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
