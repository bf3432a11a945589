/**
 * The usage store port: which services (and which of their callers) used
 * which identifier schemes, day by day — the observed half of the
 * compatibility matrix. It lives beside the registry (the same SQLite file
 * or PostgreSQL schema, in tables of its own). Counts arrive as reports of
 * deltas, each with an id, so that a retried report is never counted twice.
 */

/** One row of a report: how often one caller used one scheme since the reporter's previous report. */
export interface UsageCount {
  readonly namespace: string;
  readonly scheme: string;
  /** Who used the scheme: a caller the reporting service's shim saw, or the reporting service itself. */
  readonly caller: string;
  /** Requests (or lookups) that carried at least one identifier of the scheme; at least 1. */
  readonly requests: number;
  /** Of those, the ones where an identifier was deprecated or archived; at most `requests`. */
  readonly deprecated: number;
}

/** A validated usage report (see `parseUsageReport`). */
export interface UsageReport {
  /** Chosen by the reporter, unique per report; a retry sends the same id and the same body. */
  readonly id: string;
  /** The reporting service. */
  readonly service: string;
  readonly serviceVersion: string | null;
  /** When the counts were taken (an ISO instant): they count on this instant's UTC day. */
  readonly at: string;
  /** At least one row; no two rows share namespace, scheme and caller. */
  readonly counts: readonly UsageCount[];
}

/** Who sent a report, and when it arrived. */
export interface UsageReceipt {
  readonly at: Date;
  /** The actor of the token that sent it. */
  readonly actor: string;
}

export interface RecordOutcome {
  readonly report: string;
  /** False when a report with this id and body was recorded before: nothing was counted again. */
  readonly recorded: boolean;
  /** Rows of the report. */
  readonly counts: number;
}

/** What one caller's use of one scheme adds up to over the days asked about. */
export interface UsageTotal {
  readonly service: string;
  readonly caller: string;
  readonly namespace: string;
  readonly scheme: string;
  readonly requests: number;
  readonly deprecated: number;
  /** The first and last UTC day (YYYY-MM-DD) with counts. */
  readonly firstDay: string;
  readonly lastDay: string;
  /** The latest report instant that counted here. */
  readonly lastSeen: string;
}

export interface UsageQuery {
  /** The first UTC day included (YYYY-MM-DD); default: the first recorded. */
  readonly from?: string;
  /** The last UTC day included (YYYY-MM-DD); default: the last recorded. */
  readonly to?: string;
}

export interface UsageStore {
  /** Where the store lives, e.g. "sqlite:/data/registry.db"; never a password. */
  readonly description: string;
  /**
   * Adds a report's counts, atomically: all of its rows or none. Idempotent
   * by report id: the same id with the same body again counts nothing and
   * answers `recorded: false`; the same id with another body is refused
   * (INVALID_ARGUMENT, rule `usage.report-reused`) and changes nothing.
   * Report ids are remembered for {@link REPORT_ID_RETENTION_DAYS} days,
   * longer than a report may be late (see `parseUsageReport`).
   */
  record(report: UsageReport, receipt: UsageReceipt): Promise<RecordOutcome>;
  /** The totals per (service, caller, namespace, scheme) over the days asked, by namespace, scheme, caller, service (bytewise). */
  totals(query?: UsageQuery): Promise<UsageTotal[]>;
  /** Closes the store's connections; later calls fail with STORE_UNAVAILABLE. Idempotent. */
  close(): Promise<void>;
}

/** How long a report id is remembered after its report arrived. */
export const REPORT_ID_RETENTION_DAYS = 35;
