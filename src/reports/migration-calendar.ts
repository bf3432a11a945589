import type { WaveRecord } from '../migrate/runner.js';
import type { RunRecord } from '../migrate/runs/run-store.js';
import type { ProjectionRows } from '../model/rows.js';
import type { LifecycleState } from '../model/types.js';
import { StableIdError } from '../model/errors.js';
import { type SchemeTimeline, bytewise } from './registry-facts.js';

/**
 * The migration calendar: when schemes and identifiers were deprecated,
 * reach their sunset and were archived, and where migration runs stand,
 * wave by wave. Pure: built from scheme timelines, identifier lifecycle
 * rows and run records.
 */

export type CalendarEventKind =
  | 'scheme-deprecated'
  | 'scheme-sunset'
  | 'scheme-archived'
  | 'identifiers-deprecated'
  | 'identifiers-sunset'
  | 'identifiers-archived'
  | 'wave-finished'
  | 'wave-failed'
  | 'wave-under-way'
  | 'waves-planned'
  | 'run-ended';

const KIND_ORDER: readonly CalendarEventKind[] = [
  'scheme-deprecated',
  'scheme-sunset',
  'scheme-archived',
  'identifiers-deprecated',
  'identifiers-sunset',
  'identifiers-archived',
  'wave-finished',
  'wave-failed',
  'wave-under-way',
  'waves-planned',
  'run-ended',
];

export interface CalendarEvent {
  /**
   * Stable across runs: the same fact keeps its id when its date moves (a
   * scheme's sunset, a wave going from under way to finished), so that a
   * subscribed calendar updates the event instead of adding another.
   */
  readonly uid: string;
  /** The all-day date, YYYY-MM-DD (UTC). */
  readonly date: string;
  readonly kind: CalendarEventKind;
  readonly namespace: string;
  readonly scheme: string | null;
  readonly run: string | null;
  readonly summary: string;
  readonly description: string;
  /** A plan rather than a fact: waves not yet run. */
  readonly tentative: boolean;
  /** When the registry or the run store recorded what the event says. */
  readonly recordedAt: string;
}

export interface MigrationCalendar {
  /** By date, then kind (lifecycle before runs), then uid. */
  readonly events: readonly CalendarEvent[];
}

/** One identifier's lifecycle change, with its scheme. */
export interface IdentifierChange {
  readonly identifier: number;
  readonly scheme: string;
  readonly state: LifecycleState;
  readonly sunset: string | null;
  readonly at: string;
  /** Whether this is the identifier's latest change (its state now). */
  readonly current: boolean;
}

export interface CalendarNamespace {
  readonly namespace: string;
  readonly schemes: readonly SchemeTimeline[];
  readonly identifierChanges: readonly IdentifierChange[];
}

export interface CalendarInput {
  readonly namespaces: readonly CalendarNamespace[];
  /** Run records; runs of namespaces not given are left out. */
  readonly runs: readonly RunRecord[];
  /** Only events on or after this day (YYYY-MM-DD). */
  readonly from?: string;
  /** Only events on or before this day. */
  readonly to?: string;
}

/** The lifecycle changes of a namespace's identifiers, from its projection rows. Pure. */
export function identifierChanges(rows: Pick<ProjectionRows, 'identifiers' | 'identifierStates'>): IdentifierChange[] {
  const schemeOf = new Map(rows.identifiers.map((row) => [row.seq, row.scheme]));
  const latest = new Map<number, number>();
  for (const row of rows.identifierStates) latest.set(row.identifier, Math.max(latest.get(row.identifier) ?? 0, row.seq));
  return [...rows.identifierStates]
    .sort((a, b) => a.seq - b.seq)
    .map((row) => ({ identifier: row.identifier, scheme: schemeOf.get(row.identifier) ?? '?', state: row.state, sunset: row.sunset, at: row.at, current: latest.get(row.identifier) === row.seq }));
}

