import { StableIdError } from '../model/errors.js';
import type { LifecycleState } from '../model/types.js';
import type { UsageTotal } from '../usage/usage-store.js';
import { type NamespaceSchemes, bytewise } from './registry-facts.js';
import type { ServiceManifest } from './service-manifest.js';

/**
 * The compatibility matrix: services × schemes, per namespace, from what
 * services declare (their manifests) and what was seen of them (usage
 * reports), with the flags a steward acts on. Pure.
 */

/**
 * - `deprecated-in-use`: used (seen, or declared emitted) while deprecated, before its sunset;
 * - `past-sunset-in-use`: seen after its sunset, or declared emitted once the sunset has passed;
 * - `archived-in-use`: seen after it was archived, or declared emitted although archived;
 * - `declared-not-seen`: declared, but the service (which does report usage) neither used nor received it in the window;
 * - `seen-not-declared`: used, but the service's manifest does not declare it;
 * - `unknown-scheme`: declared, but the registry has no such scheme.
 */
export type CellFlag = 'deprecated-in-use' | 'past-sunset-in-use' | 'archived-in-use' | 'declared-not-seen' | 'seen-not-declared' | 'unknown-scheme';

export const CELL_FLAGS: readonly CellFlag[] = ['deprecated-in-use', 'past-sunset-in-use', 'archived-in-use', 'declared-not-seen', 'seen-not-declared', 'unknown-scheme'];

export interface MatrixColumn {
  readonly scheme: string;
  /** `unknown` for a scheme a manifest names that the registry does not have. */
  readonly state: LifecycleState | 'unknown';
  readonly sunset: string | null;
  readonly replacement: string | null;
  readonly archivedAt: string | null;
  /** Deprecated and its sunset is at or before the matrix's instant. */
  readonly pastSunset: boolean;
}

export interface MatrixCell {
  readonly scheme: string;
  readonly accepts: boolean;
  readonly emits: boolean;
  /** Requests seen in the window (0 when none). */
  readonly requests: number;
  /** Of those, requests that carried a deprecated or archived identifier. */
  readonly deprecatedRequests: number;
  /** The latest report that counted a use, or null. */
  readonly lastSeen: string | null;
  /** The services whose reports counted this use, when not the row's service itself (a shim that saw this caller). */
  readonly via: readonly string[];
  /** Requests the row's service received from other callers (its shim counted them), and when last. */
  readonly received: number;
  readonly lastReceived: string | null;
  readonly flags: readonly CellFlag[];
}

export interface MatrixRow {
  readonly service: string;
  /** One per column, in the columns' order. */
  readonly cells: readonly MatrixCell[];
}

export interface MatrixNamespace {
  readonly namespace: string;
  readonly columns: readonly MatrixColumn[];
  /** Services that declare the namespace or were seen using it, by name. */
  readonly rows: readonly MatrixRow[];
  /** Limitations the manifests state for this namespace. */
  readonly limitations: readonly { readonly service: string; readonly note: string }[];
}

export interface MatrixService {
  readonly service: string;
  readonly version: string | null;
  readonly owner: string | null;
  /** Whether a manifest declares its support. */
  readonly manifest: boolean;
  /** Whether it was seen using a scheme in the window. */
  readonly observed: boolean;
  /** Whether it sent usage reports in the window (its own use, or its callers'). */
  readonly reporting: boolean;
  /** Limitations its manifest states for the service as a whole. */
  readonly limitations: readonly string[];
}

export interface MatrixWarning {
  readonly code: CellFlag | 'unknown-namespace';
  readonly service: string;
  readonly namespace: string;
  readonly scheme: string | null;
  readonly message: string;
}

export interface CompatibilityMatrix {
  /** The instant sunsets were judged at. */
  readonly at: string;
  /** The UTC days of usage taken into account, or null when no usage was read. */
  readonly window: { readonly from: string; readonly to: string } | null;
  readonly services: readonly MatrixService[];
  readonly namespaces: readonly MatrixNamespace[];
  /** Every flagged cell and every manifest naming a namespace the registry lacks, in matrix order. */
  readonly warnings: readonly MatrixWarning[];
}

export interface MatrixInput {
  /** The namespaces to show, with their schemes. */
  readonly namespaces: readonly NamespaceSchemes[];
  /** Every namespace the registry holds, to tell a manifest's unknown namespace from one merely not shown; default: those shown. */
  readonly knownNamespaces?: readonly string[];
  readonly manifests: readonly ServiceManifest[];
  /** Usage totals over the window; rows of namespaces not shown are ignored. */
  readonly usage: readonly UsageTotal[];
  readonly at: string;
  readonly window: { readonly from: string; readonly to: string } | null;
}

