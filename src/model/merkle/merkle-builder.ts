import { EMPTY_ROOT, leafHash, nodeHash } from './merkle-hash.js';

/** Told of each perfect subtree of the watched size as it completes: its index among subtrees of that size, and its root. */
export type SubtreeListener = (index: number, root: Buffer) => void;

export interface MerkleBuilderOptions {
  /** Watch subtrees of 2^level leaves (aligned on their size); `onSubtree` hears of each as it completes. */
  readonly level?: number;
  readonly onSubtree?: SubtreeListener;
}

/**
 * An RFC 9162 tree built by appending, keeping only the roots of its
 * perfect subtrees (at most one per bit of the size: the "compact range"),
 * so that a tree of a million leaves costs 32 bytes × 20 of memory and one
 * node hash per leaf on average. `root()` is the tree head at any moment.
 *
 * A builder may also start from whole subtrees (stored roots) instead of
 * leaves, as long as each is aligned on its size within what the builder
 * holds: the result is the same tree.
 */
export class MerkleBuilder {
  readonly #sizes: number[] = [];
  readonly #roots: Buffer[] = [];
  readonly #watched: number;
  readonly #onSubtree: SubtreeListener | undefined;
  #size = 0;

  constructor(options: MerkleBuilderOptions = {}) {
    this.#watched = options.level === undefined ? 0 : 2 ** options.level;
    this.#onSubtree = options.onSubtree;
  }

  /** How many leaves the tree holds. */
  get size(): number {
    return this.#size;
  }

  /** Appends one entry: its leaf hash is SHA-256(0x00 || entry). */
  appendEntry(entry: Uint8Array): void {
    this.#push(1, leafHash(entry));
  }

  /** Appends one leaf by its (already computed) leaf hash. */
  appendLeafHash(hash: Buffer): void {
    this.#push(1, hash);
  }

  /** Appends a perfect subtree of `size` leaves (a power of two, aligned: the tree's size is a multiple of it) by its root. */
  appendSubtree(size: number, root: Buffer): void {
    if (!Number.isSafeInteger(size) || size < 1 || this.#size % size !== 0 || 2 ** Math.round(Math.log2(size)) !== size) {
      throw new RangeError(`a subtree of ${size} leaves cannot follow ${this.#size} leaves`);
    }
    this.#push(size, root);
  }

  /** The root of the tree as it stands: MTH of every leaf appended, or the empty tree's root. */
  root(): Buffer {
    const count = this.#roots.length;
    if (count === 0) return EMPTY_ROOT;
    let root = this.#roots[count - 1] as Buffer;
    for (let i = count - 2; i >= 0; i--) root = nodeHash(this.#roots[i] as Buffer, root);
    return root;
  }

  #push(size: number, hash: Buffer): void {
    const sizes = this.#sizes;
    const roots = this.#roots;
    this.#size += size;
    let top = size;
    let root = hash;
    if (top === this.#watched) this.#onSubtree?.(this.#size / top - 1, root);
    while (sizes.length > 0 && sizes[sizes.length - 1] === top) {
      sizes.pop();
      root = nodeHash(roots.pop() as Buffer, root);
      top *= 2;
      if (top === this.#watched) this.#onSubtree?.(this.#size / top - 1, root);
    }
    sizes.push(top);
    roots.push(root);
  }
}