const day = (instant: string): string => instant.slice(0, 10);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function buildMigrationCalendar(input: CalendarInput): MigrationCalendar {
  for (const [field, value] of [['from', input.from], ['to', input.to]] as const) {
    if (value !== undefined && (!DAY.test(value) || Number.isNaN(Date.parse(value)))) {
      throw new StableIdError('INVALID_ARGUMENT', `calendar ${field} must be a day (YYYY-MM-DD), got ${JSON.stringify(value)}`, { field });
    }
  }
  const events: CalendarEvent[] = [];
  for (const namespace of input.namespaces) {
    events.push(...schemeEvents(namespace), ...identifierEvents(namespace));
  }
  const shown = new Set(input.namespaces.map((n) => n.namespace));
  for (const run of input.runs) if (shown.has(run.namespace)) events.push(...runEvents(run));
  const inRange = events.filter((event) => (input.from === undefined || event.date >= input.from) && (input.to === undefined || event.date <= input.to));
  inRange.sort((a, b) => bytewise(a.date, b.date) || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || bytewise(a.uid, b.uid));
  return { events: inRange };
}

function schemeEvents({ namespace, schemes }: CalendarNamespace): CalendarEvent[] {
  const events: CalendarEvent[] = [];
  for (const scheme of schemes) {
    const name = `${namespace}/${scheme.name}`;
    const base = { namespace, scheme: scheme.name, run: null, tentative: false };
    const replacement = scheme.replacement ? ` Replacement: ${scheme.replacement}.` : '';
    if (scheme.deprecatedAt !== null) {
      events.push({
        ...base,
        uid: `scheme-deprecated/${namespace}/${scheme.name}`,
        date: day(scheme.deprecatedAt),
        kind: 'scheme-deprecated',
        summary: `${name} deprecated`,
        description: `Scheme ${name} was deprecated.${scheme.lastSunset ? ` Sunset: ${day(scheme.lastSunset)}.` : ''}${replacement} Its identifiers keep resolving; new writes should use ${scheme.replacement ?? 'another scheme'}.`,
        recordedAt: scheme.deprecatedAt,
      });
    }
    if (scheme.state === 'deprecated' && scheme.sunset !== null) {
      events.push({
        ...base,
        uid: `scheme-sunset/${namespace}/${scheme.name}`,
        date: day(scheme.sunset),
        kind: 'scheme-sunset',
        summary: `${name} sunset`,
        description: `Sunset of scheme ${name}: clients should have moved off it by this date.${replacement}`,
        recordedAt: scheme.changedAt,
      });
    }
    if (scheme.archivedAt !== null) {
      events.push({
        ...base,
        uid: `scheme-archived/${namespace}/${scheme.name}`,
        date: day(scheme.archivedAt),
        kind: 'scheme-archived',
        summary: `${name} archived`,
        description: `Scheme ${name} was archived: its identifiers still resolve, nothing new is written to it.${replacement}`,
        recordedAt: scheme.archivedAt,
      });
    }
  }
  return events;
}

/** Identifier changes grouped by scheme and day: a calendar lists how many, never the values (some may be personal data). */
function identifierEvents({ namespace, identifierChanges: changes }: CalendarNamespace): CalendarEvent[] {
  const groups = new Map<string, { kind: CalendarEventKind; scheme: string; date: string; count: number; recordedAt: string }>();
  const add = (kind: CalendarEventKind, scheme: string, date: string, at: string): void => {
    const key = `${kind}/${namespace}/${scheme}/${date}`;
    const group = groups.get(key) ?? { kind, scheme, date, count: 0, recordedAt: at };
    group.count += 1;
    if (at > group.recordedAt) group.recordedAt = at;
    groups.set(key, group);
  };
  for (const change of changes) {
    if (change.state === 'deprecated') add('identifiers-deprecated', change.scheme, day(change.at), change.at);
    if (change.state === 'archived') add('identifiers-archived', change.scheme, day(change.at), change.at);
    if (change.state === 'deprecated' && change.current && change.sunset !== null) add('identifiers-sunset', change.scheme, day(change.sunset), change.at);
  }
  return [...groups.entries()].map(([uid, group]) => {
    const name = `${namespace}/${group.scheme}`;
    const one = group.count === 1;
    const count = `${group.count} identifier${one ? '' : 's'}`;
    const text: Record<string, [string, string]> = {
      'identifiers-deprecated': [`${count} of ${name} deprecated`, `${count} of scheme ${name} deprecated one by one, with a sunset date.`],
      'identifiers-sunset': [`${count} of ${name} ${one ? 'reaches its' : 'reach their'} sunset`, `${count} of scheme ${name} deprecated one by one ${one ? 'reaches' : 'reach'} the sunset set then.`],
      'identifiers-archived': [`${count} of ${name} archived`, `${count} of scheme ${name} archived one by one: ${one ? 'it still resolves' : 'they still resolve'}.`],
    };
    const [summary, description] = text[group.kind] as [string, string];
    return { uid, date: group.date, kind: group.kind, namespace, scheme: group.scheme, run: null, summary, description, tentative: false, recordedAt: group.recordedAt };
  });
}

