import type { IdentifierKey, Store, StoreReader } from '../store/store.js';
import type { GovernanceState } from './governance.js';
import { NamespaceIndex } from './namespace-index.js';
import type { ResolverReader } from './resolver.js';
import type { Maybe } from './steps.js';

export interface ReadIndexOptions {
  /**
   * How old an answer may be, in milliseconds: within this long of its last
   * check, a namespace is answered without asking the store whether it has
   * moved on. 0 (the default) asks on every read, so every answer reflects
   * each write committed before the read began, by this process or any other.
   */
  readonly maxStalenessMs?: number;
  /** Events fetched per catch-up step. */
  readonly catchUpBatch?: number;
  readonly clock?: () => number;
}

/** A namespace index, and when the store last confirmed it current. */
interface Entry {
  readonly index: NamespaceIndex;
  checkedAt: number;
  /** How many of the owner's writes had ended when that check began. */
  checkedWrites: number;
}

/** A load or catch-up under way, and how many of the owner's writes it will reflect. */
interface Pending {
  readonly done: Promise<Entry | undefined>;
  readonly writes: number;
}

/**
 * The resolver's reads served from memory: each namespace's projection,
 * loaded once from the store and then kept current by applying the events
 * appended since — by this process or any other writer of the store — with
 * the same pure projection the write path stores. Before a read, the
 * namespace's chain head is compared with the index's (one small read), so
 * answers are as fresh as the store's unless `maxStalenessMs` allows
 * otherwise. As-of reads are answered too: the index holds every row's
 * history, as the store's tables do.
 */
export class ReadIndex {
  readonly #store: Store;
  readonly #maxStalenessMs: number;
  readonly #catchUpBatch: number;
  readonly #clock: () => number;
  readonly #entries = new Map<string, Entry>();
  /** A namespace being loaded or caught up: later reads wait for the same work. */
  readonly #pending = new Map<string, Pending>();
  /** The owner's writes so far: an answer must reflect every one that ended before the read began. */
  #writes = 0;
  #warming: Promise<void> | null = null;
  #warm = false;
  /** The governance state for reads, and when the store last confirmed it. */
  #governance: { state: GovernanceState; checkedAt: number; checkedWrites: number } | null = null;

