import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSource } from '../../src/migrate/source/index.js';
import type { Source } from '../../src/migrate/source/source.js';
import { LOCAL_AWS_ENV, type DynamoDbLocal, startDynamoDbLocal } from '../sources/dynamodb-local.js';
import { createTable, rawDynamo } from '../sources/dynamodb-source-kind.js';
import { dropPrefix, freshPrefix, rawRedis, redisSkip, redisUrl } from '../sources/redis-env.js';
import { MODULE } from './orders-v2-module.js';
import { scratch } from './run-cli.js';

const legacy = (n: number): string => `ORD-${String(n).padStart(6, '0')}`;
const N = 30;

/** What a user does from the shell, on a NoSQL store: plan, run (in worker processes where the store splits its scans), status, rollback. */
async function tour(cli: ReturnType<typeof scratch>, module: string, source: string, workers: number, partitions: number): Promise<void> {
  assert.equal((await cli.run('namespace', 'create', 'order', '--owner', 'orders-team')).code, 0);
  assert.equal((await cli.run('scheme', 'add', 'order', 'v1', '--format', 'pattern', '--pattern', 'ORD-\\d{6}', '--max-length', '10')).code, 0);
  assert.equal((await cli.run('scheme', 'add', 'order', 'v2', '--format', 'pattern', '--pattern', 'ord_\\d{26}', '--max-length', '30')).code, 0);
  const plan = await cli.run('migrate', 'plan', module, '--source', source);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, new RegExp(`to change\\s+${N} \\(${N} re-keyed\\)`));
  const run = await cli.run('--json', 'migrate', 'run', module, '--source', source, '--waves', '10,100', '--batch-size', '4', '--workers', String(workers));
  assert.equal(run.code, 0, run.stderr);
  const record = run.json<{ id: string; status: string; details: { partitions: Record<string, unknown[]>; waves: { counts: { written: number } }[] } }>();
  assert.equal(record.status, 'completed');
  assert.equal(record.details.partitions['0']?.length, partitions, 'the partitions the store split its scan into');
  assert.equal(record.details.waves.reduce((sum, wave) => sum + wave.counts.written, 0), N);
  assert.match((await cli.run('migrate', 'status', record.id)).stdout, /wave 2 \(100%\): .* gate passed/);
  const rollback = await cli.run('migrate', 'rollback', record.id, module, '--source', source);
  assert.equal(rollback.code, 0, rollback.stderr);
  assert.match(rollback.stdout, new RegExp(`${N} document\\(s\\) restored.*0 conflict`));
  assert.match(rollback.stdout, /digests .* equal those before the run/);
  assert.equal((await cli.run('verify')).code, 0);
}

async function seed(source: Source): Promise<void> {
  try {
    const orders = await source.collection('orders');
    const all = Array.from({ length: N }, (_, i) => ({ kind: 'insert' as const, key: legacy(i + 1), body: { number: legacy(i + 1), total: i + 1 } }));
    const size = orders.traits.maxWrites ?? all.length;
    for (let start = 0; start < all.length; start += size) assert.equal((await orders.apply(all.slice(start, start + size))).ok, true);
  } finally {
    await source.close();
  }
}

describe('stableid migrate on Redis (--source redis://…)', { skip: await redisSkip() }, () => {
  const cli = scratch();
  const module = join(cli.db, '..', 'orders-v2.mjs');
  const prefix = freshPrefix();
  const source = redisUrl({ prefix });
  before(async () => {
    writeFileSync(module, MODULE);
    await seed(openSource(source));
  });
  after(async () => {
    const raw = rawRedis();
    await dropPrefix(raw, prefix);
    raw.disconnect();
    cli.cleanup();
  });

  // SCAN walks the keyspace with one cursor: one partition, so one process, however many workers are asked for.
  it('plans, runs, shows status and rolls back', () => tour(cli, module, source, 2, 1));
});

describe('stableid migrate on DynamoDB (--source dynamodb://…)', () => {
  const cli = scratch();
  const module = join(cli.db, '..', 'orders-v2.mjs');
  let local: DynamoDbLocal;
  before(async () => {
    // The CLI, and the worker processes it forks, reach DynamoDB as any AWS SDK program does: credentials from the environment.
    for (const [name, value] of Object.entries(LOCAL_AWS_ENV)) process.env[name] ??= value;
    writeFileSync(module, MODULE);
    local = await startDynamoDbLocal();
    const raw = rawDynamo(local);
    await createTable(raw, 'orders');
    raw.destroy();
    await seed(openSource(local.url()));
  });
  after(async () => {
    await local.stop();
    cli.cleanup();
  });

  it('plans, runs in three worker processes (one parallel Scan segment each), shows status and rolls back', () => tour(cli, module, local.url(), 3, 3));
});
