import type { StableIdError } from '../model/errors.js';

/**
 * Where an answer came from: the in-process cache within its TTL (`fresh`),
 * past it (`stale`: served while a refresh runs, or while the service is
 * unreachable), a remembered not-found (`negative`), or the service itself
 * (`canonical`).
 */
export type Source = 'fresh' | 'stale' | 'negative' | 'canonical';

export const SOURCES: readonly Source[] = Object.freeze(['fresh', 'stale', 'negative', 'canonical']);

/** A successful lookup: the value and where it came from. */
export interface Answer<T> {
  readonly value: T;
  readonly source: Source;
}

/**
 * One item of a batch lookup, in the order asked. A failed item's error is
 * the service's problem (its `context.source` says `canonical` or `negative`)
 * or SERVICE_UNAVAILABLE (with no source).
 */
export type BatchItem<T> = ({ readonly ok: true } & Answer<T>) | { readonly ok: false; readonly error: StableIdError };

/** What the service said about one key: a value or a problem. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: StableIdError };
