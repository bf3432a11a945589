import type { Source, SourceCollection } from './source.js';

/**
 * A source whose implementation — and the client library it needs (the AWS
 * SDK, ioredis) — loads on first use, so that a command that never touches
 * that store does not pay for loading it. The description is known at once.
 */
export class DeferredSource implements Source {
  readonly description: string;
  readonly #open: () => Promise<Source>;
  #opened: Promise<Source> | undefined;

  constructor(description: string, open: () => Promise<Source>) {
    this.description = description;
    this.#open = open;
  }

  async collection(name: string): Promise<SourceCollection> {
    this.#opened ??= this.#open();
    return (await this.#opened).collection(name);
  }

  async close(): Promise<void> {
    const opened = await this.#opened?.catch(() => undefined);
    await opened?.close();
  }
}
