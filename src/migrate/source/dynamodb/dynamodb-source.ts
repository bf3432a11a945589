import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DescribeTableCommandOutput,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { StableIdError } from '../../../model/errors.js';
import type { Source, SourceCollection } from '../source.js';
import { DynamoClient } from './dynamodb-client.js';
import { DynamoCollection } from './dynamodb-collection.js';
import { Backoff, DEFAULT_RETRY, type RetryNotice, type RetryPolicy } from './dynamodb-retry.js';
import { parseDynamoUrl } from './dynamodb-url.js';
import { tableKey } from './item-keys.js';

export interface DynamoSourceOptions {
  /** A client of your own (with its own credentials, middleware, …); the source leaves it open when it closes. By default the source makes one from the URL and the SDK's usual configuration. */
  readonly client?: DynamoDBClient;
  /** Configuration merged into the client the source makes (credentials, maxAttempts, …). */
  readonly config?: DynamoDBClientConfig;
  /** How throttled calls and conflicting transactions are retried. */
  readonly retry?: Partial<RetryPolicy>;
  /** Told of every retry (what was refused, why, and the delay), for logs and metrics. */
  readonly onRetry?: (notice: RetryNotice) => void;
}

/** How long a fence table the source created may take to become ACTIVE. */
const TABLE_READY_MS = 120_000;
/** Table names: what DynamoDB allows. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/**
 * The DynamoDB source (AWS SDK v3): a collection is a table the user owns,
 * with a partition key and an optional sort key, each item a document. The
 * source creates no table of the user's; for fencing it creates one of its
 * own, `<prefix>stableid_fences`, on the first fenced batch. The endpoint,
 * region and credentials come from the URL or, as for any AWS SDK program,
 * from the environment, so the same code runs against AWS and a local
 * endpoint.
 */
export class DynamoSource implements Source {
  readonly description: string;
  readonly #client: DynamoClient;
  readonly #prefix: string;
  #fences: Promise<string> | undefined;

  private constructor(client: DynamoClient, prefix: string, description: string) {
    this.#client = client;
    this.#prefix = prefix;
    this.description = description;
  }

  /** A source for `dynamodb://[host:port][?region=…&endpoint=…&prefix=…]`; calls nothing until first used. */
  static open(url: string, options: DynamoSourceOptions = {}): DynamoSource {
    const target = parseDynamoUrl(url);
    const client =
      options.client ??
      new DynamoDBClient({
        ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
        ...(target.region === undefined ? {} : { region: target.region }),
        ...options.config,
      });
    const backoff = new Backoff({ ...DEFAULT_RETRY, ...options.retry }, options.onRetry);
    return new DynamoSource(new DynamoClient(client, options.client === undefined, backoff, target.description), target.prefix, target.description);
  }

  /** The collection stored in table `<prefix><name>`; SOURCE_NOT_FOUND when there is no such table. */
  async collection(name: string): Promise<SourceCollection> {
    const table = this.#tableName(name);
    const described = await this.#describe(table);
    if (!described) throw new StableIdError('SOURCE_NOT_FOUND', `${this.description} has no table "${table}"`, { collection: name, source: this.description });
    const key = tableKey(table, described.KeySchema, described.AttributeDefinitions);
    return new DynamoCollection(name, table, key, this.#client, () => this.#fenceTable());
  }

  /**
   * Creates the table of a collection if it is missing — keyed by the
   * string attribute `key`, billed per request — and returns the
   * collection. For tests, the demo and benchmarks: in production the table
   * is the application's.
   */
  async createCollection(name: string): Promise<SourceCollection> {
    await this.#createTable(this.#tableName(name), 'key');
    return this.collection(name);
  }

  /** Deletes the table of a collection, if there is one (`stableid_fences` names the source's fence table). For the demo and tests. */
  async dropCollection(name: string): Promise<void> {
    try {
      await this.#client.send('DeleteTable', new DeleteTableCommand({ TableName: this.#tableName(name) }));
    } catch (error) {
      if ((error as StableIdError).context?.['error'] !== 'ResourceNotFoundException') throw error;
    }
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  #tableName(name: string): string {
    const table = `${this.#prefix}${typeof name === 'string' ? name : ''}`;
    if (typeof name !== 'string' || name === '' || !TABLE_NAME.test(table)) {
      throw new StableIdError('INVALID_ARGUMENT', `collection "${String(name)}" must name a DynamoDB table (3 to 255 of A-Z, a-z, 0-9, _, . and -, with the prefix "${this.#prefix}")`, {
        field: 'collection',
        value: String(name),
      });
    }
    return table;
  }

  async #describe(table: string): Promise<NonNullable<DescribeTableCommandOutput['Table']> | null> {
    try {
      const answer = await this.#client.send<DescribeTableCommandOutput>('DescribeTable', new DescribeTableCommand({ TableName: table }));
      return answer.Table ?? null;
    } catch (error) {
      if ((error as StableIdError).context?.['error'] === 'ResourceNotFoundException') return null;
      throw error;
    }
  }

  /** The fence table, created (and waited for) when missing; a failure is tried again by the next batch rather than remembered. */
  #fenceTable(): Promise<string> {
    this.#fences ??= this.#createFenceTable().catch((error: unknown) => {
      this.#fences = undefined;
      throw error;
    });
    return this.#fences;
  }

  async #createFenceTable(): Promise<string> {
    const table = `${this.#prefix}stableid_fences`;
    await this.#createTable(table, 'name');
    return table;
  }

  /** Creates a table keyed by a string attribute, billed per request, unless it exists; waits until it is ACTIVE. */
  async #createTable(table: string, key: string): Promise<void> {
    if ((await this.#describe(table))?.TableStatus === 'ACTIVE') return;
    try {
      await this.#client.send(
        'CreateTable',
        new CreateTableCommand({
          TableName: table,
          KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (error) {
      // Another runner created it first: as good.
      if ((error as StableIdError).context?.['error'] !== 'ResourceInUseException') throw error;
    }
    const deadline = performance.now() + TABLE_READY_MS;
    while ((await this.#describe(table))?.TableStatus !== 'ACTIVE') {
      if (performance.now() > deadline) throw new StableIdError('STORE_UNAVAILABLE', `${this.description}: table ${table} did not become ACTIVE`, { store: this.description });
      await sleep(100);
    }
  }
}
