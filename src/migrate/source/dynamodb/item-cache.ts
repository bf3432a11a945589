import type { Item } from './item-codec.js';

/**
 * The items most recently read or written, by key and version. A write
 * names the version it read; with the item of that version at hand, the
 * source conditions the write on it without reading it again. A version is
 * a digest of the whole item, so a cached item is exactly the one the
 * version names; if the stored item moved on since, the condition fails and
 * the write is refused, as it should be.
 */
export class ItemCache {
  readonly #capacity: number;
  readonly #items = new Map<string, Item>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  remember(key: string, version: string, item: Item): void {
    const id = `${key}\u0000${version}`;
    this.#items.delete(id);
    this.#items.set(id, item);
    // Oldest first out: a Map iterates in insertion order.
    while (this.#items.size > this.#capacity) this.#items.delete(this.#items.keys().next().value as string);
  }

  get(key: string, version: string): Item | undefined {
    return this.#items.get(`${key}\u0000${version}`);
  }
}
