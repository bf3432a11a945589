import semver from 'semver';
import { canonicalJson } from '../model/hashing.js';
import type { JsonObject } from '../model/json.js';
import type { ContractRecord, GovernanceState } from '../registry/governance.js';
import { type Finding, type FindingLocation, Judgement, type Subject } from '../registry/policy/judgement.js';
import type { Policy } from '../registry/policy/policy.js';
import type { DefinitionChange, NamespaceDefinitions, SchemeDefinition } from '../registry/registry.js';
import type { Contract, ContractNamespace, ContractScheme } from './contract.js';
import type { DocumentPath } from './source-file.js';

/** One change a contract asks of the registry, with where the contract asks it. */
export interface PlannedChange {
  readonly change: DefinitionChange;
  /** One line for people: `add scheme order/v3 (typeid ord)`. */
  readonly summary: string;
  /** A breaking change: a sunset, an archive, a new primary scheme. */
  readonly breaking: boolean;
  readonly location: FindingLocation;
}

/** What applying a contract would do, and what the policy finds wrong with it. */
export interface ContractPlan {
  readonly version: { readonly applied: string | null; readonly proposed: string };
  readonly changes: readonly PlannedChange[];
  /** The contract's record the registry keeps (protected namespaces, primary and flagged schemes, hooks). */
  readonly records: ReadonlyMap<string, ContractRecord>;
  /** Whether the record differs from the one applied last (a new version, protection, primary, exposure or hooks). */
  readonly recordChanged: boolean;
  readonly findings: readonly Finding[];
}

const STATE_ORDER = { active: 0, deprecated: 1, archived: 2 } as const;

/**
 * Compares a contract with the registry it is meant for: the changes that
 * would bring the registry to it, in an order the registry accepts
 * (namespaces, then schemes, then their retirements), and every finding of
 * the policy about them — judged at `now`, as the registry would judge the
 * same writes, plus what only a contract shows (removals, edited formats,
 * the contract's version against its breaking changes).
 */
export function planContract(contract: Contract, registry: readonly NamespaceDefinitions[], governance: GovernanceState, policy: Policy, now: string): ContractPlan {
  const judgement = new Judgement(policy, now);
  const at = (path: DocumentPath): FindingLocation => contract.source.locate(path);
  const existing = new Map(registry.map((entry) => [entry.namespace.name, entry]));
  const changes: PlannedChange[] = [];
  const retirements: PlannedChange[] = [];
  const records = new Map<string, ContractRecord>();

  for (const namespace of contract.namespaces) {
    const path = ['namespaces', namespace.name];
    records.set(namespace.name, recordOf(namespace));
    const current = existing.get(namespace.name);
    if (!current) {
      judgement.names({ namespace: namespace.name }, at(path));
      changes.push({
        change: { op: 'create-namespace', definition: { name: namespace.name, owner: namespace.owner, stewards: namespace.stewards, description: namespace.description } },
        summary: `create namespace ${namespace.name} (owner ${namespace.owner})`,
        breaking: false,
        location: at(path),
      });
    } else {
      const { owner, stewards, description } = current.namespace;
      if (owner !== namespace.owner || canonicalJson([...stewards].sort()) !== canonicalJson([...namespace.stewards].sort()) || description !== namespace.description) {
        judgement.flag('namespace-immutable', { namespace: namespace.name }, `the registry has owner ${owner}, stewards ${stewards.join(', ') || 'none'}`, at(path));
      }
    }
    const schemes = new Map((current?.schemes ?? []).map((scheme) => [scheme.name, scheme]));
    for (const scheme of namespace.schemes) {
      const schemePath = [...path, 'schemes', scheme.name];
      const subject: Subject = { namespace: namespace.name, scheme: scheme.name };
      const registered = schemes.get(scheme.name);
      if (!registered) {
        judgement.names(subject, at(schemePath));
        if (scheme.exposure !== 'flagged') judgement.flag('exposure-flag', subject, 'it is new and declared `exposure: open`', at([...schemePath, 'exposure']));
        changes.push({
          change: { op: 'add-scheme', namespace: namespace.name, scheme: scheme.name, format: scheme.format },
          summary: `add scheme ${namespace.name}/${scheme.name} (${scheme.format.kind})`,
          breaking: false,
          location: at(schemePath),
        });
      } else if (canonicalJson(registered.format) !== canonicalJson(scheme.format)) {
        judgement.flag('format-immutable', subject, `the registry holds ${canonicalJson(registered.format)}`, at([...schemePath, 'format']));
      }
      retirements.push(...retirementsOf(namespace.name, scheme, registered, judgement, at, schemePath));
    }
    for (const name of schemes.keys()) {
      if (!namespace.schemes.some((scheme) => scheme.name === name)) {
        judgement.flag('no-removal', { namespace: namespace.name, scheme: name }, `scheme ${namespace.name}/${name} is in the registry but not in the contract`, at([...path, 'schemes']));
      }
    }
  }
  for (const name of existing.keys()) {
    if (!contract.namespaces.some((namespace) => namespace.name === name)) {
      judgement.flag('no-removal', { namespace: name }, `namespace ${name} is in the registry but not in the contract`, at(['namespaces']));
    }
  }

  const planned = [...changes, ...retirements];
  const applied = governance.contract;
  for (const [name, record] of records) {
    const before = applied?.namespaces.get(name)?.primary ?? null;
    if (before !== null && record.primary !== before) {
      planned.push({
        change: { op: 'add-scheme', namespace: name, scheme: record.primary ?? before, format: null },
        summary: `make ${record.primary ?? 'no scheme'} the primary scheme of ${name} instead of ${before}`,
        breaking: true,
        location: at(['namespaces', name, 'schemes']),
      });
    }
  }
  const breaking = planned.filter((change) => change.breaking);
  if (breaking.length > 0 && applied !== null && semver.valid(applied.version) !== null && semver.major(contract.version) <= semver.major(applied.version)) {
    for (const change of breaking) {
      judgement.flag('breaking-change', subjectOf(change.change), `${change.summary} needs contract version ${semver.major(applied.version) + 1}.0.0 or later, not ${contract.version}`, at(['contract']));
    }
  }
  return {
    version: { applied: applied?.version ?? null, proposed: contract.version },
    // A change of primary scheme is a record of the contract, not a write of its own.
    changes: planned.filter((change) => !(change.change.op === 'add-scheme' && change.change.format === null)),
    records,
    recordChanged: applied === null || applied.version !== contract.version || canonicalJson(recordsJson(records)) !== canonicalJson(recordsJson(applied.namespaces)),
    findings: judgement.findings,
  };
}