interface Observed {
  requests: number;
  deprecated: number;
  lastSeen: string | null;
  via: Set<string>;
}

/**
 * Builds the matrix. Rows are keyed by the party that used a scheme: the
 * caller a usage row names (the reporting service itself for its own use).
 * Two manifests for one service are refused (INVALID_ARGUMENT).
 */
export function buildCompatibilityMatrix(input: MatrixInput): CompatibilityMatrix {
  const manifests = new Map<string, ServiceManifest>();
  for (const manifest of input.manifests) {
    if (manifests.has(manifest.service)) {
      throw new StableIdError('INVALID_ARGUMENT', `two manifests declare service "${manifest.service}": keep one per service`, { field: 'manifest', service: manifest.service });
    }
    manifests.set(manifest.service, manifest);
  }
  const shown = new Set(input.namespaces.map((n) => n.namespace));
  const known = new Set(input.knownNamespaces ?? [...shown]);
  const observedBy = new Map<string, Observed>();
  const receivedBy = new Map<string, Observed>();
  const observedServices = new Set<string>();
  const reportingServices = new Set<string>();
  /** Every party seen in a namespace, as user or as receiver. */
  const seenIn = new Map<string, Set<string>>();
  const add = (into: Map<string, Observed>, key: string, total: UsageTotal): Observed => {
    const seen = into.get(key) ?? { requests: 0, deprecated: 0, lastSeen: null, via: new Set<string>() };
    seen.requests += total.requests;
    seen.deprecated += total.deprecated;
    seen.lastSeen = seen.lastSeen === null || total.lastSeen > seen.lastSeen ? total.lastSeen : seen.lastSeen;
    into.set(key, seen);
    return seen;
  };
  for (const total of input.usage) {
    if (!shown.has(total.namespace)) continue;
    observedServices.add(total.caller);
    reportingServices.add(total.service);
    const parties = seenIn.get(total.namespace) ?? new Set<string>();
    parties.add(total.caller).add(total.service);
    seenIn.set(total.namespace, parties);
    const seen = add(observedBy, cellKey(total.caller, total.namespace, total.scheme), total);
    if (total.service !== total.caller) {
      seen.via.add(total.service);
      add(receivedBy, cellKey(total.service, total.namespace, total.scheme), total);
    }
  }

  const warnings: MatrixWarning[] = [];
  for (const manifest of [...manifests.values()].sort((a, b) => bytewise(a.service, b.service))) {
    for (const support of manifest.namespaces) {
      if (known.has(support.namespace)) continue;
      warnings.push({ code: 'unknown-namespace', service: manifest.service, namespace: support.namespace, scheme: null, message: `${manifest.service} declares namespace ${support.namespace}, which the registry does not have` });
    }
  }

  const namespaces = input.namespaces.map((facts): MatrixNamespace => {
    const namespace = facts.namespace;
    const columns: MatrixColumn[] = facts.schemes.map((scheme) => ({
      scheme: scheme.name,
      state: scheme.state,
      sunset: scheme.sunset,
      replacement: scheme.replacement,
      archivedAt: scheme.archivedAt,
      pastSunset: scheme.state === 'deprecated' && scheme.sunset !== null && scheme.sunset <= input.at,
    }));
    const supportOf = new Map<string, { accepts: ReadonlySet<string>; emits: ReadonlySet<string>; limitations: readonly string[] }>();
    for (const manifest of manifests.values()) {
      const support = manifest.namespaces.find((n) => n.namespace === namespace);
      if (!support) continue;
      supportOf.set(manifest.service, { accepts: new Set(support.accepts), emits: new Set(support.emits), limitations: support.limitations });
      for (const scheme of [...support.accepts, ...support.emits]) {
        if (!columns.some((column) => column.scheme === scheme)) columns.push({ scheme, state: 'unknown', sunset: null, replacement: null, archivedAt: null, pastSunset: false });
      }
    }
    const services = new Set<string>([...supportOf.keys(), ...(seenIn.get(namespace) ?? [])]);
    const rows = [...services].sort(bytewise).map((service): MatrixRow => {
      const support = supportOf.get(service);
      const cells = columns.map((column): MatrixCell => {
        const accepts = support?.accepts.has(column.scheme) ?? false;
        const emits = support?.emits.has(column.scheme) ?? false;
        const seen = observedBy.get(cellKey(service, namespace, column.scheme));
        const received = receivedBy.get(cellKey(service, namespace, column.scheme));
        const reports = observedServices.has(service) || reportingServices.has(service);
        const flags = cellFlags(column, { accepts, emits, seen, received, hasManifest: manifests.has(service), reports });
        for (const flag of flags) warnings.push({ code: flag, service, namespace, scheme: column.scheme, message: describeFlag(flag, service, namespace, column, { emits, seen }) });
        return {
          scheme: column.scheme,
          accepts,
          emits,
          requests: seen?.requests ?? 0,
          deprecatedRequests: seen?.deprecated ?? 0,
          lastSeen: seen?.lastSeen ?? null,
          via: [...(seen?.via ?? [])].sort(bytewise),
          received: received?.requests ?? 0,
          lastReceived: received?.lastSeen ?? null,
          flags,
        };
      });
      return { service, cells };
    });
    const limitations = [...supportOf.entries()].sort(([a], [b]) => bytewise(a, b)).flatMap(([service, support]) => support.limitations.map((note) => ({ service, note })));
    return { namespace, columns, rows, limitations };
  });

  const serviceNames = new Set<string>([...manifests.keys(), ...observedServices, ...reportingServices]);
  const services = [...serviceNames].sort(bytewise).map((service): MatrixService => {
    const manifest = manifests.get(service);
    return {
      service,
      version: manifest?.version ?? null,
      owner: manifest?.owner ?? null,
      manifest: manifest !== undefined,
      observed: observedServices.has(service),
      reporting: reportingServices.has(service),
      limitations: manifest?.limitations ?? [],
    };
  });
  return { at: input.at, window: input.window, services, namespaces, warnings };
}

