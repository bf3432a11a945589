import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/program.js';
import { SqliteSource } from '../../src/migrate/source/index.js';
import type { ProbeReport } from '../../src/probe/index.js';
import { MODULE } from '../cli/orders-v2-module.js';
import { scratch, serving } from '../cli/run-cli.js';

const legacy = (n: number): string => `ORD-${String(n).padStart(6, '0')}`;

/** The records of a probe file, without its header (which holds the time of recording). */
const recordsOf = (file: string): string[] => readFileSync(file, 'utf8').trim().split('\n').slice(1);

describe('stableid probe', () => {
  const cli = scratch();
  const dir = join(cli.db, '..');
  const probe = join(dir, 'probe.ndjson');
  const ok = async (...argv: string[]): Promise<void> => {
    const result = await cli.run(...argv);
    assert.equal(result.code, 0, `${argv.join(' ')}: ${result.stderr}${result.stdout}`);
  };
  before(async () => {
    await ok('namespace', 'create', 'order', '--owner', 'orders-team');
    await ok('scheme', 'add', 'order', 'v1', '--format', 'pattern', '--pattern', 'ORD-\\d{6}', '--max-length', '10');
    await ok('scheme', 'add', 'order', 'v2', '--format', 'pattern', '--pattern', 'ord_\\d{26}', '--max-length', '30');
    const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify({ value: legacy(i + 1) }));
    writeFileSync(join(dir, 'orders.ndjson'), `${lines.join('\n')}\n`);
    await ok('import', join(dir, 'orders.ndjson'), '--ns', 'order', '--scheme', 'v1');
    await ok('deprecate', 'order', legacy(12), '--sunset', '2030-01-01');
  });
  after(() => cli.cleanup());

  it('records a sample, the same one for the same seed', async () => {
    const recorded = await cli.run('probe', 'record', probe, '--size', '6', '--seed', 'cli');
    assert.equal(recorded.code, 0, recorded.stderr);
    assert.match(recorded.stdout, /recorded 6 identifier\(s\) of 1 namespace\(s\) into .*probe\.ndjson \(seed cli, at most 6 per namespace\)/);
    assert.match(recorded.stdout, /order\s+6 of 12: v1 6 of 12, v2 0 of 0/);
    const first = recordsOf(probe);
    assert.ok(first.some((line) => line.includes('"state":"deprecated"')), 'the deprecated identifier is its own stratum');
    const again = await cli.run('--json', 'probe', 'record', probe, '--size', '6', '--seed', 'cli');
    assert.equal(again.json<{ records: number; seed: string; format: string }>().records, 6);
    assert.deepEqual(recordsOf(probe), first);
  });

  it('replays against the registry of --db, in text and JSON', async () => {
    const text = await cli.run('probe', 'run', probe);
    assert.equal(text.code, 0, text.stdout);
    assert.match(text.stdout, /ok\s+registry sqlite:.*registry\.db: 6 checked, 6 passed, 0 missing, 0 changed, 0 errors; latency p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms/);
    assert.match(text.stdout, /ok: every identifier resolves as recorded/);
    const json = await cli.run('--json', 'probe', 'run', probe);
    const report = json.json<ProbeReport>();
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.targets.map((t) => [t.target, t.passed]),
      [['registry', 6]],
    );
  });

  it('replays through the service and the SDK of a running `stableid serve`', async () => {
    const server = serving(['--db', cli.db, 'serve', '--port', '0', '--open-reads', '--log-level', 'silent']);
    const url = await server.url;
    try {
      const result = await cli.run('--json', 'probe', 'run', probe, '--service', url, '--sdk', url, '--registry');
      assert.equal(result.code, 0, result.stdout);
      assert.deepEqual(
        result.json<ProbeReport>().targets.map((t) => [t.target, t.passed, t.description]),
        [
          ['registry', 6, `sqlite:${cli.db}`],
          ['service', 6, url],
          ['sdk', 6, url],
        ],
      );
    } finally {
      process.emit('SIGTERM', 'SIGTERM');
      assert.equal(await server.exit, 0);
    }
  });

  it('exits 6 with PROBE_FAILED, naming each identifier, once a mapping is broken', async () => {
    const records = recordsOf(probe).map((line) => JSON.parse(line) as { value: string; entity: string });
    const [broken, gone] = records;
    assert.ok(broken && gone);
    await ok('--reason', 'test: break it', 'erase', 'order', broken.value);
    await ok('register', 'order', 'v1', broken.value);
    await ok('--reason', 'test: lose it', 'erase', 'order', gone.value);
    const text = await cli.run('probe', 'run', probe);
    assert.equal(text.code, 6);
    assert.match(text.stdout, /FAIL registry .*: 6 checked, 4 passed, 1 missing, 1 changed, 0 errors/);
    assert.match(text.stdout, new RegExp(`changed order/v1 ${broken.value} resolves to ent_\\w+, recorded ${broken.entity}`));
    assert.match(text.stdout, new RegExp(`missing order/v1 ${gone.value} no longer recognized \\(IDENTIFIER_NOT_FOUND`));
    assert.match(text.stdout, /FAILED: 2 on registry/);
    const json = await cli.run('--json', 'probe', 'run', probe);
    assert.equal(json.code, 6);
    const failures = json.json<ProbeReport>().targets[0]?.failures ?? [];
    assert.deepEqual(
      failures.map((f) => [f.kind, f.value]).sort(),
      [
        ['changed', broken.value],
        ['missing', gone.value],
      ].sort(),
    );
  });

  it('runs on a schedule: a line per round, until --times rounds', async () => {
    const text = await cli.run('probe', 'run', probe, '--every', '10ms', '--times', '2');
    assert.equal(text.code, 6);
    const lines = text.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    lines.forEach((line, i) => assert.match(line, new RegExp(`round ${i + 1}: FAILED; registry 4/6 \\(1 missing, 1 changed, 0 errors: .*\\) p95 [\\d.]+ ms$`)));
    assert.match(text.stderr, /2 round\(s\), 2 failed/);
    const json = await cli.run('--json', 'probe', 'run', probe, '--every', '10ms', '--times', '3', '--ns', 'nope');
    assert.equal(json.code, 0, 'no record of that namespace: nothing to fail');
    const rounds = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { round: number; ok: boolean; records: number });
    assert.deepEqual(
      rounds.map((r) => [r.round, r.ok, r.records]),
      [
        [1, true, 0],
        [2, true, 0],
        [3, true, 0],
      ],
    );
  });

  it('stops a schedule without --times on SIGTERM, after the round in progress', async () => {
    let stdout = '';
    let firstRound: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      firstRound = resolve;
    });
    const exit = runCli(['--db', cli.db, 'probe', 'run', probe, '--every', '1h'], {
      stdout: {
        write: (text: string) => {
          stdout += text;
          firstRound();
          return true;
        },
      },
      stderr: new PassThrough(),
      env: {},
    });
    await started;
    process.emit('SIGTERM', 'SIGTERM');
    assert.equal(await exit, 6);
    assert.equal(stdout.trim().split('\n').length, 1);
  });

  it('refuses bad options with exit 2', async () => {
    const cases: [string[], number][] = [
      [['probe', 'record', probe, '--size', '0'], 2],
      [['probe', 'record', join(dir, 'x.ndjson'), '--ns', 'nope'], 3],
      [['probe', 'run', join(dir, 'missing.ndjson')], 2],
      [['probe', 'run', probe, '--times', '2'], 2],
      [['probe', 'run', probe, '--every', 'soon'], 2],
      [['probe', 'run', probe, '--shim', 'http://host/orders'], 2],
      [['probe', 'run', probe, '--service', 'nope'], 2],
    ];
    for (const [argv, code] of cases) {
      const result = await cli.run(...argv);
      assert.equal(result.code, code, `${argv.join(' ')}: ${result.stderr}`);
    }
    writeFileSync(join(dir, 'bad.ndjson'), '{"format":"stableid-probe","version":9}\n');
    const bad = await cli.run('probe', 'run', join(dir, 'bad.ndjson'));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /INVALID_ARGUMENT: probe file line 1: probe format version 9/);
  });
});

