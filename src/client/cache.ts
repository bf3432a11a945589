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

/** A remembered positive answer: what a snapshot keeps. */
export interface CachedAnswer<V> {
  readonly key: LookupKey;
  readonly value: V;
  /** Every identifier value the answer names, so that invalidating any of them drops it. */
  readonly values: ReadonlySet<string>;
  readonly storedAt: number;
}

/** What the service said about a key: a value, or a problem (only a not-found is ever stored). */
type Stored<V> = { readonly ok: true; readonly value: V } | { readonly ok: false; readonly error: StableIdError };

/**
 * One cached answer. It is a node of two lists: the recency list (least
 * recently used first), and the chain of entries whose keys ask for the same
 * identifier value (in another namespace, kind, scheme or target), which the
 * index by value points into.
 */
class Entry<V> {
  older: Entry<V> | undefined = undefined;
  newer: Entry<V> | undefined = undefined;
  sibling: Entry<V> | undefined = undefined;

  constructor(
    readonly key: LookupKey,
    readonly answer: Stored<V>,
    readonly values: ReadonlySet<string>,
    readonly storedAt: number,
  ) {}
}

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
 *
 * Entries are found by identifier value, then by the rest of the key, and
 * kept in a linked recency list: a read of a fresh answer ({@link fresh})
 * builds no key string and allocates nothing — it is the warm path of every
 * lookup.
 */
export class LookupCache<V> {
  readonly #options: Required<CacheOptions>;
  readonly #clock: Clock;
  /** The first entry of each chain of entries asking for one identifier value. */
  readonly #byValue = new Map<string, Entry<V>>();
  #size = 0;
  #oldest: Entry<V> | undefined = undefined;
  #newest: Entry<V> | undefined = undefined;
  /** The generations of keys that are cached or have tickets out; others are at 0 and have no one to guard. */
  readonly #held = new Map<string, Held>();

  constructor(options: Required<CacheOptions>, clock: Clock) {
    this.#options = options;
    this.#clock = clock;
  }

  get size(): number {
    return this.#size;
  }

