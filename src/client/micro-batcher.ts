import type { Outcome } from './answer.js';

/** Sends one group's items as one request; answers in the order given, one outcome per item. */
export type BatchSender<K, T> = (items: readonly K[]) => Promise<readonly Outcome<T>[]>;

interface Waiting<K, T> {
  readonly item: K;
  readonly resolve: (outcome: Outcome<T>) => void;
  readonly reject: (error: unknown) => void;
}

interface Group<K, T> {
  readonly waiting: Waiting<K, T>[];
  readonly timer: NodeJS.Timeout;
}

/**
 * Gathers the items enqueued within `windowMs` of the first one of their
 * group and sends them together: one request per group per window, never
 * more than `limit` items (a full group goes out at once). A failure of the
 * request rejects every item of it.
 */
export class MicroBatcher<K, T> {
  readonly #windowMs: number;
  readonly #limit: number;
  readonly #send: BatchSender<K, T>;
  readonly #groups = new Map<string, Group<K, T>>();

  constructor(options: { windowMs: number; limit: number; send: BatchSender<K, T> }) {
    this.#windowMs = options.windowMs;
    this.#limit = options.limit;
    this.#send = options.send;
  }

  enqueue(group: string, item: K): Promise<Outcome<T>> {
    return new Promise((resolve, reject) => {
      let pending = this.#groups.get(group);
      if (pending === undefined) {
        pending = { waiting: [], timer: setTimeout(() => this.#flush(group), this.#windowMs) };
        this.#groups.set(group, pending);
      }
      pending.waiting.push({ item, resolve, reject });
      if (pending.waiting.length >= this.#limit) this.#flush(group);
    });
  }

  /** Sends every group now (on close). */
  flushAll(): void {
    for (const group of [...this.#groups.keys()]) this.#flush(group);
  }

  #flush(group: string): void {
    const pending = this.#groups.get(group);
    if (pending === undefined) return;
    this.#groups.delete(group);
    clearTimeout(pending.timer);
    const { waiting } = pending;
    this.#send(waiting.map((w) => w.item)).then(
      (outcomes) => {
        waiting.forEach((w, i) => {
          const outcome = outcomes[i];
          if (outcome === undefined) w.reject(new Error(`the batch answer has ${outcomes.length} items for ${waiting.length} asked`));
          else w.resolve(outcome);
        });
      },
      (error: unknown) => {
        for (const w of waiting) w.reject(error);
      },
    );
  }
}
