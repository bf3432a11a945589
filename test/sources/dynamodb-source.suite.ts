import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ThrottlingException,
  TransactionCanceledException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoSource } from '../../src/migrate/source/dynamodb/dynamodb-source.js';
import { type RetryNotice, openSource } from '../../src/migrate/source/index.js';
import { StableIdError } from '../../src/model/errors.js';
import { applyOk, body, refusedOf, rejectsWith, scanAll } from './fixtures.js';
import { type DynamoDbLocal, localCredentials, startDynamoDbLocal } from './dynamodb-local.js';
import { createTable, localSource, rawDynamo } from './dynamodb-source-kind.js';

/** A retry policy that waits next to nothing, for tests that count retries rather than time them. */
const QUICK = { baseDelayMs: 1, maxDelayMs: 2 };

/**
 * Makes the first `times` calls of `command` on the client fail with the
 * error `fail` builds, before they reach the endpoint: how a throttled or
 * contended store answers, without having to throttle one.
 */
function failFirst(client: DynamoDBClient, command: string, times: number, fail: () => Error): void {
  let left = times;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === command && left > 0) {
        left -= 1;
        throw fail();
      }
      return next(args);
    },
    { step: 'initialize', name: `fail-${command}-${Math.random()}` },
  );
}

const throughput = (): Error => new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded', $metadata: {} });
const throttling = (): Error => new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} });

