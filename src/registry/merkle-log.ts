import { StableIdError } from '../model/errors.js';
import { MerkleBuilder } from '../model/merkle/merkle-builder.js';
import { hashToHex } from '../model/merkle/merkle-hash.js';
import { type LeafRange, consistencyRanges, inclusionRanges } from '../model/merkle/merkle-ranges.js';
import { type EventHash, type StoreReader, TILE_SIZE } from '../store/store.js';

/*
 * A namespace's event log as an RFC 9162 Merkle tree. Leaf i is the chain
 * hash of event i + 1 (its 32 bytes): that hash already commits to the
 * event's every field and to every event before it, the stores keep it as
 * bytes, and so a tree over a million events is a read of 32 MB and two
 * million SHA-256 calls, with no event decoded. The tree is never held in
 * memory: it is computed by appending (see MerkleBuilder), and proofs take
 * their subtrees from the stored tiles (roots of aligned 256-leaf subtrees,
 * written by checkpoints) and from leaves read in order.
 */

const TILE_LEVEL = Math.log2(TILE_SIZE);
/** Leaves read per store call. */
const PAGE = 65_536;

/** A tree built leaf by leaf, remembering its root and last leaf at chosen sizes and the root of every tile it completes. */
export class LogTree {
  readonly #builder: MerkleBuilder;
  readonly #wanted: ReadonlySet<number>;
  readonly #roots = new Map<number, Buffer>();
  readonly #heads = new Map<number, Buffer>();
  readonly tiles: Buffer[] = [];
  #head: Buffer | null = null;

  constructor(sizes: Iterable<number> = []) {
    this.#wanted = new Set(sizes);
    this.#builder = new MerkleBuilder({
      level: TILE_LEVEL,
      onSubtree: (index, root) => {
        this.tiles[index] = root;
      },
    });
  }

  /** Appends the next event's chain hash. */
  append(hash: Buffer): void {
    this.#builder.appendEntry(hash);
    this.#head = hash;
    const size = this.#builder.size;
    if (this.#wanted.has(size)) {
      this.#roots.set(size, this.#builder.root());
      this.#heads.set(size, hash);
    }
  }

  get size(): number {
    return this.#builder.size;
  }

  root(): Buffer {
    return this.#builder.root();
  }

  /** The hash of the last event appended, or null before the first. */
  get head(): Buffer | null {
    return this.#head;
  }

  /** The root when the tree had `size` leaves (one of the sizes asked for), if it got that far. */
  rootAt(size: number): Buffer | undefined {
    return size === this.size ? this.root() : this.#roots.get(size);
  }

  /** The last leaf when the tree had `size` leaves, if it got that far. */
  headAt(size: number): Buffer | undefined {
    return size === this.size ? (this.#head ?? undefined) : this.#heads.get(size);
  }
}

/**
 * Reads events 1…size of the namespace's log in order into a LogTree. A log
 * whose seqs are not 1, 2, 3, … is refused with VERIFY_FAILED, naming the
 * first seq that is missing or out of place.
 */
export async function scanLog(reader: StoreReader, namespace: string, size: number, sizes: Iterable<number> = []): Promise<LogTree> {
  const tree = new LogTree(sizes);
  for (let from = 1; from <= size; from += PAGE) {
    const to = Math.min(size, from + PAGE - 1);
    appendLeaves((hash) => tree.append(hash), namespace, from, await reader.eventHashes(namespace, from, to), to - from + 1);
  }
  return tree;
}

/** Each of `count` leaves from seq `from` on, in order; VERIFY_FAILED at the first seq missing or out of place. */
function appendLeaves(append: (hash: Buffer) => void, namespace: string, from: number, leaves: readonly EventHash[], count: number): void {
  for (let i = 0; i < count; i++) {
    const leaf = leaves[i];
    if (!leaf || leaf.seq !== from + i) {
      throw new StableIdError('VERIFY_FAILED', `event ${from + i} of "${namespace}" is missing from its log; run stableid verify`, { namespace, seq: from + i });
    }
    append(leaf.hash);
  }
}

/**
 * Inclusion and consistency proofs of one namespace's tree, from one store
 * snapshot. Subtree roots are remembered, since the proofs of neighbouring
 * events share most of theirs.
 */
export class LogProver {
  readonly #reader: StoreReader;
  readonly #namespace: string;
  readonly #roots = new Map<string, Buffer>();

  constructor(reader: StoreReader, namespace: string) {
    this.#reader = reader;
    this.#namespace = namespace;
  }

  /** The inclusion proof of leaf `index` (event index + 1) in the tree of `size` leaves, hex, nearest sibling first. */
  async inclusion(index: number, size: number): Promise<string[]> {
    return this.#rootsOf(inclusionRanges(index, size));
  }

  /** The consistency proof between the trees of `from` and `to` leaves, hex, in RFC 9162 order. */
  async consistency(from: number, to: number): Promise<string[]> {
    return this.#rootsOf(consistencyRanges(from, to));
  }

  async #rootsOf(ranges: readonly LeafRange[]): Promise<string[]> {
    const roots: string[] = [];
    for (const [start, end] of ranges) roots.push(hashToHex(await this.rangeRoot(start, end)));
    return roots;
  }

  /**
   * The root of leaves [start, end), a subtree of the namespace's tree: the
   * stored tiles it spans, then the leaves after the last of them. A range
   * of a proof that spans tiles starts on a tile boundary (RFC 9162 splits
   * at powers of two), so no leaf before a tile is ever needed.
   */
  async rangeRoot(start: number, end: number): Promise<Buffer> {
    const key = `${start}:${end}`;
    const known = this.#roots.get(key);
    if (known) return known;
    const builder = new MerkleBuilder();
    let at = start;
    if (start % TILE_SIZE === 0 && end - start >= TILE_SIZE) {
      for (const tile of await this.#reader.merkleTiles(this.#namespace, start / TILE_SIZE, Math.floor(end / TILE_SIZE))) {
        if (tile.index * TILE_SIZE !== at) break;
        builder.appendSubtree(TILE_SIZE, tile.root);
        at += TILE_SIZE;
      }
    }
    for (let from = at; from < end; from += PAGE) {
      const to = Math.min(end, from + PAGE);
      const leaves = await this.#reader.eventHashes(this.#namespace, from + 1, to);
      appendLeaves((hash) => builder.appendEntry(hash), this.#namespace, from + 1, leaves, to - from);
    }
    const root = builder.root();
    this.#roots.set(key, root);
    return root;
  }
}
