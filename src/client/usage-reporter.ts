import { randomUUID } from 'node:crypto';
import { StableIdError } from '../model/errors.js';
import { type Clock, systemClock } from './clock.js';
import { errorOfProblem } from './problem-error.js';

/** One cumulative count, as a counter holds it since it started (the shim's `UsageCounter.snapshot()` rows fit). */
export interface UsageSample {
  readonly namespace: string;
  readonly scheme: string;
  /** Who used the scheme; default the reporting service itself. */
  readonly caller?: string;
  readonly requests: number;
  readonly deprecated?: number;
}

/** Anything that counts use of schemes, cumulatively: e.g. `shim.usage`. */
export interface UsageSource {
  snapshot(): readonly UsageSample[];
}

export interface UsageReporterOptions {
  /** The identity service's base URL. */
  readonly endpoint: string;
  /** An API token with the read role in every namespace reported on. */
  readonly token: string;
  /** The service reporting, as its manifest names it. */
  readonly service: string;
  readonly serviceVersion?: string;
  /** Counters read at every flush besides the reporter's own (`count`). */
  readonly sources?: readonly UsageSource[];
  /** How often to flush, in ms (default 60 s); 0 flushes only when asked (and on close). */
  readonly intervalMs?: number;
  /** How long one POST may take (default 5 s). */
  readonly timeoutMs?: number;
  /** The most rows per report (default 500, within the service's batch limit). */
  readonly maxRows?: number;
  /** Told of every report that failed, whether kept for a retry or dropped. */
  readonly onError?: (error: StableIdError, report: { readonly id: string; readonly kept: boolean }) => void;
  readonly clock?: Clock;
  readonly fetch?: typeof fetch;
  readonly newReportId?: () => string;
}

/** What one flush did. */
export interface FlushResult {
  /** Reports the service accepted (counted now, or already before). */
  readonly sent: number;
  /** Reports the service refused for good (4xx): their counts are lost, never counted twice. */
  readonly dropped: number;
  /** Reports kept to send again at the next flush (the service could not be reached, or answered 5xx, 408 or 429). */
  readonly pending: number;
}

interface Pending {
  readonly id: string;
  readonly body: string;
}

interface Tally {
  requests: number;
  deprecated: number;
}

const SERVICE = /^[^\s\p{Cc}](?:[^\p{Cc}]{0,126}[^\s\p{Cc}])?$/u;
const RETRIED_STATUSES = new Set([408, 429]);

/**
 * Sends a service's use of identifier schemes to the identity service
 * (`POST /v1/usage`), for the compatibility matrix. Each flush turns what
 * the counters gained since the last flush into reports with fresh ids;
 * a report that could not be delivered is kept and sent again — the same id
 * and body — until the service answers, so that it is counted exactly once.
 * Counts are in memory: what a process counted but had not reported when
 * it stopped is lost, never doubled. `close()` flushes one last time.
 */
