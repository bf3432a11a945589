import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StableIdError } from '../../../model/errors.js';
import type { Backoff } from './dynamodb-retry.js';
import { retryReason, toStableIdError } from './dynamodb-errors.js';

/** A command of the SDK (ScanCommand, TransactWriteItemsCommand, …), whatever its input and output. */
interface Command {
  readonly input: object;
}

/**
 * The source's DynamoDB client: every call retried while the store
 * throttles it (with backoff, so that a throttled run slows down rather
 * than fails), and its failures reported as StableIdErrors naming the
 * source.
 */
export class DynamoClient {
  readonly #client: DynamoDBClient;
  readonly #owned: boolean;
  readonly #where: string;
  readonly backoff: Backoff;
  #closed = false;

  /** `owned`: whether closing the source destroys the client (one it made), or leaves it to the caller that passed it. */
  constructor(client: DynamoDBClient, owned: boolean, backoff: Backoff, where: string) {
    this.#client = client;
    this.#owned = owned;
    this.backoff = backoff;
    this.#where = where;
  }

  get where(): string {
    return this.#where;
  }

  /** One call, retried while throttled. */
  async send<T>(operation: string, command: Command): Promise<T> {
    return this.guard(() => this.backoff.run(operation, () => this.raw<T>(command), retryReason, this.#where));
  }

  /** One call as it is: no retries, the SDK's own errors. */
  async raw<T>(command: Command): Promise<T> {
    if (this.#closed) throw new StableIdError('STORE_UNAVAILABLE', `${this.#where} is closed`, { store: this.#where });
    // Each command class is one overload of send(); the answer's type is the caller's to name.
    return (await this.#client.send(command as Parameters<DynamoDBClient['send']>[0])) as T;
  }

  /** Runs `fn`, reporting its failures as StableIdErrors. */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toStableIdError(error, this.#where);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) this.#client.destroy();
  }
}
