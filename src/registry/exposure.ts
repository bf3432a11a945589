import { ANY_CONSUMER, type ExposureFlag, exposed, flagFor } from '../model/flags.js';
import type { IdentifierView, Resolution } from '../model/types.js';
import type { GovernanceState } from './governance.js';

/** A resolution as one consumer is shown it. */
export type Shown = (resolution: Resolution) => Resolution;

/**
 * What a consumer is shown of a namespace's answers, by the exposure flags
 * in force; null when no flag of the namespace applies to it (everything is
 * shown: the common case costs one scan of a short list).
 *
 * A scheme whose flag does not expose the consumer, for the value asked for
 * (the bucket is of the consumer and the canonical value asked for, so a
 * consumer sees the same answer for the same question every time), is left
 * out of the resolution's `identifiers`, and a lineage link to it
 * (`derivedFrom`) is cut, as if the entity had no identifier in it; a
 * translation into it then fails as TRANSLATION_NOT_FOUND, word for word as
 * for an entity without one. The identifier asked for is always shown,
 * whatever its scheme: the caller sent its value. A scheme the applied
 * contract declares `exposure: flagged` is hidden from everyone until an
 * exposure flag shows it.
 */
export function shownTo(governance: GovernanceState, namespace: string, consumer: string): Shown | null {
  const flagged = governance.contract?.namespaces.get(namespace)?.flagged ?? [];
  if (governance.exposure.length === 0 && flagged.length === 0) return null;
  const byScheme = new Map<string, ExposureFlag[]>();
  for (const flag of governance.exposure) {
    if (flag.namespace === namespace) byScheme.set(flag.scheme, [...(byScheme.get(flag.scheme) ?? []), flag]);
  }
  // A scheme the contract declares `exposure: flagged` is hidden from every consumer no flag shows it to.
  for (const scheme of flagged) {
    const flags = byScheme.get(scheme) ?? [];
    if (!flags.some((flag) => flag.consumer === ANY_CONSUMER)) byScheme.set(scheme, [...flags, { namespace, scheme, consumer: ANY_CONSUMER, percent: 0 }]);
  }
  const applying = new Map<string, ExposureFlag>();
  for (const [scheme, flags] of byScheme) {
    const flag = flagFor(flags, consumer);
    if (flag !== undefined && flag.percent < 100) applying.set(scheme, flag);
  }
  if (applying.size === 0) return null;
  return (resolution) => {
    const asked = resolution.identifier;
    const hidden = new Set<string>();
    for (const [scheme, flag] of applying) {
      if (scheme !== asked.scheme && !exposed(flag, consumer, asked.value ?? '')) hidden.add(scheme);
    }
    if (hidden.size === 0) return resolution;
    const cut = (view: IdentifierView): IdentifierView => (view.derivedFrom !== null && hidden.has(view.derivedFrom.scheme) ? { ...view, derivedFrom: null } : view);
    return {
      ...resolution,
      identifier: cut(asked),
      identifiers: resolution.identifiers.filter((view) => !hidden.has(view.scheme)).map(cut),
    };
  };
}