export class UsageReporter {
  readonly #options: UsageReporterOptions & Required<Pick<UsageReporterOptions, 'timeoutMs' | 'maxRows' | 'clock' | 'fetch' | 'newReportId'>>;
  readonly #own = new Map<string, UsageSample & Tally>();
  /** What the reports so far cover of each counter's rows, by counter and row. */
  readonly #covered = new Map<string, Tally>();
  readonly #queue: Pending[] = [];
  readonly #timer: NodeJS.Timeout | null;
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: UsageReporterOptions) {
    if (typeof options.endpoint !== 'string' || options.endpoint === '') throw new StableIdError('INVALID_ARGUMENT', 'the usage reporter needs the service endpoint', { field: 'endpoint' });
    if (typeof options.token !== 'string' || options.token === '') throw new StableIdError('INVALID_ARGUMENT', 'the usage reporter needs an API token', { field: 'token' });
    if (typeof options.service !== 'string' || !SERVICE.test(options.service)) {
      throw new StableIdError('INVALID_ARGUMENT', 'usage reporter option service must be 1 to 128 printable characters without surrounding spaces', { field: 'service' });
    }
    const intervalMs = options.intervalMs ?? 60_000;
    for (const [field, value] of [['intervalMs', intervalMs], ['timeoutMs', options.timeoutMs ?? 5000], ['maxRows', options.maxRows ?? 500]] as const) {
      if (!Number.isFinite(value) || value < 0 || (field !== 'intervalMs' && value === 0)) throw new StableIdError('INVALID_ARGUMENT', `usage reporter option ${field} must be a positive number`, { field });
    }
    this.#options = Object.freeze({
      ...options,
      endpoint: options.endpoint.replace(/\/+$/, ''),
      timeoutMs: options.timeoutMs ?? 5000,
      maxRows: Math.floor(options.maxRows ?? 500),
      clock: options.clock ?? systemClock,
      fetch: options.fetch ?? fetch,
      newReportId: options.newReportId ?? randomUUID,
    });
    this.#timer = intervalMs > 0 ? setInterval(() => void this.flush().catch(() => undefined), intervalMs) : null;
    this.#timer?.unref();
  }

  /** Counts use seen by the service itself (the SDK's lookups): one request by default. */
  count(use: { readonly namespace: string; readonly scheme: string; readonly caller?: string; readonly deprecated?: boolean; readonly requests?: number }): void {
    const requests = use.requests ?? 1;
    if (!Number.isSafeInteger(requests) || requests < 1) throw new StableIdError('INVALID_ARGUMENT', 'a usage count must be a positive whole number', { field: 'requests' });
    const caller = use.caller ?? this.#options.service;
    const key = JSON.stringify([use.namespace, use.scheme, caller]);
    const row = this.#own.get(key) ?? { namespace: use.namespace, scheme: use.scheme, caller, requests: 0, deprecated: 0 };
    row.requests += requests;
    if (use.deprecated) row.deprecated += requests;
    this.#own.set(key, row);
  }

  /** Reports not yet accepted by the service. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Sends what was counted since the last flush, after any report still pending; flushes run one at a time. */
  flush(): Promise<FlushResult> {
    const run = this.#chain.then(() => this.#flush());
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Stops the timer and flushes one last time; reports still pending after it are lost. Idempotent. */
  async close(): Promise<FlushResult> {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#closed) return { sent: 0, dropped: 0, pending: this.#queue.length };
    this.#closed = true;
    return this.flush();
  }

  async #flush(): Promise<FlushResult> {
    this.#enqueue(this.#deltas());
    let sent = 0;
    let dropped = 0;
    while (this.#queue.length > 0) {
      const report = this.#queue[0] as Pending;
      const outcome = await this.#send(report);
      if (outcome === 'retry') break;
      this.#queue.shift();
      if (outcome === 'sent') sent += 1;
      else dropped += 1;
    }
    return { sent, dropped, pending: this.#queue.length };
  }

  /** What every counter gained since the last flush, summed by namespace, scheme and caller. */
  #deltas(): Map<string, UsageSample & Tally> {
    const gained = new Map<string, UsageSample & Tally>();
    const counters: (readonly UsageSample[])[] = [[...this.#own.values()], ...(this.#options.sources ?? []).map((source) => source.snapshot())];
    counters.forEach((rows, index) => {
      for (const row of rows) {
        const caller = row.caller ?? this.#options.service;
        const key = JSON.stringify([row.namespace, row.scheme, caller]);
        const coveredKey = `${index}:${key}`;
        const before = this.#covered.get(coveredKey) ?? { requests: 0, deprecated: 0 };
        const now = { requests: row.requests, deprecated: row.deprecated ?? 0 };
        // A counter that went down was restarted: it has counted `now` since.
        const reset = now.requests < before.requests;
        const requests = reset ? now.requests : now.requests - before.requests;
        const deprecated = Math.min(requests, Math.max(0, reset ? now.deprecated : now.deprecated - before.deprecated));
        this.#covered.set(coveredKey, now);
        if (requests <= 0) continue;
        const sum = gained.get(key) ?? { namespace: row.namespace, scheme: row.scheme, caller, requests: 0, deprecated: 0 };
        sum.requests += requests;
        sum.deprecated += deprecated;
        gained.set(key, sum);
      }
    });
    return gained;
  }

  #enqueue(gained: Map<string, UsageSample & Tally>): void {
    const rows = [...gained.values()].map(({ namespace, scheme, caller, requests, deprecated }) => ({ namespace, scheme, caller, requests, deprecated }));
    const at = new Date(this.#options.clock()).toISOString();
    for (let start = 0; start < rows.length; start += this.#options.maxRows) {
      const id = this.#options.newReportId();
      const body = { reportId: id, service: this.#options.service, ...(this.#options.serviceVersion ? { serviceVersion: this.#options.serviceVersion } : {}), at, counts: rows.slice(start, start + this.#options.maxRows) };
      this.#queue.push({ id, body: JSON.stringify(body) });
    }
  }

  async #send(report: Pending): Promise<'sent' | 'dropped' | 'retry'> {
    let response: Response;
    try {
      response = await this.#options.fetch(`${this.#options.endpoint}/v1/usage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#options.token}` },
        body: report.body,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (error) {
      this.#tell(new StableIdError('SERVICE_UNAVAILABLE', `usage report ${report.id} not delivered: ${(error as Error).message}`, { report: report.id }, { cause: error }), report, true);
      return 'retry';
    }
    const document: unknown = await response.json().catch(() => null);
    if (response.ok) return 'sent';
    const kept = response.status >= 500 || RETRIED_STATUSES.has(response.status);
    this.#tell(kept ? new StableIdError('SERVICE_UNAVAILABLE', `usage report ${report.id}: the service answered ${response.status}`, { report: report.id, status: response.status }) : errorOfProblem(document, response.status), report, kept);
    return kept ? 'retry' : 'dropped';
  }

  #tell(error: StableIdError, report: Pending, kept: boolean): void {
    try {
      this.#options.onError?.(error, { id: report.id, kept });
    } catch {
      // A failing listener must not stop the reporter.
    }
  }
}