  /**
   * The value of the positive answer held for the key of these parts while
   * it is within its TTL, marked as the most recently used; undefined for
   * anything else (a miss, a not-found, a stale answer: {@link read} tells
   * those apart). Changes nothing else.
   */
  fresh(kind: LookupKey['kind'], namespace: string, value: string, scheme: string | undefined, to: string | undefined): V | undefined {
    const entry = this.#find(kind, namespace, value, scheme, to);
    if (entry === undefined || !entry.answer.ok || this.#clock() - entry.storedAt >= this.#options.ttlMs) return undefined;
    this.#touch(entry);
    return entry.answer.value;
  }

  /** What is held for `key` now; drops it once past every window. */
  read(key: LookupKey): CacheRead<V> | undefined {
    const entry = this.#find(key.kind, key.namespace, key.value, key.scheme, key.to);
    if (entry === undefined) return undefined;
    const age = this.#clock() - entry.storedAt;
    const { ttlMs, staleWhileRevalidateMs, staleIfErrorMs, negativeTtlMs } = this.#options;
    const { answer, storedAt } = entry;
    let read: CacheRead<V> | undefined;
    if (!answer.ok) read = age < negativeTtlMs ? { state: 'negative', error: answer.error } : undefined;
    else if (age < ttlMs) read = { state: 'fresh', value: answer.value, storedAt };
    else if (age < ttlMs + staleWhileRevalidateMs) read = { state: 'stale', value: answer.value, storedAt };
    else if (age < ttlMs + Math.max(staleIfErrorMs, staleWhileRevalidateMs)) read = { state: 'fallback', value: answer.value, storedAt };
    if (read === undefined) {
      this.#delete(entry);
      return undefined;
    }
    this.#touch(entry);
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
  fill(ticket: CacheTicket, answer: Stored<V>, values: Iterable<string>): boolean {
    const held = this.#held.get(ticket.key.id);
    const current = held?.generation ?? 0;
    this.#release(ticket);
    if (current !== ticket.generation) return false;
    this.#store(new Entry(ticket.key, answer, new Set([ticket.key.value, ...values]), this.#clock()));
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
    const covered = new Map<string, LookupKey>();
    for (let entry = this.#oldest; entry !== undefined; entry = entry.newer) if (matches(entry.key, entry.values)) covered.set(entry.key.id, entry.key);
    for (const [id, held] of this.#held) if (matches(held.key, undefined)) covered.set(id, held.key);
    let dropped = 0;
    for (const [id, key] of covered) {
      const entry = this.#find(key.kind, key.namespace, key.value, key.scheme, key.to);
      if (entry !== undefined) {
        this.#unlink(entry);
        dropped += 1;
      }
      const held = this.#held.get(id);
      if (held === undefined) continue;
      if (held.tickets === 0) this.#held.delete(id);
      else held.generation += 1;
    }
    return dropped;
  }

  /** The positive entries, least recently used first: what a snapshot keeps. */
  positiveEntries(): CachedAnswer<V>[] {
    const positive: CachedAnswer<V>[] = [];
    for (let entry = this.#oldest; entry !== undefined; entry = entry.newer) {
      const { key, answer, values, storedAt } = entry;
      if (answer.ok) positive.push({ key, value: answer.value, values, storedAt });
    }
    return positive;
  }

  /** Adds remembered answers (from a snapshot) for keys not held already; the newest answer wins. */
  load(entries: Iterable<{ key: LookupKey; value: V; values: Iterable<string>; storedAt: number }>): void {
    for (const { key, value, values, storedAt } of entries) {
      const current = this.#find(key.kind, key.namespace, key.value, key.scheme, key.to);
      if (current !== undefined && current.storedAt >= storedAt) continue;
      this.#store(new Entry<V>(key, { ok: true, value }, new Set([key.value, ...values]), storedAt));
    }
  }

  #find(kind: LookupKey['kind'], namespace: string, value: string, scheme: string | undefined, to: string | undefined): Entry<V> | undefined {
    let entry = this.#byValue.get(value);
    while (entry !== undefined) {
      const { key } = entry;
      if (key.namespace === namespace && key.kind === kind && key.scheme === scheme && key.to === to) return entry;
      entry = entry.sibling;
    }
    return undefined;
  }

  /** Stores `entry` as the most recently used, in place of any entry of its key, evicting the least recently used past the bound. */
  #store(entry: Entry<V>): void {
    const { key } = entry;
    const current = this.#find(key.kind, key.namespace, key.value, key.scheme, key.to);
    if (current !== undefined) this.#unlink(current);
    entry.sibling = this.#byValue.get(key.value);
    this.#byValue.set(key.value, entry);
    this.#append(entry);
    this.#size += 1;
    this.#hold(key);
    while (this.#size > this.#options.maxEntries && this.#oldest !== undefined) this.#delete(this.#oldest);
  }

  /** Makes `entry` the most recently used. */
  #touch(entry: Entry<V>): void {
    if (entry === this.#newest) return;
    this.#detach(entry);
    this.#append(entry);
  }

  #append(entry: Entry<V>): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest === undefined) this.#oldest = entry;
    else this.#newest.newer = entry;
    this.#newest = entry;
  }

  /** Takes `entry` out of the recency list. */
  #detach(entry: Entry<V>): void {
    if (entry.older === undefined) this.#oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) this.#newest = entry.older;
    else entry.newer.older = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }

  /** Takes `entry` out of the cache (its recency list and its chain), leaving its generation alone. */
  #unlink(entry: Entry<V>): void {
    this.#detach(entry);
    const value = entry.key.value;
    const first = this.#byValue.get(value);
    if (first === entry) {
      if (entry.sibling === undefined) this.#byValue.delete(value);
      else this.#byValue.set(value, entry.sibling);
    } else {
      let before = first;
      while (before !== undefined && before.sibling !== entry) before = before.sibling;
      if (before !== undefined) before.sibling = entry.sibling;
    }
    entry.sibling = undefined;
    this.#size -= 1;
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
    const { key } = ticket;
    const held = this.#held.get(key.id);
    if (held === undefined) return;
    held.tickets = Math.max(0, held.tickets - 1);
    if (held.tickets === 0 && this.#find(key.kind, key.namespace, key.value, key.scheme, key.to) === undefined) this.#held.delete(key.id);
  }

  /** Takes `entry` out of the cache, and forgets its generation unless a fetch of its key is in flight. */
  #delete(entry: Entry<V>): void {
    this.#unlink(entry);
    const held = this.#held.get(entry.key.id);
    if (held !== undefined && held.tickets === 0) this.#held.delete(entry.key.id);
  }
}
