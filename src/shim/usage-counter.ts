import { Counter, type Registry } from 'prom-client';
import { StableIdError } from '../model/errors.js';

/** The caller label of every caller past the cap. */
export const OTHER_CALLER = 'other';

/** How often one caller sent identifiers of one scheme. */
export interface UsageRow {
  readonly namespace: string;
  readonly scheme: string;
  readonly caller: string;
  /** Requests that carried at least one identifier of the scheme. */
  readonly requests: number;
  /** Of those, the requests where at least one of them was deprecated (or archived). */
  readonly deprecated: number;
}

export interface UsageCounterOptions {
  /** How many distinct callers get their own label; later ones count as `other` (default 100). */
  readonly maxCallers?: number;
}

type Labels = 'namespace' | 'scheme' | 'caller';

interface Exported {
  readonly requests: Counter<Labels>;
  readonly deprecated: Counter<Labels>;
}

/**
 * Which callers still send which schemes: the data of the compatibility
 * matrix. Each request counts once per (namespace, scheme) it used. The
 * number of distinct callers is capped, so that neither memory nor metric
 * labels grow with whatever callers claim to be.
 */
export class UsageCounter {
  readonly #maxCallers: number;
  readonly #callers = new Set<string>();
  readonly #rows = new Map<string, { namespace: string; scheme: string; caller: string; requests: number; deprecated: number }>();
  readonly #exported: Exported[] = [];

  constructor(options: UsageCounterOptions = {}) {
    const max = options.maxCallers ?? 100;
    if (!Number.isInteger(max) || max < 1) throw new StableIdError('INVALID_ARGUMENT', 'usage counter option maxCallers must be a positive integer', { field: 'maxCallers' });
    this.#maxCallers = max;
  }

  /** The label `caller` counts under: itself while the cap allows, else `other`. */
  callerLabel(caller: string): string {
    if (this.#callers.has(caller)) return caller;
    if (this.#callers.size >= this.#maxCallers) return OTHER_CALLER;
    this.#callers.add(caller);
    return caller;
  }

  /** Counts one request of `caller` that used `scheme` of `namespace`. */
  record(use: { readonly namespace: string; readonly scheme: string; readonly caller: string; readonly deprecated: boolean }): void {
    const caller = this.callerLabel(use.caller);
    const key = JSON.stringify([use.namespace, use.scheme, caller]);
    let row = this.#rows.get(key);
    if (row === undefined) {
      row = { namespace: use.namespace, scheme: use.scheme, caller, requests: 0, deprecated: 0 };
      this.#rows.set(key, row);
    }
    row.requests += 1;
    if (use.deprecated) row.deprecated += 1;
    const labels = { namespace: use.namespace, scheme: use.scheme, caller };
    for (const exported of this.#exported) {
      exported.requests.inc(labels);
      if (use.deprecated) exported.deprecated.inc(labels);
    }
  }

  /** Every count so far, by namespace, scheme and caller. */
  snapshot(): UsageRow[] {
    return [...this.#rows.values()]
      .map((row) => ({ ...row }))
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.scheme.localeCompare(b.scheme) || a.caller.localeCompare(b.caller));
  }

  /**
   * Registers the counters `<prefix>scheme_requests_total` and
   * `<prefix>deprecated_requests_total`, labelled namespace, scheme and caller
   * (prefix default `stableid_shim_`), starting from the counts so far.
   */
  register(registry: Registry, prefix = 'stableid_shim_'): void {
    const labelNames: Labels[] = ['namespace', 'scheme', 'caller'];
    const exported: Exported = {
      requests: new Counter({ name: `${prefix}scheme_requests_total`, help: 'Requests that carried identifiers of a scheme, by caller.', labelNames, registers: [registry] }),
      deprecated: new Counter({ name: `${prefix}deprecated_requests_total`, help: 'Requests that carried deprecated identifiers of a scheme, by caller.', labelNames, registers: [registry] }),
    };
    for (const { namespace, scheme, caller, requests, deprecated } of this.#rows.values()) {
      exported.requests.inc({ namespace, scheme, caller }, requests);
      if (deprecated > 0) exported.deprecated.inc({ namespace, scheme, caller }, deprecated);
    }
    this.#exported.push(exported);
  }
}
