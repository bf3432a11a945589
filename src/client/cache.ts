import type { StableIdError } from '../model/errors.js';
import type { Clock } from './clock.js';
import type { LookupKey } from './lookup-key.js';

export interface CacheOptions {
  /** The most entries kept; the least recently used goes first (default 10,000). */
  readonly maxEntries?: number;
  /** How long an answer is `fresh` (default 60 s). */
  readonly ttlMs?: number;
  /** How long past its TTL an answer is still served (`stale`) while a refresh runs in the background (default 60 s). */
  readonly staleWhileRevalidateMs?: number;
  /** How long past its TTL an answer is still served (`stale`) while the service cannot be reached: the grace window (default 1 h). */
  readonly staleIfErrorMs?: number;
  /** How long a not-found is remembered (`negative`; default 5 s). */
  readonly negativeTtlMs?: number;
}

export const DEFAULT_CACHE: Required<CacheOptions> = Object.freeze({
  maxEntries: 10_000,
  ttlMs: 60_000,
  staleWhileRevalidateMs: 60_000,
  staleIfErrorMs: 3_600_000,
  negativeTtlMs: 5_000,
});

interface PositiveEntry<V> {
  readonly key: LookupKey;
  readonly ok: true;
  readonly value: V;
  /** Every identifier value the answer names, so that invalidating any of them drops it. */
  readonly values: ReadonlySet<string>;
  readonly storedAt: number;
}

interface NegativeEntry {
  readonly key: LookupKey;
  readonly ok: false;
  readonly error: StableIdError;
  readonly values: ReadonlySet<string>;
  readonly storedAt: number;
}

export type CacheEntry<V> = PositiveEntry<V> | NegativeEntry;

/**
 * What the cache holds for a key now:
 * - `fresh`: within TTL, serve it;
 * - `stale`: within stale-while-revalidate, serve it and refresh;
 * - `fallback`: past that but within the grace window, serve it only if the service cannot be reached;
 * - `negative`: a remembered not-found.
 */
export type CacheRead<V> =
  | { readonly state: 'fresh' | 'stale' | 'fallback'; readonly value: V; readonly storedAt: number }
  | { readonly state: 'negative'; readonly error: StableIdError };

/** The right to write back one fetch's answer, taken before the fetch starts. */
export interface CacheTicket {
  readonly key: LookupKey;
  readonly generation: number;
}

interface Held {
  readonly key: LookupKey;
  /** Bumped by every invalidation that covers the key. */
  generation: number;
  /** Tickets out for the key. */
  tickets: number;
}

/**
 * The client's in-process cache of answers by lookup key: bounded (LRU), with
 * a TTL, stale-while-revalidate, stale-if-error and a short negative TTL.
 *
 * Write-backs are guarded by a per-key generation: a fetch takes a ticket
 * ({@link begin}) before it starts, and its answer is stored ({@link fill})
 * only if no invalidation covered the key meanwhile — so a refresh in flight
 * never resurrects an entry invalidated after it left.
 */
export class LookupCache<V> {
  readonly #options: Required<CacheOptions>;
  readonly #clock: Clock;
  /** In least- to most-recently-used order. */
  readonly #entries = new Map<string, CacheEntry<V>>();
  /** The generations of keys that are cached or have tickets out; others are at 0 and have no one to guard. */
  readonly #held = new Map<string, Held>();

