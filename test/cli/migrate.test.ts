import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteSource } from '../../src/migrate/source/index.js';
import { MODULE } from './orders-v2-module.js';
import { scratch } from './run-cli.js';

const legacy = (n: number): string => `ORD-${String(n).padStart(6, '0')}`;

describe('stableid migrate', () => {
  const cli = scratch();
  const dir = join(cli.db, '..');
  const source = join(dir, 'app.db');
  const module = join(dir, 'orders-v2.mjs');
  before(async () => {
    writeFileSync(module, MODULE);
    const app = SqliteSource.open(source);
    const orders = await app.collection('orders');
    await orders.apply(Array.from({ length: 30 }, (_, i) => ({ kind: 'insert' as const, key: legacy(i + 1), body: { number: legacy(i + 1), total: i + 1 } })));
    await app.close();
    assert.equal((await cli.run('namespace', 'create', 'order', '--owner', 'orders-team')).code, 0);
    assert.equal((await cli.run('scheme', 'add', 'order', 'v1', '--format', 'pattern', '--pattern', 'ORD-\\d{6}', '--max-length', '10')).code, 0);
    assert.equal((await cli.run('scheme', 'add', 'order', 'v2', '--format', 'pattern', '--pattern', 'ord_\\d{26}', '--max-length', '30')).code, 0);
  });
  after(() => cli.cleanup());

  it('plans, writing the identifier diff, then runs, shows status, and rolls back', async () => {
    const out = join(dir, 'plan.ndjson');
    const plan = await cli.run('migrate', 'plan', module, '--source', source, '--out', out);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /to change\s+30 \(30 re-keyed\)/);
    assert.match(plan.stdout, /ready to run/);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 30);

    const run = await cli.run('--json', 'migrate', 'run', module, '--source', source, '--waves', '10,100', '--batch-size', '7');
    assert.equal(run.code, 0, run.stderr);
    const record = run.json<{ id: string; status: string }>();
    assert.equal(record.status, 'completed');

    const status = await cli.run('migrate', 'status', record.id);
    assert.equal(status.code, 0);
    assert.match(status.stdout, /wave 2 \(100%\): .* gate passed/);
    assert.match((await cli.run('migrate', 'status')).stdout, new RegExp(`${record.id}\\s+completed`));
    assert.equal((await cli.run('translate', 'order', legacy(3), '--to', 'v2')).code, 0);

    const notes = await cli.run('changelog', '--limit', '2');
    assert.equal(notes.code, 0);
    assert.match(notes.stdout, new RegExp(`## orders-v2 — run \`${record.id}\``));
    assert.match(notes.stdout, /\| `ORD-000001` \| `ord_0+1` \|/);
    assert.match(notes.stdout, /…and 28 more/);
    assert.match(notes.stdout, new RegExp(`stableid migrate rollback ${record.id}`));

    const rollback = await cli.run('migrate', 'rollback', record.id, module, '--source', source);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stdout, /30 document\(s\) restored.*0 conflict/);
    assert.match(rollback.stdout, /digests .* equal those before the run/);
    assert.equal((await cli.run('verify')).code, 0);
  });

  it('splits a run between worker processes (--workers), to the same end state', async () => {
    const run = await cli.run('--json', 'migrate', 'run', module, '--source', source, '--waves', '100', '--batch-size', '4', '--workers', '3');
    assert.equal(run.code, 0, run.stderr);
    const record = run.json<{ id: string; status: string; details: { partitions: Record<string, unknown[]>; waves: { counts: { written: number } }[] } }>();
    assert.equal(record.status, 'completed');
    assert.equal(record.details.partitions['0']?.length, 3);
    assert.equal(record.details.waves[0]?.counts.written, 30);
    const app = SqliteSource.open(source);
    try {
      const orders = await app.collection('orders');
      assert.equal(await orders.count(), 30);
      const [partition] = await orders.partitions(1);
      const page = await orders.scan(partition as never, null, 100);
      assert.ok(page.documents.every((d) => d.key.startsWith('ord_')));
    } finally {
      await app.close();
    }
    assert.equal((await cli.run('verify')).code, 0);
  });

  it('refuses bad input with clear codes: a missing module, no source, a run that does not exist, malformed waves', async () => {
    const missing = await cli.run('migrate', 'plan', join(dir, 'nope.mjs'), '--source', source);
    assert.equal(missing.code, 5);
    assert.match(missing.stderr, /MIGRATION_INVALID/);
    const noSource = await cli.run('migrate', 'plan', module);
    assert.equal(noSource.code, 2);
    assert.match(noSource.stderr, /--source/);
    assert.equal((await cli.run('migrate', 'status', 'run_nope')).code, 3);
    assert.equal((await cli.run('migrate', 'run', module, '--source', source, '--waves', '50,10')).code, 2);
  });
});