/** What only the DynamoDB source has: throttling, key schemas, DynamoDB's own types, tables it does not own. */
export function dynamoSourceSuite(): void {
  describe('DynamoDB source', () => {
    let local: DynamoDbLocal;
    let raw: DynamoDBClient;
    before(async () => {
      local = await startDynamoDbLocal();
      raw = rawDynamo(local);
    });
    after(async () => {
      raw.destroy();
      await local.stop();
    });

    /** A source whose client fails as told, and the retries it reports. */
    const throttledSource = (prefix: string, retry: object = QUICK): { source: DynamoSource; client: DynamoDBClient; notices: RetryNotice[] } => {
      const client = rawDynamo(local);
      const notices: RetryNotice[] = [];
      const source = DynamoSource.open(local.url({ prefix }), { client, retry, onRetry: (notice) => notices.push(notice) });
      return { source, client, notices };
    };

    it('retries throttled reads and writes with backoff until the store takes them, and reports each retry', async () => {
      await createTable(raw, 'thr_orders');
      const { source, client, notices } = throttledSource('thr_');
      try {
        const orders = await source.collection('orders');
        failFirst(client, 'TransactWriteItemsCommand', 3, throughput);
        failFirst(client, 'BatchGetItemCommand', 2, throttling);
        const versions = await applyOk(orders, [{ kind: 'insert', key: 'a', body: body('a') }]);
        assert.equal((await orders.getMany(['a']))[0]?.version, versions.get('a'));
        assert.deepEqual(
          notices.map((notice) => [notice.operation, notice.reason, notice.attempt]),
          [
            ['TransactWriteItems', 'ProvisionedThroughputExceededException', 1],
            ['TransactWriteItems', 'ProvisionedThroughputExceededException', 2],
            ['TransactWriteItems', 'ProvisionedThroughputExceededException', 3],
            ['BatchGetItem', 'ThrottlingException', 1],
            ['BatchGetItem', 'ThrottlingException', 2],
          ],
        );
        // A scan is retried too.
        failFirst(client, 'ScanCommand', 1, throttling);
        const [whole] = await orders.partitions(1);
        assert.ok(whole);
        assert.equal((await scanAll(orders, whole, 10)).documents.length, 1);
        assert.equal(notices.at(-1)?.operation, 'Scan');
      } finally {
        await source.close();
        client.destroy();
      }
    });

    it('retries a transaction that met another, reading and checking again first', async () => {
      await createTable(raw, 'conflict_orders');
      const { source, client, notices } = throttledSource('conflict_');
      try {
        const orders = await source.collection('orders');
        const versions = await applyOk(orders, [{ kind: 'insert', key: 'a', body: body('a') }]);
        failFirst(
          client,
          'TransactWriteItemsCommand',
          1,
          () => new TransactionCanceledException({ message: 'Transaction cancelled [TransactionConflict]', CancellationReasons: [{ Code: 'TransactionConflict' }], $metadata: {} }),
        );
        await applyOk(orders, [{ kind: 'replace', key: 'a', expected: versions.get('a') ?? '', body: body('a', { again: true }) }]);
        assert.deepEqual(
          notices.map((notice) => notice.reason),
          ['TransactionCanceledException (TransactionConflict)'],
        );
        assert.deepEqual((await orders.getMany(['a']))[0]?.body, body('a', { again: true }));
      } finally {
        await source.close();
        client.destroy();
      }
    });

    it('gives up with STORE_BUSY once the policy says so, having written nothing', async () => {
      await createTable(raw, 'busy_orders');
      const { source, client } = throttledSource('busy_', { ...QUICK, giveUpAfterMs: 0 });
      try {
        const orders = await source.collection('orders');
        failFirst(client, 'TransactWriteItemsCommand', 1, throughput);
        const error = await rejectsWith(orders.apply([{ kind: 'insert', key: 'a', body: body('a') }]), 'STORE_BUSY');
        assert.equal(error.context['reason'], 'ProvisionedThroughputExceededException');
        assert.equal(await orders.count(), 0);
      } finally {
        await source.close();
        client.destroy();
      }
    });

    it('asks again for the keys a BatchGetItem leaves unprocessed', async () => {
      await createTable(raw, 'unproc_orders');
      const { source, client, notices } = throttledSource('unproc_');
      try {
        const orders = await source.collection('orders');
        const all = Array.from({ length: 12 }, (_, index) => `k${index}`);
        await applyOk(orders, all.map((key) => ({ kind: 'insert' as const, key, body: body(key) })));
        let first = true;
        client.middlewareStack.add(
          (next, context) => async (args) => {
            const result = await next(args);
            if (context.commandName === 'BatchGetItemCommand' && first) {
              first = false;
              // As a throttled table answers: part of the keys read, the rest handed back.
              const output = result.output as { Responses?: Record<string, unknown[]>; UnprocessedKeys?: Record<string, { Keys: unknown[] }> };
              const [table, items = []] = Object.entries(output.Responses ?? {})[0] ?? [];
              if (table) {
                const kept = items.slice(0, 5);
                output.Responses = { [table]: kept };
                output.UnprocessedKeys = { [table]: { Keys: items.slice(5).map((item) => ({ pk: (item as { pk: unknown }).pk })) } };
              }
            }
            return result;
          },
          { step: 'initialize', name: 'unprocessed' },
        );
        const found = await orders.getMany(all);
        assert.deepEqual(found.map((document) => document.key).sort(), [...all].sort());
        assert.deepEqual(
          notices.map((notice) => notice.reason),
          ['UnprocessedKeys'],
        );
      } finally {
        await source.close();
        client.destroy();
      }
    });

    it('keys a table with a sort key by the JSON array of both, and a number key by its plain decimal', async () => {
      await createTable(raw, 'composite', {
        schema: [
          { AttributeName: 'customer', KeyType: 'HASH' },
          { AttributeName: 'placed', KeyType: 'RANGE' },
        ],
        definitions: [
          { AttributeName: 'customer', AttributeType: 'S' },
          { AttributeName: 'placed', AttributeType: 'N' },
        ],
      });
      await createTable(raw, 'numbered', { schema: [{ AttributeName: 'id', KeyType: 'HASH' }], definitions: [{ AttributeName: 'id', AttributeType: 'N' }] });
      const source = localSource(local);
      try {
        const composite = await source.collection('composite');
        await applyOk(composite, [
          { kind: 'insert', key: '["c1","20240501"]', body: { total: 1 } },
          { kind: 'insert', key: '["c1","20240502"]', body: { total: 2 } },
        ]);
        assert.deepEqual((await raw.send(new GetItemCommand({ TableName: 'composite', Key: { customer: { S: 'c1' }, placed: { N: '20240502' } } }))).Item?.['total'], { N: '2' });
        const [whole] = await composite.partitions(1);
        assert.ok(whole);
        assert.deepEqual((await scanAll(composite, whole, 1)).documents.map((document) => document.key).sort(), ['["c1","20240501"]', '["c1","20240502"]']);
        // Another spelling of the same key names no document, and cannot be inserted.
        assert.deepEqual(await composite.getMany(['[ "c1", "20240501" ]', '["c1"]', 'c1']), []);
        await rejectsWith(composite.apply([{ kind: 'insert', key: '["c1", "20240503"]', body: { total: 3 } }]), 'INVALID_ARGUMENT');
        // The key attributes are the key's to give, not the body's.
        await rejectsWith(composite.apply([{ kind: 'insert', key: '["c2","1"]', body: { customer: 'c2' } }]), 'INVALID_ARGUMENT');

        const numbered = await source.collection('numbered');
        await applyOk(numbered, [{ kind: 'insert', key: '42', body: { n: 'forty-two' } }]);
        assert.deepEqual((await numbered.getMany(['42', '42.0', '4.2e1']))[0]?.key, '42');
        assert.equal((await numbered.getMany(['42.0'])).length, 0);
        await rejectsWith(numbered.apply([{ kind: 'insert', key: '1e3', body: {} }]), 'INVALID_ARGUMENT');
      } finally {
        await source.close();
      }
    });

    it('keeps what JSON cannot say — sets, binary, numbers past a double — through a read and a replace', async () => {
      await createTable(raw, 'typed');
      const source = localSource(local);
      try {
        const typed = await source.collection('typed');
        const item = {
          pk: { S: 't1' },
          tags: { SS: ['b', 'a'] },
          sizes: { NS: ['10', '2.5'] },
          blob: { B: Buffer.from('hello') },
          big: { N: '12345678901234567890123' },
          exact: { N: '0.1' },
          tagLike: { M: { $N: { S: 'not a tag' } } },
        };
        await raw.send(new PutItemCommand({ TableName: 'typed', Item: item }));
        const [read] = await typed.getMany(['t1']);
        assert.deepEqual(read?.body, {
          tags: { $SS: ['a', 'b'] },
          sizes: { $NS: ['10', '2.5'] },
          blob: { $B: Buffer.from('hello').toString('base64') },
          big: { $N: '12345678901234567890123' },
          exact: 0.1,
          tagLike: { $M: { $N: 'not a tag' } },
        });
        await applyOk(typed, [{ kind: 'replace', key: 't1', expected: read?.version ?? '', body: { ...(read?.body ?? {}), note: 'kept' } }]);
        const stored = (await raw.send(new GetItemCommand({ TableName: 'typed', Key: { pk: { S: 't1' } } }))).Item ?? {};
        assert.deepEqual(new Set(stored['tags']?.SS), new Set(['a', 'b']));
        assert.deepEqual(new Set(stored['sizes']?.NS), new Set(['10', '2.5']));
        assert.equal(Buffer.from(stored['blob']?.B ?? []).toString(), 'hello');
        assert.equal(stored['big']?.N, '12345678901234567890123');
        assert.deepEqual(stored['tagLike'], { M: { $N: { S: 'not a tag' } } });
        assert.deepEqual(stored['note'], { S: 'kept' });
        await rejectsWith(typed.apply([{ kind: 'insert', key: 't2', body: { empty: { $SS: [] } } }]), 'INVALID_ARGUMENT');
      } finally {
        await source.close();
      }
    });

    it('sees the application change an attribute deep inside a map: the version moves and a stale write is refused', async () => {
      await createTable(raw, 'deep');
      const source = localSource(local);
      try {
        const deep = await source.collection('deep');
        const versions = await applyOk(deep, [{ kind: 'insert', key: 'd', body: { nested: { list: [1, { x: 'a' }] } } }]);
        await raw.send(
          new UpdateItemCommand({ TableName: 'deep', Key: { pk: { S: 'd' } }, UpdateExpression: 'SET nested.#l[1].x = :v', ExpressionAttributeNames: { '#l': 'list' }, ExpressionAttributeValues: { ':v': { S: 'b' } } }),
        );
        const [now] = await deep.getMany(['d']);
        assert.notEqual(now?.version, versions.get('d'));
        assert.deepEqual(refusedOf(await deep.apply([{ kind: 'delete', key: 'd', expected: versions.get('d') ?? '' }])), { d: 'conflict' });
        await applyOk(deep, [{ kind: 'delete', key: 'd', expected: now?.version ?? '' }]);
      } finally {
        await source.close();
      }
    });

    it('requires the table to exist, and creates no table but its own fence table', async () => {
      const source = localSource(local, { prefix: 'own_' });
      try {
        const error = await rejectsWith(source.collection('missing'), 'SOURCE_NOT_FOUND');
        assert.match(error.message, /own_missing/);
        await createTable(raw, 'own_orders');
        const orders = await source.collection('orders');
        assert.equal((await orders.apply([{ kind: 'insert', key: 'a', body: body('a') }], { name: 'lease', token: 7 })).ok, true);
        const tables = (await raw.send(new ListTablesCommand({}))).TableNames ?? [];
        assert.deepEqual(
          tables.filter((table) => table.startsWith('own_')).sort(),
          ['own_orders', 'own_stableid_fences'],
        );
        assert.deepEqual((await raw.send(new GetItemCommand({ TableName: 'own_stableid_fences', Key: { name: { S: 'lease' } } }))).Item?.['token'], { N: '7' });
      } finally {
        await source.close();
      }
    });

    it('names the endpoint, never a credential, when it cannot be reached', async () => {
      const source = DynamoSource.open('dynamodb://127.0.0.1:1?region=local', { config: { credentials: { ...localCredentials(), secretAccessKey: 'hunter2-secret' }, maxAttempts: 1 } });
      try {
        const error = await rejectsWith(source.collection('orders'), 'STORE_UNAVAILABLE');
        assert.match(error.message, /127\.0\.0\.1:1/);
        assert.doesNotMatch(JSON.stringify({ message: error.message, context: error.context }), /hunter2/);
      } finally {
        await source.close();
      }
    });

    it('reads its URL, and refuses a malformed one, credentials in it, or an unknown option', async () => {
      for (const [reference, description] of [
        ['dynamodb://?region=eu-west-1', 'dynamodb://?region=eu-west-1'],
        ['dynamodb://localhost:8000', 'dynamodb://localhost:8000?region=local'],
        ['dynamodb://?endpoint=https://dynamodb.eu-west-1.amazonaws.com&region=eu-west-1&prefix=prod_', 'dynamodb://?endpoint=https://dynamodb.eu-west-1.amazonaws.com&region=eu-west-1&prefix=prod_'],
      ] as const) {
        const source = openSource(reference);
        assert.equal(source.description, description);
        await source.close();
      }
      for (const reference of ['dynamodb://key:secret-pw@localhost:8000', 'dynamodb://localhost:8000/orders', 'dynamodb://?table=orders', 'dynamodb://?prefix=no%20spaces', 'dynamodb://h:1?endpoint=http://x']) {
        assert.throws(
          () => openSource(reference),
          (error: unknown) => error instanceof StableIdError && error.code === 'INVALID_ARGUMENT' && !error.message.includes('secret-pw'),
          reference,
        );
      }
    });
  });
}
