import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { StableIdError } from '../model/errors.js';
import type { Source, SourceCollection } from '../migrate/source/source.js';
import type { CliContext } from './cli-context.js';

/** Where the demo's migration tour keeps its documents, and how it leaves the store as it found it. */
export interface DemoStore {
  /** What the documents are, for the tour's heading, e.g. "JSON in a SQLite table". */
  readonly what: string;
  readonly source: Source;
  readonly collection: SourceCollection;
  /** Removes what the tour created in a shared store (nothing for the demo's own SQLite file); says what it removed. Closes the source. */
  close(): Promise<string | null>;
}

/** Where the Redis tour runs unless a URL is given: the server our machines (and `.ci/run`) start. */
const LOCAL_REDIS = 'redis://127.0.0.1:6379';

/** A URL with a prefix of the tour's own put in front of any prefix the URL names. */
function withPrefix(reference: string, prefix: string): string {
  const url = new URL(reference);
  url.searchParams.set('prefix', `${url.searchParams.get('prefix') ?? ''}${prefix}`);
  return url.toString();
}

/** Refuses, before the tour writes anything, a store it cannot run on. */
export function checkDemoStore(choice: string): void {
  if (['sqlite', 'redis', 'dynamodb'].includes(choice) || /^rediss?:\/\//.test(choice) || choice.startsWith('dynamodb:')) return;
  throw new StableIdError('INVALID_ARGUMENT', `--source takes sqlite, redis, dynamodb, or a redis:// or dynamodb:// URL; got ${JSON.stringify(choice)}`, { field: 'source' });
}

/**
 * The store the tour migrates in: `sqlite` (the default, a file in the
 * tour's directory), `redis` or a `redis://…` URL (JSON strings under a key
 * prefix of the tour's own, removed at the end), `dynamodb` or a
 * `dynamodb://…` URL (a table of the tour's own, and its fence table,
 * deleted at the end; endpoint, region and credentials as for any AWS SDK
 * program).
 */
export async function openDemoStore(cli: CliContext, dir: string, choice = 'sqlite'): Promise<DemoStore> {
  const id = randomBytes(4).toString('hex');
  if (choice === 'sqlite') {
    const source = await cli.source(join(dir, 'app.db'));
    return { what: 'JSON in a SQLite table', source, collection: await source.collection('invoices'), close: async () => null };
  }
  if (choice === 'redis' || /^rediss?:\/\//.test(choice)) {
    const { RedisSource } = await import('../migrate/source/redis/redis-source.js');
    const source = RedisSource.open(withPrefix(choice === 'redis' ? LOCAL_REDIS : choice, `stableid-demo-${id}:`));
    return opened(source, () => source.collection('invoices'), `JSON strings in Redis, keys stableid-demo-${id}:invoices:*`, async () => {
      const removed = await source.removeAll();
      return `removed the tour's ${removed} Redis keys`;
    });
  }
  if (choice === 'dynamodb' || choice.startsWith('dynamodb:')) {
    const { DynamoSource } = await import('../migrate/source/dynamodb/dynamodb-source.js');
    const prefix = `stableid_demo_${id}_`;
    const source = DynamoSource.open(withPrefix(choice === 'dynamodb' ? 'dynamodb://' : choice, prefix));
    return opened(source, () => source.createCollection('invoices'), `items of the DynamoDB table ${prefix}invoices`, async () => {
      await source.dropCollection('invoices');
      await source.dropCollection('stableid_fences');
      return `deleted the tour's tables ${prefix}invoices and ${prefix}stableid_fences`;
    });
  }
  checkDemoStore(choice);
  throw new StableIdError('INTERNAL', `no demo store for ${JSON.stringify(choice)}`, {});
}

/** A store the tour opened itself: its collection, and a close that cleans up then closes, whatever happened. */
async function opened(source: Source, collection: () => Promise<SourceCollection>, what: string, cleanup: () => Promise<string>): Promise<DemoStore> {
  try {
    return {
      what,
      source,
      collection: await collection(),
      async close() {
        try {
          return await cleanup();
        } finally {
          await source.close();
        }
      },
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}