function cellKey(service: string, namespace: string, scheme: string): string {
  return JSON.stringify([service, namespace, scheme]);
}

interface CellFacts {
  readonly accepts: boolean;
  readonly emits: boolean;
  readonly seen: Observed | undefined;
  /** What its shim counted of other callers using the scheme: the service received it. */
  readonly received: Observed | undefined;
  readonly hasManifest: boolean;
  /** Whether any use of the service was seen at all: only then is a declared scheme's absence telling. */
  readonly reports: boolean;
}

function cellFlags(column: MatrixColumn, facts: CellFacts): CellFlag[] {
  const flags: CellFlag[] = [];
  const { accepts, emits, seen } = facts;
  const used = seen !== undefined && seen.requests > 0;
  const seenSince = (instant: string | null): boolean => used && (instant === null || (seen.lastSeen ?? '') >= instant);
  if (column.state === 'unknown') {
    if (accepts || emits) flags.push('unknown-scheme');
  } else if (column.state === 'archived') {
    if (seenSince(column.archivedAt) || emits) flags.push('archived-in-use');
  } else if (column.state === 'deprecated') {
    if (column.pastSunset) {
      if (seenSince(column.sunset) || emits) flags.push('past-sunset-in-use');
    } else if (used || emits) {
      flags.push('deprecated-in-use');
    }
  }
  const received = facts.received !== undefined && facts.received.requests > 0;
  if ((accepts || emits) && !used && !received && facts.reports && column.state !== 'unknown') flags.push('declared-not-seen');
  if (used && !accepts && !emits && facts.hasManifest) flags.push('seen-not-declared');
  return flags;
}

function describeFlag(flag: CellFlag, service: string, namespace: string, column: MatrixColumn, facts: { emits: boolean; seen: Observed | undefined }): string {
  const scheme = `${namespace}/${column.scheme}`;
  const use = facts.seen && facts.seen.requests > 0 ? `${facts.seen.requests} request(s), last ${day(facts.seen.lastSeen)}` : null;
  const how = [use, facts.emits ? 'declared as emitted' : null].filter((part) => part !== null).join('; ');
  const replacement = column.replacement ? `; replacement: ${column.replacement}` : '';
  switch (flag) {
    case 'deprecated-in-use':
      return `${service} uses ${scheme}, deprecated with sunset ${day(column.sunset)}${replacement} (${how})`;
    case 'past-sunset-in-use':
      return `${service} still uses ${scheme} past its sunset ${day(column.sunset)}${replacement} (${how})`;
    case 'archived-in-use':
      return `${service} still uses ${scheme}, archived ${day(column.archivedAt)} (${how})`;
    case 'declared-not-seen':
      return `${service} declares ${scheme} but was never seen using it in the window`;
    case 'seen-not-declared':
      return `${service} uses ${scheme} (${how}) but its manifest does not declare it`;
    case 'unknown-scheme':
      return `${service} declares ${scheme}, which the registry does not have`;
  }
}

/** The UTC day of an instant, or `?`. */
export function day(instant: string | null): string {
  return instant === null ? '?' : instant.slice(0, 10);
}
