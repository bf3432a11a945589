/** What a lookup asks: a resolution, or a translation into `to`. */
export interface LookupKey {
  readonly kind: 'resolve' | 'translate';
  readonly namespace: string;
  readonly value: string;
  /** The scheme of the value; undefined lets the service try every scheme. */
  readonly scheme: string | undefined;
  /** The target scheme of a translation; undefined for a resolution. */
  readonly to: string | undefined;
  /** The key as one string: equal keys have equal ids. */
  readonly id: string;
}

export function lookupKey(kind: LookupKey['kind'], namespace: string, value: string, scheme: string | undefined, to: string | undefined): LookupKey {
  const id = JSON.stringify([kind, namespace, value, scheme ?? null, to ?? null]);
  return Object.freeze({ kind, namespace, value, scheme, to, id });
}

/** The keys that may travel in one batch request share this: same kind, namespace and target. */
export const batchGroupOf = (key: LookupKey): string => JSON.stringify([key.kind, key.namespace, key.to ?? null]);
