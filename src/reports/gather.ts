import type { RunStore } from '../migrate/runs/run-store.js';
import type { Source } from '../migrate/source/source.js';
import { StableIdError } from '../model/errors.js';
import type { Registry } from '../registry/registry.js';
import type { UsageStore } from '../usage/usage-store.js';
import { checkBindings, currentBindings } from './binding-check.js';
import { type CompatibilityMatrix, buildCompatibilityMatrix } from './compatibility-matrix.js';
import { type NamespaceQuality, assessQuality } from './data-quality.js';
import { type MigrationCalendar, buildMigrationCalendar, identifierChanges } from './migration-calendar.js';
import { readNamespaceRows, readSchemeTimelines, schemeTimelines, selectNamespaces } from './registry-facts.js';
import type { ServiceManifest } from './service-manifest.js';

/**
 * The reports over live stores: each reads what its builder needs and
 * hands it over. The caller owns (and closes) every store.
 */
export interface ReportSources {
  readonly registry: Registry;
  /** Migration run records; without them, no runs are shown or scored. */
  readonly runs?: RunStore;
  /** Usage reports; without it, the matrix shows declared support only. */
  readonly usage?: UsageStore;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export interface MatrixReportOptions {
  /** Namespaces to show (default all). */
  readonly namespaces?: readonly string[];
  readonly manifests?: readonly ServiceManifest[];
  /** The instant sunsets are judged at, and the window ends on (default now). */
  readonly at?: Date;
  /** Days of usage taken into account, ending on `at`'s day (default 90). */
  readonly days?: number;
}

export async function gatherMatrix(sources: ReportSources, options: MatrixReportOptions = {}): Promise<CompatibilityMatrix> {
  const at = options.at ?? new Date();
  const days = options.days ?? 90;
  if (!Number.isSafeInteger(days) || days < 1) throw new StableIdError('INVALID_ARGUMENT', `days must be a whole number >= 1, got ${days}`, { field: 'days' });
  const to = at.toISOString().slice(0, 10);
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * DAY_MS).toISOString().slice(0, 10);
  const [namespaces, known] = await Promise.all([readSchemeTimelines(sources.registry, options.namespaces), selectNamespaces(sources.registry)]);
  const usage = sources.usage ? await sources.usage.totals({ from, to }) : [];
  return buildCompatibilityMatrix({
    namespaces,
    knownNamespaces: known,
    manifests: options.manifests ?? [],
    usage,
    at: at.toISOString(),
    window: sources.usage ? { from, to } : null,
  });
}

export interface CalendarReportOptions {
  readonly namespaces?: readonly string[];
  /** Only events on or after this day (YYYY-MM-DD). */
  readonly from?: string;
  /** Only events on or before this day. */
  readonly to?: string;
}

export async function gatherCalendar(sources: ReportSources, options: CalendarReportOptions = {}): Promise<MigrationCalendar> {
  const names = await selectNamespaces(sources.registry, options.namespaces);
  const namespaces = [];
  for (const namespace of names) {
    const rows = await readNamespaceRows(sources.registry, namespace);
    namespaces.push({ namespace, schemes: schemeTimelines(rows.schemes, rows.schemeStates), identifierChanges: identifierChanges(rows) });
  }
  const runs = sources.runs ? await sources.runs.listRuns() : [];
  return buildMigrationCalendar({ namespaces, runs, ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) });
}

export interface QualityReportOptions {
  readonly namespaces?: readonly string[];
  /** A source to look the bindings' documents up in. */
  readonly source?: Source;
  /** Only bindings recorded for this store are looked up (default: every binding). */
  readonly store?: string | null;
}

export async function gatherQuality(sources: ReportSources, options: QualityReportOptions = {}): Promise<NamespaceQuality[]> {
  const names = await selectNamespaces(sources.registry, options.namespaces);
  const runs = sources.runs ? await sources.runs.listRuns() : [];
  const reports: NamespaceQuality[] = [];
  for (const namespace of names) {
    const rows = await readNamespaceRows(sources.registry, namespace);
    const bindings = options.source ? await checkBindings(options.source, currentBindings(rows.bindings), options.store ?? null) : null;
    reports.push(assessQuality({ namespace, rows, runs, bindings }));
  }
  return reports;
}
