import type { MappingDiff } from './mapping-digest.js';
import { diffDigests } from './mapping-digest.js';
import type { Registry } from './registry.js';

export interface RegistryDiff {
  /** True when every namespace compared holds the same mappings on both sides. */
  readonly ok: boolean;
  readonly namespaces: readonly MappingDiff[];
}

/**
 * Compares the current mappings of two registries — a primary and its
 * replica, a registry before and after a restore — namespace by namespace
 * (`namespaces`, else every namespace either side has), narrowing differing
 * digest ranges down to the identifiers that are missing or differ.
 */
export async function diffRegistries(a: Registry, b: Registry, namespaces?: readonly string[]): Promise<RegistryDiff> {
  const names = namespaces ?? [...new Set([...(await a.namespacesInLog()), ...(await b.namespacesInLog())])].sort();
  const diffs: MappingDiff[] = [];
  for (const namespace of names) {
    const [left, right] = await Promise.all([a.mappingDigest(namespace), b.mappingDigest(namespace)]);
    diffs.push(diffDigests(left, right));
  }
  return { ok: diffs.every((diff) => diff.differences.length === 0), namespaces: diffs };
}