  constructor(options: Required<CacheOptions>, clock: Clock) {
    this.#options = options;
    this.#clock = clock;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** What is held for `key` now; drops it once past every window. */
  read(key: LookupKey): CacheRead<V> | undefined {
    const entry = this.#entries.get(key.id);
    if (entry === undefined) return undefined;
    const age = this.#clock() - entry.storedAt;
    const { ttlMs, staleWhileRevalidateMs, staleIfErrorMs, negativeTtlMs } = this.#options;
    let read: CacheRead<V> | undefined;
    if (!entry.ok) read = age < negativeTtlMs ? { state: 'negative', error: entry.error } : undefined;
    else if (age < ttlMs) read = { state: 'fresh', value: entry.value, storedAt: entry.storedAt };
    else if (age < ttlMs + staleWhileRevalidateMs) read = { state: 'stale', value: entry.value, storedAt: entry.storedAt };
    else if (age < ttlMs + Math.max(staleIfErrorMs, staleWhileRevalidateMs)) read = { state: 'fallback', value: entry.value, storedAt: entry.storedAt };
    if (read === undefined) {
      this.#delete(key.id);
      return undefined;
    }
    this.#entries.delete(key.id);
    this.#entries.set(key.id, entry);
    return read;
  }

  /** A ticket to write back the answer of a fetch of `key` that starts now. */
  begin(key: LookupKey): CacheTicket {
    const held = this.#hold(key);
    held.tickets += 1;
    return { key, generation: held.generation };
  }

  /**
   * Stores a fetch's answer (`values`: the identifier values it names) and
   * returns the ticket; false, storing nothing, when an invalidation covered
   * the key since the ticket was taken.
   */
  fill(ticket: CacheTicket, answer: { ok: true; value: V } | { ok: false; error: StableIdError }, values: Iterable<string>): boolean {
    const held = this.#held.get(ticket.key.id);
    const current = held?.generation ?? 0;
    this.#release(ticket);
    if (current !== ticket.generation) return false;
    this.#store({ ...answer, key: ticket.key, values: new Set([ticket.key.value, ...values]), storedAt: this.#clock() } as CacheEntry<V>);
    return true;
  }

  /** Returns a ticket whose fetch stores nothing (it failed). */
  abandon(ticket: CacheTicket): void {
    this.#release(ticket);
  }

  /**
   * Drops every entry of `namespace` — or only those naming `value` (asked
   * for, or in their answer) — and bumps their generation, as well as that of
   * every matching key with a fetch in flight. Returns how many entries were dropped.
   */
  invalidate(namespace: string, value?: string): number {
    const matches = (key: LookupKey, values: ReadonlySet<string> | undefined): boolean =>
      key.namespace === namespace && (value === undefined || key.value === value || (values?.has(value) ?? false));
    const covered = new Set<string>();
    for (const [id, entry] of this.#entries) if (matches(entry.key, entry.values)) covered.add(id);
    for (const [id, held] of this.#held) if (matches(held.key, undefined)) covered.add(id);
    let dropped = 0;
    for (const id of covered) {
      if (this.#entries.delete(id)) dropped += 1;
      const held = this.#held.get(id);
      if (held === undefined) continue;
      if (held.tickets === 0) this.#held.delete(id);
      else held.generation += 1;
    }
    return dropped;
  }

  /** The positive entries, least recently used first: what a snapshot keeps. */
  positiveEntries(): PositiveEntry<V>[] {
    return [...this.#entries.values()].filter((entry): entry is PositiveEntry<V> => entry.ok);
  }

  /** Adds remembered answers (from a snapshot) for keys not held already; the newest answer wins. */
  load(entries: Iterable<{ key: LookupKey; value: V; values: Iterable<string>; storedAt: number }>): void {
    for (const { key, value, values, storedAt } of entries) {
      const current = this.#entries.get(key.id);
      if (current !== undefined && current.storedAt >= storedAt) continue;
      this.#store({ key, ok: true, value, values: new Set([key.value, ...values]), storedAt });
    }
  }

  #store(entry: CacheEntry<V>): void {
    this.#entries.delete(entry.key.id);
    this.#entries.set(entry.key.id, entry);
    this.#hold(entry.key);
    while (this.#entries.size > this.#options.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#delete(oldest.value);
    }
  }

  #hold(key: LookupKey): Held {
    let held = this.#held.get(key.id);
    if (held === undefined) {
      held = { key, generation: 0, tickets: 0 };
      this.#held.set(key.id, held);
    }
    return held;
  }

  #release(ticket: CacheTicket): void {
    const held = this.#held.get(ticket.key.id);
    if (held === undefined) return;
    held.tickets = Math.max(0, held.tickets - 1);
    if (held.tickets === 0 && !this.#entries.has(ticket.key.id)) this.#held.delete(ticket.key.id);
  }

  #delete(id: string): void {
    this.#entries.delete(id);
    const held = this.#held.get(id);
    if (held !== undefined && held.tickets === 0) this.#held.delete(id);
  }
}
