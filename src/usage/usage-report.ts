import { createHash } from 'node:crypto';
import { canonicalJson } from '../model/hashing.js';
import { StableIdError } from '../model/errors.js';
import { requireInstant, requireName } from '../registry/validation.js';
import type { UsageCount, UsageReport } from './usage-store.js';

/**
 * The wire form of a usage report and its checks. Pure: the HTTP route and
 * library callers validate with the same function, and nothing reaches a
 * store before every field has passed.
 */

/** The most rows one report may carry by default; the service's batch limit overrides it. */
export const DEFAULT_MAX_USAGE_ROWS = 1000;
/** How late a report may arrive: older counts are refused, so that a retry always falls within the window report ids are remembered. */
export const MAX_REPORT_AGE_DAYS = 30;
/** How far ahead of the service's clock a reporter's clock may be. */
export const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;
/** The largest count one row may carry. */
export const MAX_COUNT = 1e12;

const REPORT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;
/** Service and caller names: printable, no surrounding spaces, no control characters. */
const PARTY = /^[^\s\p{Cc}](?:[^\p{Cc}]{0,126}[^\s\p{Cc}])?$/u;
const DAY_MS = 24 * 60 * 60 * 1000;
const KNOWN = ['reportId', 'service', 'serviceVersion', 'at', 'counts'];
const KNOWN_COUNT = ['namespace', 'scheme', 'caller', 'requests', 'deprecated'];

const invalid = (field: string, message: string): StableIdError => new StableIdError('INVALID_ARGUMENT', `usage report ${field} ${message}`, { field, rule: 'usage.report' });

/** A service or caller name as reports and manifests give it; INVALID_ARGUMENT naming `field` otherwise. */
export function requireParty(field: string, value: unknown): string {
  if (typeof value !== 'string' || !PARTY.test(value)) {
    throw new StableIdError('INVALID_ARGUMENT', `${field} must be 1 to 128 printable characters without surrounding spaces, got ${JSON.stringify(value)}`, { field });
  }
  return value;
}

function count(field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > MAX_COUNT) {
    throw invalid(field, `must be a whole number from ${min} to ${MAX_COUNT}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function unknownKeys(record: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(record)) if (!known.includes(key)) throw invalid(where === '' ? key : `${where}.${key}`, 'is not a known field');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a report as a reporter sent it (any JSON value) against the
 * service's clock `now`: a report id, the service, when the counts were
 * taken (at most {@link MAX_REPORT_AGE_DAYS} days ago, at most a day ahead),
 * and 1 to `maxRows` rows, each naming a namespace, a scheme and
 * optionally a caller (default: the service), with `requests` ≥ 1 and
 * `deprecated` ≤ `requests`. Rows may not repeat a (namespace, scheme,
 * caller). Anything else is INVALID_ARGUMENT naming the field.
 */
export function parseUsageReport(input: unknown, now: Date, maxRows = DEFAULT_MAX_USAGE_ROWS): UsageReport {
  if (!isRecord(input)) throw invalid('body', 'must be a JSON object');
  unknownKeys(input, KNOWN, '');
  const id = input['reportId'];
  if (typeof id !== 'string' || !REPORT_ID.test(id)) throw invalid('reportId', 'must be 8 to 128 characters of letters, digits, ".", "_", ":" and "-" (e.g. a UUID)');
  const service = requireParty('service', input['service']);
  const version = input['serviceVersion'];
  if (version !== undefined && version !== null && (typeof version !== 'string' || !PARTY.test(version))) throw invalid('serviceVersion', 'must be 1 to 128 printable characters');
  const at = requireInstant('at', input['at']);
  const age = now.getTime() - Date.parse(at);
  if (age > MAX_REPORT_AGE_DAYS * DAY_MS) throw invalid('at', `is more than ${MAX_REPORT_AGE_DAYS} days ago: such counts are no longer taken`);
  if (-age > MAX_CLOCK_SKEW_MS) throw invalid('at', "is more than a day ahead of the service's clock");
  const rows = input['counts'];
  if (!Array.isArray(rows) || rows.length === 0 || rows.length > maxRows) throw invalid('counts', `must be an array of 1 to ${maxRows} rows`);
  const seen = new Map<string, number>();
  const counts = rows.map((row: unknown, index): UsageCount => {
    const where = `counts[${index}]`;
    if (!isRecord(row)) throw invalid(where, 'must be an object');
    unknownKeys(row, KNOWN_COUNT, where);
    const namespace = named(`${where}.namespace`, 'namespace', row['namespace']);
    const scheme = named(`${where}.scheme`, 'scheme', row['scheme']);
    const caller = row['caller'] === undefined || row['caller'] === null ? service : requireParty(`${where}.caller`, row['caller']);
    const requests = count(`${where}.requests`, row['requests'], 1);
    const deprecated = row['deprecated'] === undefined ? 0 : count(`${where}.deprecated`, row['deprecated'], 0);
    if (deprecated > requests) throw invalid(`${where}.deprecated`, `(${deprecated}) exceeds requests (${requests})`);
    const key = JSON.stringify([namespace, scheme, caller]);
    const earlier = seen.get(key);
    if (earlier !== undefined) throw invalid(where, `repeats the namespace, scheme and caller of counts[${earlier}]: add them up in one row`);
    seen.set(key, index);
    return Object.freeze({ namespace, scheme, caller, requests, deprecated });
  });
  return Object.freeze({ id, service, serviceVersion: typeof version === 'string' ? version : null, at, counts: Object.freeze(counts) });
}

function named(field: string, kind: 'namespace' | 'scheme', value: unknown): string {
  try {
    return requireName(kind, value);
  } catch (error) {
    throw new StableIdError('INVALID_ARGUMENT', `usage report ${field}: ${(error as Error).message}`, { field, rule: 'usage.report' }, { cause: error });
  }
}

/** The UTC day (YYYY-MM-DD) a report's counts fall on. */
export const reportDay = (report: Pick<UsageReport, 'at'>): string => report.at.slice(0, 10);

/** A digest of everything a report says: a retry must say exactly the same. */
export function reportDigest(report: UsageReport): string {
  return createHash('sha256').update(canonicalJson(report)).digest('hex');
}

/** The refusal of a report id already used for another body. */
export function reportReused(id: string): StableIdError {
  return new StableIdError('INVALID_ARGUMENT', `usage report id ${JSON.stringify(id)} was already used for a different report: a retry must repeat the report exactly, a new report needs a new id`, {
    field: 'reportId',
    rule: 'usage.report-reused',
  });
}