describe('stableid migrate run --gate probe', () => {
  const cli = scratch();
  const dir = join(cli.db, '..');
  const source = join(dir, 'app.db');
  const module = join(dir, 'orders-v2.mjs');
  const probe = join(dir, 'probe.ndjson');
  const ok = async (...argv: string[]): Promise<void> => {
    const result = await cli.run(...argv);
    assert.equal(result.code, 0, `${argv.join(' ')}: ${result.stderr}${result.stdout}`);
  };
  before(async () => {
    writeFileSync(module, MODULE);
    const app = SqliteSource.open(source);
    const orders = await app.collection('orders');
    await orders.apply(Array.from({ length: 20 }, (_, i) => ({ kind: 'insert' as const, key: legacy(i + 1), body: { number: legacy(i + 1), total: i + 1 } })));
    await app.close();
    await ok('namespace', 'create', 'order', '--owner', 'orders-team');
    await ok('scheme', 'add', 'order', 'v1', '--format', 'pattern', '--pattern', 'ORD-\\d{6}', '--max-length', '10');
    await ok('scheme', 'add', 'order', 'v2', '--format', 'pattern', '--pattern', 'ord_\\d{26}', '--max-length', '30');
    for (const n of [1, 2, 3, 999]) await ok('register', 'order', 'v1', legacy(n));
    await ok('probe', 'record', probe, '--seed', 'gate');
  });
  after(() => cli.cleanup());

  it('refuses a probe gate without a probe file, and gate kinds that contradict each other', async () => {
    assert.equal((await cli.run('migrate', 'run', module, '--source', source, '--gate', 'probe')).code, 2);
    assert.equal((await cli.run('migrate', 'run', module, '--source', source, '--gate', 'auto,manual')).code, 2);
    assert.equal((await cli.run('migrate', 'run', module, '--source', source, '--gate', 'later')).code, 2);
    assert.equal((await cli.run('migrate', 'run', module, '--source', source, '--probe', join(dir, 'nope.ndjson'))).code, 2);
    assert.equal((await cli.run('--json', 'migrate', 'status')).json<unknown[]>().length, 0, 'no run started');
  });

  it('fails the gate naming the identifier when the probe fails, and passes once the probe holds', async () => {
    await ok('--reason', 'test: break it', 'erase', 'order', legacy(999));
    await ok('register', 'order', 'v1', legacy(999));
    const failed = await cli.run('migrate', 'run', module, '--source', source, '--waves', '50,100', '--gate', 'probe', '--probe', probe);
    assert.equal(failed.code, 6);
    assert.match(failed.stderr, new RegExp(`GATE_FAILED: the gate of wave 1 of run run_\\w+ failed: probe .*probe\\.ndjson: 1 of 4 identifier\\(s\\) failed on registry .*order/v1 ${legacy(999)} resolves to`));
    const status = await cli.run('migrate', 'status');
    assert.match(status.stdout, /failed/);
    // Recorded again, the probe holds: the failed run resumes with the same gate and finishes.
    await ok('probe', 'record', probe, '--seed', 'gate');
    const resumed = await cli.run('--json', 'migrate', 'run', module, '--source', source);
    assert.equal(resumed.code, 0, resumed.stderr);
    const run = resumed.json<{ status: string; details: { settings: { checks: { kind: string; file: string }[] }; waves: { gate: { ok: boolean; checks: { kind: string; ok: boolean }[] } }[] } }>();
    assert.equal(run.status, 'completed');
    assert.deepEqual(run.details.settings.checks, [{ kind: 'probe', file: probe }]);
    assert.deepEqual(run.details.waves.at(-1)?.gate.checks.map((c) => [c.kind, c.ok]), [['probe', true]]);
  });
});