function percentages(waves: readonly number[]): string {
  return waves.map((wave) => `${wave}%`).join(', ');
}

function runEvents(run: RunRecord): CalendarEvent[] {
  const events: CalendarEvent[] = [];
  const total = run.waves.length;
  const title = `${run.migration} (${run.namespace})`;
  const base = { namespace: run.namespace, scheme: null, run: run.id };
  const about = `Run ${run.id} of migration ${run.migration} over collection ${run.collection} in ${run.source}, started by ${run.actor}; status ${run.status}.`;
  const records = ((run.details['waves'] as unknown as WaveRecord[] | undefined) ?? []).filter((record) => typeof record?.wave === 'number');
  const finished = new Set<number>();
  for (const record of records) {
    finished.add(record.wave);
    const ok = record.gate?.ok !== false;
    const counts = record.counts ? ` Written ${record.counts.written}, failed ${record.counts.failed}.` : '';
    const reasons = !ok && record.gate?.reasons?.length ? ` Gate: ${record.gate.reasons.join('; ')}.` : '';
    events.push({
      ...base,
      uid: `wave/${run.id}/${record.wave}`,
      date: day(record.finishedAt),
      kind: ok ? 'wave-finished' : 'wave-failed',
      summary: `${title}: wave ${record.wave}/${total} (${record.percent}%) ${ok ? 'finished' : 'failed its gate'}`,
      description: `${about}${counts}${reasons}`,
      tentative: false,
      recordedAt: record.finishedAt,
    });
  }
  let next = 1;
  while (finished.has(next)) next += 1;
  if ((run.status === 'running' || run.status === 'paused') && next <= total) {
    events.push({
      ...base,
      uid: `wave/${run.id}/${next}`,
      date: day(run.updatedAt),
      kind: 'wave-under-way',
      summary: `${title}: wave ${next}/${total} (${run.waves[next - 1]}%) ${run.status === 'paused' ? 'paused' : 'under way'}`,
      description: about,
      tentative: false,
      recordedAt: run.updatedAt,
    });
    next += 1;
  }
  const planned = ['pending', 'running', 'paused', 'gated', 'failed'].includes(run.status) ? run.waves.slice(next - 1) : [];
  if (planned.length > 0) {
    const which = planned.length === 1 ? `wave ${next}/${total}` : `waves ${next}–${total}/${total}`;
    const why = run.status === 'gated' ? ' (the run waits at a manual gate: stableid migrate continue)' : run.status === 'failed' ? ' (the run failed: they run if it is resumed)' : '';
    events.push({
      ...base,
      uid: `waves-planned/${run.id}`,
      date: day(run.updatedAt),
      kind: 'waves-planned',
      summary: `${title}: ${which} (${percentages(planned)}) planned`,
      description: `${about} Not yet run${why}; the date is when this was last recorded, not a schedule.`,
      tentative: true,
      recordedAt: run.updatedAt,
    });
  }
  if (run.status === 'aborted' || run.status === 'rolled-back') {
    events.push({
      ...base,
      uid: `run-ended/${run.id}`,
      date: day(run.updatedAt),
      kind: 'run-ended',
      summary: `${title}: run ${run.status === 'aborted' ? 'aborted' : 'rolled back'}`,
      description: about,
      tentative: false,
      recordedAt: run.updatedAt,
    });
  }
  return events;
}
