import { isDeepStrictEqual } from 'node:util';
import { StableIdError, toStableIdError } from '../model/errors.js';
import { type ExposureFlag, type Stage, type StageFlag, bucketOf, exposed, flagFor, stageFor } from '../model/flags.js';
import { type Clock, systemClock } from './clock.js';
import { type FlagSource, NO_FLAGS, type NamespaceFlags, type StageChange, type StageChanged } from './flag-source.js';

/** How long flags are kept. */
export interface FlagCacheOptions {
  /** How long a namespace's flags are `fresh` (default 10 s: a stage change reaches every process within it). */
  readonly ttlMs?: number;
  /** How long past the TTL they are still served (`stale`) while a refresh runs in the background (default 30 s). */
  readonly staleWhileRevalidateMs?: number;
  /** How long past the TTL they are still served (`stale`) while the source cannot be read: the grace window (default 24 h). */
  readonly staleIfErrorMs?: number;
  /**
   * After a failed read, how long answers come from the grace window or the
   * defaults without asking the source again (default 1 s), so that an
   * outage costs one timeout per namespace and interval, not one per request.
   */
  readonly retryAfterErrorMs?: number;
}

export interface FlagReaderOptions extends FlagCacheOptions {
  /**
   * The flags assumed for a namespace whose flags were never read (or not
   * within the grace window) while the source cannot be read. Default none:
   * every consumer `off`, every scheme shown — the state before any
   * migration. A consumer whose old path is gone (it reached `complete`)
   * should name its stage here, so that a cold start during an outage does
   * not send it back to the old path.
   */
  readonly defaults?: (namespace: string) => NamespaceFlags;
  /** The time the cache reads (default `Date.now`). */
  readonly clock?: Clock;
}

export const DEFAULT_FLAG_CACHE: Required<FlagCacheOptions> = Object.freeze({
  ttlMs: 10_000,
  staleWhileRevalidateMs: 30_000,
  staleIfErrorMs: 86_400_000,
  retryAfterErrorMs: 1_000,
});

/**
 * Where flags came from: the source just now (`canonical`), the cache within
 * its TTL (`fresh`), past it (`stale`: while a refresh runs, or while the
 * source cannot be read), or the configured defaults (`default`: the source
 * cannot be read and nothing usable is cached).
 */
export type FlagAnswerSource = 'canonical' | 'fresh' | 'stale' | 'default';

export const FLAG_ANSWER_SOURCES: readonly FlagAnswerSource[] = Object.freeze(['canonical', 'fresh', 'stale', 'default']);

/** A namespace's flags and where they came from. */
export interface FlagsAnswer extends NamespaceFlags {
  readonly source: FlagAnswerSource;
}

/** The stage of one consumer for one identifier. */
export interface StageAnswer {
  readonly stage: Stage;
  readonly source: FlagAnswerSource;
  /** The flag that decided it (the consumer's own or the `*` one); undefined when none applies (`off`). */
  readonly flag: StageFlag | undefined;
  /** The identifier's bucket for the consumer, 0–99. */
  readonly bucket: number;
}

/** Whether one consumer is shown one identifier of a scheme. */
export interface ExposureAnswer {
  readonly exposed: boolean;
  readonly source: FlagAnswerSource;
  /** The flag that decided it; undefined when none applies (shown). */
  readonly flag: ExposureFlag | undefined;
  readonly bucket: number;
}

/** What the reader tells its subscribers. */
export type FlagReaderEvent =
  /** A read or a stage change found a namespace's flags different from those held. */
  | { readonly type: 'changed'; readonly namespace: string; readonly flags: NamespaceFlags }
  /** A read of the source failed; answers come from the grace window (`stale`) or the defaults meanwhile. */
  | { readonly type: 'failed'; readonly namespace: string; readonly error: StableIdError };

interface Held {
  readonly flags: NamespaceFlags;
  readonly storedAt: number;
}

