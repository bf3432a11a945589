import { StableIdError } from '../model/errors.js';
import { REPORT_ID_RETENTION_DAYS, type UsageQuery, type UsageReport, type UsageTotal } from './usage-store.js';

/** What both usage stores share: statements written once, row mapping, the retention arithmetic. */

export type Row = Record<string, unknown>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The totals over a range of days; the two parameters are the first and last day, inclusive. */
export const TOTALS_SQL = (first: string, last: string): string => `SELECT service, caller, namespace, scheme, SUM(requests) AS requests, SUM(deprecated) AS deprecated,
    MIN(day) AS first_day, MAX(day) AS last_day, MAX(last_seen) AS last_seen
  FROM usage_counts WHERE day >= ${first} AND day <= ${last}
  GROUP BY service, caller, namespace, scheme
  ORDER BY namespace, scheme, caller, service`;

/** The first and last day a query covers, checked; open ends cover everything recorded. */
export function queryDays(query: UsageQuery = {}): [string, string] {
  return [day('from', query.from) ?? '0000-01-01', day('to', query.to) ?? '9999-12-31'];
}

function day(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new StableIdError('INVALID_ARGUMENT', `usage query ${field} must be a day (YYYY-MM-DD), got ${JSON.stringify(value)}`, { field });
  }
  return value;
}

/** Report ids received before this instant are forgotten. */
export function retentionCutoff(now: Date): string {
  return new Date(now.getTime() - REPORT_ID_RETENTION_DAYS * 24 * 60 * 60 * 1000).toISOString();
}

/** The stored columns of a report, in the order of {@link REPORT_COLUMNS}. */
export function reportValues(report: UsageReport, digest: string, receivedAt: Date, actor: string): unknown[] {
  return [report.id, report.service, report.serviceVersion, digest, report.at, receivedAt.toISOString(), actor];
}

export const REPORT_COLUMNS = 'id, service, service_version, digest, at, received_at, actor';

export function toUsageTotal(row: Row): UsageTotal {
  return Object.freeze({
    service: String(row['service']),
    caller: String(row['caller']),
    namespace: String(row['namespace']),
    scheme: String(row['scheme']),
    // PostgreSQL sums BIGINT as NUMERIC, which the driver hands over as text.
    requests: Number(row['requests']),
    deprecated: Number(row['deprecated']),
    firstDay: String(row['first_day']),
    lastDay: String(row['last_day']),
    lastSeen: String(row['last_seen']),
  });
}
