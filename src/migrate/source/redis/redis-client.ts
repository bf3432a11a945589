import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { StableIdError } from '../../../model/errors.js';

/** Server replies that mean Redis cannot serve us now (loading, a read-only replica, out of memory, a script running too long), not a bug. */
const UNAVAILABLE_REPLY = /^(?:LOADING|READONLY|OOM|BUSY|MASTERDOWN|NOAUTH|WRONGPASS|NOPERM)\b/;

/**
 * The source's connection: one ioredis client (commands from concurrent
 * calls are pipelined on it; scripts need no connection of their own), which
 * reports failures as StableIdErrors naming the server (never the password)
 * and runs scripts by their SHA-1, loading them when the server lacks them.
 */
export class RedisClient {
  readonly #redis: Redis;
  readonly #where: string;
  readonly #shas = new Map<string, string>();
  #closed = false;

  constructor(options: RedisOptions, where: string) {
    this.#where = where;
    this.#redis = new Redis({
      ...options,
      lazyConnect: true,
      connectTimeout: 10_000,
      // A server that is not there fails the call after a few tries rather than queueing it for ever.
      maxRetriesPerRequest: 2,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    // A failure reaches the caller through its command; the event must not go unhandled.
    this.#redis.on('error', () => undefined);
  }

  /** One command. */
  async call(command: string, ...args: (string | number)[]): Promise<unknown> {
    return this.#guard(() => this.#redis.call(command, ...args));
  }

  /** Runs a script on `keys` and `args`. */
  async script(lua: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    let sha = this.#shas.get(lua);
    if (!sha) {
      sha = createHash('sha1').update(lua).digest('hex');
      this.#shas.set(lua, sha);
    }
    return this.#guard(async () => {
      try {
        return await this.#redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
        return this.#redis.eval(lua, keys.length, ...keys, ...args);
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#redis.status === 'ready') await this.#redis.quit().catch(() => this.#redis.disconnect());
    else this.#redis.disconnect();
  }

  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StableIdError('STORE_UNAVAILABLE', `${this.#where} is closed`, { store: this.#where });
    try {
      return await fn();
    } catch (error) {
      throw this.#error(error);
    }
  }

  #error(error: unknown): StableIdError {
    if (error instanceof StableIdError) return error;
    const message = error instanceof Error ? error.message : String(error);
    // A reply from the server carries its message; anything else is the connection failing.
    const reply = (error as Error | null)?.name === 'ReplyError';
    if (!reply || UNAVAILABLE_REPLY.test(message)) {
      return new StableIdError('STORE_UNAVAILABLE', `cannot use ${this.#where}: ${message}`, { store: this.#where }, { cause: error });
    }
    return new StableIdError('INTERNAL', `redis: ${message}`, { store: this.#where }, { cause: error });
  }
}
