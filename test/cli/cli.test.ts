import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CliRun, scratch } from './run-cli.js';

const V2 = 'ord_01h455vb4pex5vsknk084sn02q';

describe('stableid CLI', () => {
  const { db, run, cleanup } = scratch();
  after(cleanup);

  before(async () => {
    for (const argv of [
      ['namespace', 'create', 'order', '--owner', 'team-orders', '--steward', 'alice'],
      ['scheme', 'add', 'order', 'v1', '--format', 'pattern', '--pattern', 'ORD-\\d{6}', '--max-length', '10'],
      ['scheme', 'add', 'order', 'v2', '--format', 'typeid', '--prefix', 'ord'],
      ['register', 'order', 'v1', 'ORD-000042', '--store', 'docdb', '--collection', 'orders', '--key', '42'],
      ['alias', 'order', 'ORD-000042', 'v2', V2],
    ]) {
      const result = await run(...argv);
      assert.equal(result.code, 0, `${argv.join(' ')}: ${result.stderr}`);
    }
  });

  it('resolves with --json to the entity, its identifiers with lineage, and the binding', async () => {
    const result = await run('--json', 'resolve', 'order', 'ORD-000042');
    assert.equal(result.code, 0);
    const resolution = result.json<{ entity: string; identifiers: { scheme: string; value: string; derivedFrom: unknown }[]; binding: { key: string } }>();
    assert.match(resolution.entity, /^ent_/);
    assert.deepEqual(
      resolution.identifiers.map((i) => [i.scheme, i.value]),
      [
        ['v1', 'ORD-000042'],
        ['v2', V2],
      ],
    );
    assert.deepEqual(resolution.identifiers[1]?.derivedFrom, { scheme: 'v1', value: 'ORD-000042' });
    assert.equal(resolution.binding.key, '42');
  });

  it('translates in both directions and prints plain text without --json', async () => {
    const forward = await run('translate', 'order', 'ORD-000042', '--to', 'v2');
    assert.equal(forward.code, 0);
    assert.match(forward.stdout, new RegExp(`ORD-000042 -> v2 ${V2}`));
    const back = await run('--json', 'translate', 'order', V2, '--to', 'v1');
    assert.equal(back.json<{ to: { value: string } }>().to.value, 'ORD-000042');
  });

  it('repeating a write exits 0 and says nothing was written', async () => {
    const again = await run('--json', 'register', 'order', 'v1', 'ORD-000042', '--store', 'docdb', '--collection', 'orders', '--key', '42');
    assert.equal(again.code, 0);
    assert.equal(again.json<{ changed: boolean }>().changed, false);
  });

  const expectFailure = (result: CliRun, exit: number, code: string): void => {
    assert.equal(result.code, exit, result.stderr);
    assert.match(result.stderr, new RegExp(`^stableid: ${code}: `));
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace reaches the user');
  };

  it('maps each error family to its documented exit code, with the code on stderr', async () => {
    expectFailure(await run('resolve', 'order', 'ORD-999999'), 3, 'IDENTIFIER_NOT_FOUND');
    expectFailure(await run('resolve', 'nosuch', 'ORD-999999'), 3, 'NAMESPACE_NOT_FOUND');
    expectFailure(await run('register', 'order', 'v1', 'ORD-000042', '--store', 'x', '--collection', 'y', '--key', 'z'), 4, 'IDENTIFIER_CONFLICT');
    expectFailure(await run('alias', 'order', 'ORD-000042', 'v2', 'ord_01h455vb4pex5vsknk084sn03r'), 4, 'ALIAS_CONFLICT');
    expectFailure(await run('register', 'order', 'v2', 'ORD_01H455VB4PEX5VSKNK084SN02Q'), 5, 'INVALID_IDENTIFIER');
    expectFailure(await run('deprecate', 'order', 'ORD-000042', '--sunset', 'next tuesday'), 2, 'INVALID_ARGUMENT');
    expectFailure(await run('rebind', 'order', 'ORD-000042', '--store', 'a', '--collection', 'b', '--key', 'c', '--scheme', 'v9'), 3, 'SCHEME_NOT_FOUND');
  });

  it('reports errors as JSON on stdout with --json', async () => {
    const result = await run('--json', 'resolve', 'order', 'ORD-999999');
    assert.equal(result.code, 3);
    assert.equal(result.json<{ error: { code: string; context: { namespace: string } } }>().error.code, 'IDENTIFIER_NOT_FOUND');
  });

  it('rejects unknown options and commands with exit code 2', async () => {
    assert.equal((await run('resolve', 'order', 'ORD-000042', '--bogus')).code, 2);
    assert.equal((await run('frobnicate')).code, 2);
  });

  it('shows help with examples and exits 0', async () => {
    const help = await run('resolve', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Examples:/);
    assert.match(help.stdout, /--as-of/);
  });

  it('gives every command --help with examples', async () => {
    const { buildProgram } = await import('../../src/cli/program.js');
    const { CliContext } = await import('../../src/cli/cli-context.js');
    const leaves: string[][] = [];
    const walk = (command: { name(): string; commands: readonly unknown[] }, path: string[]): void => {
      const children = command.commands as { name(): string; commands: readonly unknown[] }[];
      if (children.length === 0) leaves.push(path);
      for (const child of children) walk(child, [...path, child.name()]);
    };
    walk(buildProgram(new CliContext({ stdout: { write: () => true }, stderr: process.stderr, env: {} })), []);
    assert.ok(leaves.length >= 18, `found ${leaves.length} commands`);
    for (const path of leaves) {
      const help = await run(...path, '--help');
      assert.equal(help.code, 0, path.join(' '));
      assert.match(help.stdout, /Examples:\n\s+\$ stableid /, `${path.join(' ')} --help shows examples`);
    }
  });

  it('resolves a batch, printing every answer and exiting with the first failure', async () => {
    const result = await run('--json', 'resolve', 'order', 'ORD-000042', 'ORD-000043');
    assert.equal(result.code, 3);
    const items = result.json<{ ok: boolean; error?: { code: string } }[]>();
    assert.deepEqual(
      items.map((i) => i.ok),
      [true, false],
    );
    assert.equal(items[1]?.error?.code, 'IDENTIFIER_NOT_FOUND');
  });

  it('imports NDJSON all-or-nothing, and with --continue-on-error lists the rejected lines', async () => {
    const file = join(db, '..', 'batch.ndjson');
    writeFileSync(file, ['{"value":"ORD-000100"}', '{"value":"bad"}', 'not json', '{"value":"ORD-000101"}'].join('\n'));
    const rejected = await run('import', file, '--ns', 'order', '--scheme', 'v1');
    assert.equal(rejected.code, 5);
    assert.match(rejected.stderr, /BATCH_REJECTED/);
    assert.match(rejected.stderr, /line 2: INVALID_IDENTIFIER/);
    assert.equal((await run('resolve', 'order', 'ORD-000100')).code, 3, 'nothing of the batch was written');

    const partial = await run('--json', 'import', file, '--ns', 'order', '--scheme', 'v1', '--continue-on-error');
    assert.equal(partial.code, 5);
    const report = partial.json<{ written: number; failed: number; failures: { line: number; error: { code: string } }[] }>();
    assert.equal(report.written, 2);
    assert.deepEqual(
      report.failures.map((f) => [f.line, f.error.code]),
      [
        [2, 'INVALID_IDENTIFIER'],
        [3, 'IMPORT_FORMAT'],
      ],
    );
    assert.equal((await run('resolve', 'order', 'ORD-000101')).code, 0);
  });

  it('answers as of an earlier instant', async () => {
    const before = new Date().toISOString();
    await new Promise((done) => setTimeout(done, 5));
    assert.equal((await run('rebind', 'order', 'ORD-000042', '--store', 'docdb', '--collection', 'orders_v2', '--key', V2)).code, 0);
    const then = (await run('--json', 'resolve', 'order', 'ORD-000042', '--as-of', before)).json<{ binding: { collection: string } }>();
    const now = (await run('--json', 'resolve', 'order', 'ORD-000042')).json<{ binding: { collection: string } }>();
    assert.equal(then.binding.collection, 'orders');
    assert.equal(now.binding.collection, 'orders_v2');
  });

  it('erase requires a reason, then keeps verify clean', async () => {
    assert.equal((await run('register', 'order', 'v1', 'ORD-000777')).code, 0);
    expectFailure(await run('erase', 'order', 'ORD-000777'), 2, 'INVALID_ARGUMENT');
    assert.equal((await run('--reason', 'GDPR request 17', 'erase', 'order', 'ORD-000777')).code, 0);
    assert.equal((await run('resolve', 'order', 'ORD-000777')).code, 3);
    const verify = await run('--json', 'verify');
    assert.equal(verify.code, 0, verify.stdout);
    assert.equal(verify.json<{ ok: boolean }>().ok, true);
  });

  it('shows the namespace with its schemes and the history with actors', async () => {
    assert.equal((await run('scheme', 'deprecate', 'order', 'v1', '--sunset', '2027-06-30', '--replacement', 'v2')).code, 0);
    const show = await run('namespace', 'show', 'order');
    assert.match(show.stdout, /v1\s+pattern.*deprecated \(sunset 2027-06-30\), replaced by v2/);
    const history = await run('--json', 'history', 'order', '--limit', '3');
    const events = history.json<{ seq: number; actor: string; type: string }[]>();
    assert.deepEqual(
      events.map((e) => [e.seq, e.type, e.actor]),
      [
        [1, 'namespace.created', 'test'],
        [2, 'scheme.added', 'test'],
        [3, 'scheme.added', 'test'],
      ],
    );
  });

  it('runs as a real process with the exit code of the error', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--db', db, 'resolve', 'order', 'ORD-424242'], {
      encoding: 'utf8',
    });
    assert.equal(child.status, 3, child.stderr);
    assert.match(child.stderr, /IDENTIFIER_NOT_FOUND/);
  });
});

describe('stableid verify on a tampered file', () => {
  const { db, run, cleanup } = scratch();
  after(cleanup);

  it('exits 6 and names the namespace, seq and table of the first divergence', async () => {
    await run('namespace', 'create', 'order', '--owner', 'team-orders');
    await run('scheme', 'add', 'order', 'v1', '--format', 'integer');
    await run('register', 'order', 'v1', '17');
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(db);
    raw.exec('DROP TRIGGER identifier_values_no_update');
    raw.prepare("UPDATE identifier_values SET value = '18' WHERE value = '17'").run();
    raw.close();
    const result = await run('--json', 'verify');
    assert.equal(result.code, 6);
    const report = result.json<{ ok: boolean; first: { namespace: string; seq: number; table: string } }>();
    assert.equal(report.ok, false);
    assert.deepEqual([report.first.namespace, report.first.seq, report.first.table], ['order', 3, 'secrets']);
  });
});
