import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { StableIdError } from '../../model/errors.js';
import type { AppendSet } from '../store.js';
import type { AppendReply, AppendRequest } from './append-protocol.js';
import { deserializeError } from './append-protocol.js';

type Pending = { resolve: () => void; reject: (error: StableIdError) => void };
type Request = AppendRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * The main thread's handle on the append worker: requests go out in order and
 * are answered in order. `append` does not wait, so the caller goes on
 * working while the worker writes; a failed append surfaces at `commit`.
 */
export class AppendPipeline {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 1;
  #broken: StableIdError | null = null;

  constructor(path: string) {
    // The worker's own source sits beside this file, as .ts under tsx and as .js when built.
    const extension = extname(fileURLToPath(import.meta.url));
    const entry = new URL(`./append-worker${extension}`, import.meta.url);
    this.#worker =
      extension === '.ts'
        ? // Run from TypeScript sources (tests, benchmarks): the worker registers the same loader first.
          new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`, {
            eval: true,
            workerData: { path },
          })
        : new Worker(entry, { workerData: { path } });
    this.#worker.unref();
    this.#worker.on('message', (reply: AppendReply) => {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (reply.ok) pending.resolve();
      else pending.reject(deserializeError(reply.error));
    });
    this.#worker.on('error', (error) => this.#fail(new StableIdError('STORE_UNAVAILABLE', `append worker failed: ${error.message}`, {}, { cause: error })));
    this.#worker.on('exit', (code) => this.#fail(new StableIdError('STORE_UNAVAILABLE', `append worker exited (${code})`)));
  }

  /** Whether the worker has failed or stopped; a broken pipeline answers every request with that failure. */
  get broken(): boolean {
    return this.#broken !== null;
  }

  begin(): Promise<void> {
    return this.#request({ type: 'begin' });
  }

  /** Queues an append; its failure, if any, is reported by `commit`. */
  append(set: AppendSet): void {
    this.#request({ type: 'append', set }).catch(() => undefined);
  }

  commit(): Promise<void> {
    return this.#request({ type: 'commit' });
  }

  rollback(): Promise<void> {
    return this.#request({ type: 'rollback' });
  }

  async close(): Promise<void> {
    this.#broken ??= new StableIdError('STORE_UNAVAILABLE', 'the store is closed');
    await this.#worker.terminate();
  }

  #request(request: Request): Promise<void> {
    if (this.#broken) return Promise.reject(this.#broken);
    const id = this.#next++;
    // Referenced only while a request is out, so an idle worker never keeps the process alive.
    this.#worker.ref();
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id });
    });
  }

  #fail(error: StableIdError): void {
    this.#broken ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