/**
 * Transition flags, read through a cache with the rules of identifier
 * lookups — a TTL, stale-while-revalidate, stale-if-error within a grace
 * window — and one more, because a flag read must never fail a request: when
 * the source cannot be read and nothing usable is cached, the answer is the
 * configured defaults, labelled `default`. No read of a reader rejects.
 *
 * Concurrent reads of one namespace share one call to the source. A stage
 * change made through the reader ({@link setStage}) is seen by its next read
 * at once; a read that left before it is not written back over it.
 *
 * The reader owns background refreshes: {@link idle} waits for them.
 */
export class FlagReader implements FlagSource {
  readonly #source: FlagSource;
  readonly #options: Required<FlagCacheOptions>;
  readonly #defaults: (namespace: string) => NamespaceFlags;
  readonly #clock: Clock;
  readonly #held = new Map<string, Held>();
  /** Bumped by every invalidation and stage change of a namespace: a read that left before one is not written back. */
  readonly #generations = new Map<string, number>();
  readonly #failedAt = new Map<string, number>();
  readonly #inflight = new Map<string, Promise<NamespaceFlags>>();
  readonly #background = new Set<Promise<void>>();
  readonly #listeners = new Set<(event: FlagReaderEvent) => void>();
  readonly #counts: Record<FlagAnswerSource, number> = { canonical: 0, fresh: 0, stale: 0, default: 0 };