/** The deprecation and archive a scheme's contract state asks for, judged; and the states it cannot go back to. */
function retirementsOf(
  namespace: string,
  scheme: ContractScheme,
  registered: SchemeDefinition | undefined,
  judgement: Judgement,
  at: (path: DocumentPath) => FindingLocation,
  path: DocumentPath,
): PlannedChange[] {
  const subject: Subject = { namespace, scheme: scheme.name };
  const from = registered?.state ?? 'active';
  if (STATE_ORDER[scheme.state] < STATE_ORDER[from]) {
    judgement.flag('lifecycle-order', subject, `the registry has it ${from}, the contract ${scheme.state}`, at([...path, 'state']));
    return [];
  }
  const changes: PlannedChange[] = [];
  let deprecatedAt = from === 'deprecated' ? (registered?.stateAt ?? null) : null;
  const resunset = from === 'deprecated' && scheme.state === 'deprecated' && (registered?.sunset !== scheme.sunset || registered?.replacement !== scheme.replacement);
  if ((from === 'active' && scheme.state !== 'active') || resunset) {
    // Archived straight from active, with no sunset: the archive's own window check below says it was never deprecated.
    if (scheme.sunset !== null) {
      judgement.sunsetWindow(subject, scheme.sunset, at([...path, 'sunset']));
      changes.push({
        change: { op: 'deprecate-scheme', namespace, scheme: scheme.name, sunset: scheme.sunset, replacement: scheme.replacement },
        summary: `deprecate scheme ${namespace}/${scheme.name}, sunset ${scheme.sunset.slice(0, 10)}${scheme.replacement ? `, replaced by ${scheme.replacement}` : ''}`,
        breaking: true,
        location: at([...path, 'state']),
      });
      deprecatedAt = judgement.now;
    }
  }
  if (scheme.state === 'archived' && from !== 'archived') {
    judgement.archiveWindow(subject, deprecatedAt, at([...path, 'state']));
    changes.push({ change: { op: 'archive-scheme', namespace, scheme: scheme.name }, summary: `archive scheme ${namespace}/${scheme.name}`, breaking: true, location: at([...path, 'state']) });
  }
  return changes;
}

function recordOf(namespace: ContractNamespace): ContractRecord {
  return {
    protected: namespace.protected,
    primary: namespace.schemes.find((scheme) => scheme.primary)?.name ?? null,
    flagged: namespace.schemes.filter((scheme) => scheme.exposure === 'flagged').map((scheme) => scheme.name),
    hooks: Object.fromEntries(Object.entries(namespace.hooks).map(([trigger, hooks]) => [trigger, hooks.map((hook): JsonObject => ({ ...hook }))])),
  };
}

function recordsJson(records: ReadonlyMap<string, ContractRecord>): unknown {
  return Object.fromEntries([...records].sort(([a], [b]) => (a < b ? -1 : 1)));
}

function subjectOf(change: DefinitionChange): Subject {
  return change.op === 'create-namespace' ? { namespace: change.definition.name } : { namespace: change.namespace, scheme: change.scheme };
}