  constructor(store: Store, options: ReadIndexOptions = {}) {
    this.#store = store;
    this.#maxStalenessMs = options.maxStalenessMs ?? 0;
    this.#catchUpBatch = options.catchUpBatch ?? 10_000;
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * Loads every namespace the store holds, so first reads do not pay for it.
   * Reads meanwhile wait for the namespace they ask about; the service is not
   * ready until this settles. Calling it again returns the same work.
   */
  warm(): Promise<void> {
    this.#warming ??= (async () => {
      const names = await this.#store.read((reader) => reader.logNamespaces());
      for (const name of names) await this.#current(name);
      this.#warm = true;
    })();
    return this.#warming;
  }

  /** Whether a `warm()` has begun and not yet finished. */
  get warming(): boolean {
    return this.#warming !== null && !this.#warm;
  }

  /** Makes every namespace check the store before its next answer, whatever `maxStalenessMs` allows: the owner has just written. */
  expire(): void {
    this.#writes += 1;
  }

  /**
   * The governance state reads are answered by (their exposure flags), held
   * as fresh as the namespaces: `load` (the registry's loader, which reads
   * the governance log again only when its head has moved) asks the store at
   * most every `maxStalenessMs`, and after each of the owner's writes.
   */
  async governance(load: (reader: StoreReader) => Promise<GovernanceState>): Promise<GovernanceState> {
    const writes = this.#writes;
    const held = this.#governance;
    if (held && held.checkedWrites === writes && this.#clock() - held.checkedAt < this.#maxStalenessMs) return held.state;
    const checkedAt = this.#clock();
    const state = await this.#store.read(load);
    this.#governance = { state, checkedAt, checkedWrites: writes };
    return state;
  }

  /** The namespaces held in memory, with the seq each reflects. */
  loaded(): ReadonlyMap<string, number> {
    return new Map([...this.#entries].map(([name, entry]) => [name, entry.index.seq]));
  }

  /**
   * Runs `fn` against the namespace's index brought up to date: a reader
   * answering for `namespace` only (any other namespace reads as absent).
   */
  async read<T>(namespace: string, fn: (reader: ResolverReader) => Maybe<T>): Promise<T> {
    const entry = await this.#current(namespace);
    return fn(new IndexReader(namespace, entry?.index));
  }

  async #current(namespace: string): Promise<Entry | undefined> {
    const writes = this.#writes;
    const entry = this.#entries.get(namespace);
    if (entry && entry.checkedWrites === writes && this.#clock() - entry.checkedAt < this.#maxStalenessMs) return entry;
    const pending = this.#pending.get(namespace);
    // Work begun before one of the owner's writes ended may miss it: this read waits for a check begun after.
    if (pending && pending.writes === writes) return pending.done;
    const done = (pending ? pending.done.catch(() => undefined) : Promise.resolve(undefined))
      .then(() => this.#refresh(namespace, writes))
      .finally(() => {
        if (this.#pending.get(namespace)?.done === done) this.#pending.delete(namespace);
      });
    this.#pending.set(namespace, { done, writes });
    return done;
  }

  async #refresh(namespace: string, writes: number): Promise<Entry | undefined> {
    let entry = this.#entries.get(namespace);
    const checkedAt = this.#clock();
    const head = await this.#store.read((reader) => reader.head(namespace));
    // No event, no namespace: nothing is kept for names that do not exist.
    if (!head) return undefined;
    if (!entry) {
      const { seq, rows } = await this.#store.read(async (reader) => {
        const at = await reader.head(namespace);
        return { seq: at?.seq ?? 0, rows: await reader.projection(namespace) };
      });
      const index = NamespaceIndex.fromRows(namespace, seq, rows);
      entry = { index, checkedAt, checkedWrites: writes };
      this.#entries.set(namespace, entry);
    }
    const { index } = entry;
    while (index.seq < head.seq) {
      const after = index.seq;
      const { events, secrets } = await this.#store.read(async (reader) => {
        const batch = await reader.events(namespace, after, this.#catchUpBatch);
        const last = batch.at(-1)?.seq ?? after;
        return { events: batch, secrets: batch.length === 0 ? [] : await reader.secrets(namespace, after + 1, last) };
      });
      if (events.length === 0) break;
      index.apply(events, secrets);
    }
    entry.checkedAt = checkedAt;
    entry.checkedWrites = writes;
    return entry;
  }
}

/**
 * The resolver's reader over one namespace's index (undefined for a
 * namespace that does not exist); every other namespace reads as absent.
 */
class IndexReader implements ResolverReader {
  readonly #namespace: string;
  readonly #index: NamespaceIndex | undefined;
  /** The last event this read sees, fixed when it began. */
  readonly #upTo: number;

  constructor(namespace: string, index: NamespaceIndex | undefined) {
    this.#namespace = namespace;
    this.#index = index;
    this.#upTo = index?.seq ?? 0;
  }

  #of(name: string): NamespaceIndex | undefined {
    return name === this.#namespace ? this.#index : undefined;
  }

  getNamespace(name: string) {
    return this.#of(name)?.namespace;
  }

  listSchemes(name: string) {
    return this.#of(name)?.schemesUpTo(this.#upTo) ?? [];
  }

  schemeStates(name: string) {
    return this.#of(name)?.schemeStatesUpTo(this.#upTo) ?? [];
  }

  findIdentifiers(name: string, keys: readonly IdentifierKey[]) {
    return this.#of(name)?.find(keys, this.#upTo) ?? [];
  }

  identifiersOfEntities(name: string, entities: readonly string[]) {
    return this.#of(name)?.identifiersOf(entities, this.#upTo) ?? [];
  }

  identifierStates(name: string, identifiers: readonly number[]) {
    return this.#of(name)?.statesOf(identifiers, this.#upTo) ?? [];
  }

  bindings(name: string, entities: readonly string[]) {
    return this.#of(name)?.bindingsOf(entities, this.#upTo) ?? [];
  }
}