  constructor(source: FlagSource, options: FlagReaderOptions = {}) {
    const { defaults, clock, ...cache } = options;
    this.#source = source;
    this.#options = Object.freeze({ ...DEFAULT_FLAG_CACHE, ...cache });
    for (const [field, value] of Object.entries(this.#options)) {
      if (!Number.isFinite(value) || value < 0) throw new StableIdError('INVALID_ARGUMENT', `flag option ${field} must be a non-negative number, not ${value}`, { field });
    }
    this.#defaults = defaults ?? (() => NO_FLAGS);
    this.#clock = clock ?? systemClock;
  }

  /** The namespace's flags and where they came from. Never rejects. */
  async flags(namespace: string): Promise<FlagsAnswer> {
    const { ttlMs, staleWhileRevalidateMs, staleIfErrorMs, retryAfterErrorMs } = this.#options;
    const now = this.#clock();
    let held = this.#held.get(namespace);
    const age = held === undefined ? Infinity : now - held.storedAt;
    if (held !== undefined && age < ttlMs) return this.#answer(held.flags, 'fresh');
    if (held !== undefined && age < ttlMs + staleWhileRevalidateMs) {
      this.#refresh(namespace);
      return this.#answer(held.flags, 'stale');
    }
    if (held !== undefined && age >= ttlMs + Math.max(staleIfErrorMs, staleWhileRevalidateMs)) {
      this.#held.delete(namespace);
      held = undefined;
    }
    const failedAt = this.#failedAt.get(namespace);
    if (failedAt === undefined || now - failedAt >= retryAfterErrorMs) {
      try {
        return this.#answer(await this.#fetch(namespace), 'canonical');
      } catch {
        // Told to subscribers by #fetch; the answer comes from the grace window or the defaults.
      }
    }
    return held === undefined ? this.#answer(this.#defaults(namespace), 'default') : this.#answer(held.flags, 'stale');
  }

  /** The stage `consumer` is in for `identifier` (bucketed on the two). Never rejects. */
  async stage(namespace: string, consumer: string, identifier: string): Promise<StageAnswer> {
    const { stages, source } = await this.flags(namespace);
    const flag = flagFor(stages, consumer);
    return { stage: stageFor(flag, consumer, identifier), source, flag, bucket: bucketOf(consumer, identifier) };
  }

  /** Whether `consumer` is shown `identifier` of `scheme`. Never rejects. */
  async exposed(namespace: string, scheme: string, consumer: string, identifier: string): Promise<ExposureAnswer> {
    const answer = await this.flags(namespace);
    const flag = flagFor(
      answer.exposure.filter((candidate) => candidate.scheme === scheme),
      consumer,
    );
    return { exposed: exposed(flag, consumer, identifier), source: answer.source, flag, bucket: bucketOf(consumer, identifier) };
  }

  /**
   * Sets a consumer's stage flag through the source, and holds the flag it
   * answers so that the next read sees it. Rejects as the source does, and
   * with INVALID_ARGUMENT when the source cannot set stages.
   */
  async setStage(namespace: string, consumer: string, change: StageChange): Promise<StageChanged> {
    if (this.#source.setStage === undefined) {
      throw new StableIdError('INVALID_ARGUMENT', 'this flag source cannot set stages', { namespace, consumer, field: 'setStage' });
    }
    const changed = await this.#source.setStage(namespace, consumer, change);
    this.#bump(namespace);
    const held = this.#held.get(namespace);
    if (held !== undefined) {
      const { stages, exposure } = held.flags;
      const at = stages.findIndex((flag) => flag.consumer === consumer);
      const next = at < 0 ? [...stages, changed.flag] : stages.map((flag, index) => (index === at ? changed.flag : flag));
      this.#store(namespace, Object.freeze({ stages: Object.freeze(next), exposure }), held.storedAt);
    }
    return changed;
  }

  /** Forgets the flags held for `namespace`, or for every namespace: the next read asks the source. */
  invalidate(namespace?: string): void {
    const namespaces = namespace === undefined ? [...new Set([...this.#held.keys(), ...this.#inflight.keys()])] : [namespace];
    for (const name of namespaces) {
      this.#held.delete(name);
      this.#failedAt.delete(name);
      this.#bump(name);
    }
  }

  /** Calls `listener` with every event until the returned function is called. */
  subscribe(listener: (event: FlagReaderEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many answers came from each source. */
  counts(): Readonly<Record<FlagAnswerSource, number>> {
    return { ...this.#counts };
  }

  /** Settles once no read of the source is in flight (background refreshes included). */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0 || this.#background.size > 0) {
      await Promise.allSettled([...this.#inflight.values(), ...this.#background]);
    }
  }

  #answer(flags: NamespaceFlags, source: FlagAnswerSource): FlagsAnswer {
    this.#counts[source] += 1;
    return { stages: flags.stages, exposure: flags.exposure, source };
  }

  /** The source's flags: one read however many ask at once, held unless a change or invalidation came meanwhile. */
  #fetch(namespace: string): Promise<NamespaceFlags> {
    const inflight = this.#inflight.get(namespace);
    if (inflight !== undefined) return inflight;
    const generation = this.#generations.get(namespace) ?? 0;
    const read = this.#source.flags(namespace).then(
      (flags) => {
        const fetched: NamespaceFlags = Object.freeze({ stages: Object.freeze([...flags.stages]), exposure: Object.freeze([...flags.exposure]) });
        this.#failedAt.delete(namespace);
        if ((this.#generations.get(namespace) ?? 0) === generation) this.#store(namespace, fetched, this.#clock());
        return fetched;
      },
      (thrown: unknown) => {
        const error = toStableIdError(thrown);
        this.#failedAt.set(namespace, this.#clock());
        this.#emit({ type: 'failed', namespace, error });
        throw error;
      },
    );
    const tracked = read.finally(() => {
      if (this.#inflight.get(namespace) === tracked) this.#inflight.delete(namespace);
    });
    this.#inflight.set(namespace, tracked);
    return tracked;
  }

  /** Refreshes stale flags in the background; a failure leaves them in place. */
  #refresh(namespace: string): void {
    if (this.#inflight.has(namespace)) return;
    const refresh = this.#fetch(namespace).then(
      () => undefined,
      () => undefined,
    );
    this.#background.add(refresh);
    void refresh.finally(() => this.#background.delete(refresh));
  }

  #store(namespace: string, flags: NamespaceFlags, storedAt: number): void {
    const before = this.#held.get(namespace);
    this.#held.set(namespace, { flags, storedAt });
    if (before !== undefined && !isDeepStrictEqual(before.flags, flags)) this.#emit({ type: 'changed', namespace, flags });
  }

  #bump(namespace: string): void {
    this.#generations.set(namespace, (this.#generations.get(namespace) ?? 0) + 1);
  }

  #emit(event: FlagReaderEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A subscriber's failure is its own: it never fails a read.
      }
    }
  }
}
