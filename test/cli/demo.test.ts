import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_AWS_ENV, startDynamoDbLocal } from '../sources/dynamodb-local.js';
import { rawDynamo } from '../sources/dynamodb-source-kind.js';
import { REDIS_URL, redisSkip } from '../sources/redis-env.js';
import { scratch, serving } from './run-cli.js';

describe('stableid demo', () => {
  const { run, cleanup } = scratch();
  after(cleanup);

  it('tours a fresh registry end to end and verifies it', async () => {
    const result = await run('demo', '--count', '200');
    assert.equal(result.code, 0, result.stderr);
    for (const step of ['1. A namespace', '3. Import 200 legacy identifiers', '4. Alias every entity', '6. Rebind', '7. Deprecate', '8. Migrate the documents', '9. Bad input is refused', '10. A consumer moves', '11. Verify']) {
      assert.ok(result.stdout.includes(step), `the tour shows "${step}"`);
    }
    assert.match(result.stdout, /200 registered, 0 rejected/);
    assert.match(result.stdout, /refused: INVALID_IDENTIFIER/);
    assert.match(result.stdout, /refused: IDENTIFIER_CONFLICT/);
    assert.match(result.stdout, /repeating a register is idempotent: changed=false/);
    assert.match(result.stdout, /wave 2 \(100%\): \d+ written; gate passed/);
    assert.match(result.stdout, /rollback: 500 restored, 0 conflicts; digests equal to before the run: true/);
    assert.match(result.stdout, /ok {3}order: \d+ events/);
  });

  it('with --serve, then serves the tour\'s registry over HTTP until SIGTERM', async () => {
    const demo = serving(['demo', '--count', '50', '--serve', '--port', '0'], { STABLEID_ACTOR: 'test' });
    const base = await demo.url;
    assert.match(demo.stdout(), /12\. The identity service/);
    const translation = await fetch(`${base}/v1/namespaces/order/identifiers/ORD-000042/translations/v2`);
    assert.equal(translation.status, 200, 'reads are open');
    assert.match(((await translation.json()) as { to: { value: string } }).to.value, /^ord_/);
    process.emit('SIGTERM', 'SIGTERM');
    assert.equal(await demo.exit, 0);
    assert.match(demo.stderr(), /stopped/);
  });

  it('refuses a registry that is not empty, and changes nothing', async () => {
    const before = await run('--json', 'history', 'order', '--limit', '100000');
    const result = await run('demo', '--count', '200');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /INVALID_ARGUMENT: the demo needs an empty registry/);
    assert.equal((await run('--json', 'history', 'order', '--limit', '100000')).stdout, before.stdout);
  });
});

const redisSkipped = await redisSkip();

describe('stableid demo --source: the migration tour on Redis and DynamoDB', () => {
  /** What every tour shows of its migration, whatever the store. */
  const assertTour = (stdout: string): void => {
    assert.match(stdout, /wave 1 \(10%\): \d+ written; gate passed/);
    assert.match(stdout, /wave 2 \(100%\): \d+ written; gate passed/);
    assert.match(stdout, /INV-000001 now lives at inv_/);
    assert.match(stdout, /rollback: 500 restored, 0 conflicts; digests equal to before the run: true/);
    assert.match(stdout, /ok {3}order: \d+ events/);
  };

  it('runs the tour on Redis, then removes every key it wrote', { skip: redisSkipped }, async () => {
    const { run, cleanup } = scratch();
    try {
      const result = await run('demo', '--count', '50', '--source', REDIS_URL);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /500 invoices \(JSON strings in Redis, keys stableid-demo-[0-9a-f]+:invoices:\*\)/);
      assertTour(result.stdout);
      // The 500 invoices, and the fence key of the run's lease.
      assert.match(result.stdout, /removed the tour's 501 Redis keys/);
    } finally {
      cleanup();
    }
  });

  it('runs the tour on DynamoDB (a local endpoint here; AWS as the SDK is configured otherwise), then deletes its tables', async () => {
    // The CLI reaches DynamoDB as any AWS SDK program does: credentials from the environment.
    for (const [name, value] of Object.entries(LOCAL_AWS_ENV)) process.env[name] ??= value;
    const local = await startDynamoDbLocal();
    const raw = rawDynamo(local);
    const { run, cleanup } = scratch();
    try {
      const result = await run('demo', '--count', '50', '--source', local.url());
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /500 invoices \(items of the DynamoDB table stableid_demo_[0-9a-f]+_invoices\)/);
      assertTour(result.stdout);
      assert.match(result.stdout, /deleted the tour's tables stableid_demo_[0-9a-f]+_invoices and stableid_demo_[0-9a-f]+_stableid_fences/);
      assert.deepEqual((await raw.send(new ListTablesCommand({}))).TableNames, []);
      assert.doesNotMatch(result.stderr, /NodeVersionSupportWarning/);
    } finally {
      cleanup();
      raw.destroy();
      await local.stop();
    }
  });

  it('refuses a store it does not know, writing nothing', async () => {
    const { run, cleanup } = scratch();
    try {
      const result = await run('demo', '--count', '50', '--source', 'mongodb://localhost');
      assert.equal(result.code, 2);
      assert.match(result.stderr, /INVALID_ARGUMENT: --source takes sqlite, redis, dynamodb/);
    } finally {
      cleanup();
    }
  });
});
