import { StableIdError } from '../model/errors.js';
import type { Lease, RunStore } from './runs/run-store.js';
import type { Fence } from './source/source.js';

/**
 * A held migration lease, renewed in the background. Once a renewal fails
 * (a newer runner took over) the holder must stop: `check()` throws, and the
 * fence its writes carry is refused by the source anyway.
 */
export class HeldLease {
  readonly #runs: RunStore;
  readonly #ttlMs: number;
  readonly #clock: () => Date;
  #lease: Lease;
  #lost = false;
  #timer: NodeJS.Timeout | undefined;
  #renewal: Promise<void> = Promise.resolve();

  private constructor(runs: RunStore, lease: Lease, ttlMs: number, clock: () => Date) {
    this.#runs = runs;
    this.#lease = lease;
    this.#ttlMs = ttlMs;
    this.#clock = clock;
    this.#timer = setInterval(() => {
      this.#renewal = this.#renew();
    }, Math.max(50, Math.floor(ttlMs / 3)));
    this.#timer.unref();
  }

  /** Takes the migration's lease, or refuses with LEASE_HELD while another runner holds it. */
  static async acquire(runs: RunStore, migration: string, holder: string, ttlMs: number, clock: () => Date): Promise<HeldLease> {
    const lease = await runs.acquireLease(migration, holder, ttlMs, clock());
    if (!lease) throw new StableIdError('LEASE_HELD', `migration "${migration}" is being run by another runner; wait for it, or for its lease to expire`, { migration });
    return new HeldLease(runs, lease, ttlMs, clock);
  }

  /** What the holder's source writes carry, so that a stale holder's writes are refused. */
  get fence(): Fence {
    return { name: `migration:${this.#lease.migration}`, token: this.#lease.token };
  }

  /** The lease as held now (holder, token, expiry). */
  get lease(): Lease {
    return this.#lease;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  /**
   * Renews the lease now and throws LEASE_LOST if it is gone: called right
   * before writes the source's fence cannot guard (the registry's), so that a
   * runner that stalled past its lease does not write them after its successor.
   */
  async confirm(): Promise<void> {
    this.check();
    const renewed = await this.#runs.renewLease(this.#lease, this.#ttlMs, this.#clock());
    if (!renewed) this.#lost = true;
    else this.#lease = renewed;
    this.check();
  }

  /** Throws LEASE_LOST once the lease has gone to someone else. */
  check(): void {
    if (this.#lost) {
      throw new StableIdError('LEASE_LOST', `the lease on migration "${this.#lease.migration}" was lost to a newer runner; this runner stopped writing`, {
        migration: this.#lease.migration,
      });
    }
  }

  async #renew(): Promise<void> {
    if (this.#lost) return;
    try {
      const renewed = await this.#runs.renewLease(this.#lease, this.#ttlMs, this.#clock());
      if (renewed) this.#lease = renewed;
      else this.#lost = true;
    } catch {
      // An unreachable run store is not a lost lease; the next renewal tries again, and the fence still guards the writes.
    }
  }

  async release(): Promise<void> {
    clearInterval(this.#timer);
    await this.#renewal;
    if (!this.#lost) await this.#runs.releaseLease(this.#lease);
  }
}
