import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { type CliRun, scratch } from './run-cli.js';

/** Fails with the run's output, which says why. */
function ok(result: CliRun, what: string): CliRun {
  assert.equal(result.code, 0, `${what}: ${result.stderr}${result.stdout}`);
  return result;
}

function fails(result: CliRun, exit: number, code: string): void {
  assert.equal(result.code, exit, result.stderr);
  assert.match(result.stderr, new RegExp(`^stableid: ${code}: `), result.stderr);
}

/** A check that fails after printing its report: exit 6, the report on stdout, nothing more on stderr. */
function reports(result: CliRun, fragment: RegExp): void {
  assert.equal(result.code, 6, result.stderr);
  assert.match(result.stdout, fragment);
}

describe('stableid keys, checkpoint, witness, verify --checkpoint, resolve --proof', () => {
  const { db, run, cleanup } = scratch();
  const other = scratch();
  const dir = dirname(db);
  const keys = join(dir, 'keys');
  const file = (name: string): string => join(dir, name);
  after(() => {
    cleanup();
    other.cleanup();
  });

  const register = async (cli: typeof run, from: number, to: number): Promise<void> => {
    for (let n = from; n <= to; n++) ok(await cli('register', 'order', 'v1', `ORD-${String(n).padStart(6, '0')}`, '--store', 'docdb', '--collection', 'orders', '--key', String(n)), 'register');
  };

  before(async () => {
    for (const cli of [run, other.run]) {
      ok(await cli('namespace', 'create', 'order', '--owner', 'team-orders'), 'namespace');
      ok(await cli('scheme', 'add', 'order', 'v1', '--format', 'pattern', '--pattern', 'ORD-\\d{6}', '--max-length', '10'), 'scheme');
    }
    await register(run, 1, 4);
  });

  it('generates the signing key into a private file, records its public key, and refuses a second one', async () => {
    const generated = ok(await run('--json', 'keys', 'generate', '--keys', keys), 'keys generate').json<{ keyId: string; path: string }>();
    assert.match(generated.keyId, /^[0-9a-f]{16}$/);
    assert.equal(statSync(generated.path).mode & 0o777, 0o600);
    assert.equal(statSync(keys).mode & 0o777, 0o700);
    assert.doesNotMatch(readFileSync(db).toString('latin1'), /PRIVATE KEY/, 'no private key in the database');
    fails(await run('keys', 'generate', '--keys', keys), 4, 'KEY_CONFLICT');
    assert.match(ok(await run('keys', 'list', '--keys', keys), 'keys list').stdout, new RegExp(`${generated.keyId}  registry .*\\(active\\)  private key here`));
  });

  it('signs a checkpoint into a file, exports it again, and lists it', async () => {
    const signed = ok(await run('checkpoint', 'order', '--keys', keys, '--out', file('one.checkpoint')), 'checkpoint');
    const note = readFileSync(file('one.checkpoint'), 'utf8');
    assert.match(note, /^stableid checkpoint v1\nnamespace order\nsize 6\nroot [0-9a-f]{64}\nhead [0-9a-f]{64}\ntime \S+\n\n— registry [0-9a-f]{16} \S+\n$/);
    assert.equal(signed.stdout.trim(), note.trim());
    assert.equal(ok(await run('checkpoints', 'order', '--export', 'latest'), 'export').stdout.trim(), note.trim());
    assert.match(ok(await run('checkpoints', 'order'), 'list').stdout, /^\s+6  \S+  root [0-9a-f]{64}  key [0-9a-f]{16}\n$/);
    fails(await run('checkpoint', 'order', '--keys', join(dir, 'elsewhere')), 3, 'KEY_NOT_FOUND');
    fails(await run('checkpoints', 'order', '--export', '99'), 3, 'CHECKPOINT_NOT_FOUND');
  });

  it('lets a witness co-sign checkpoints that extend the last one it signed, across a key rotation', async () => {
    ok(await run('keys', 'generate', '--name', 'witness-acme', '--out', file('witness.key')), 'witness key');
    ok(await run('keys', 'export-public', '--key', file('witness.key'), '--out', file('witness.pub')), 'witness public key');
    ok(await run('keys', 'export-public', '--out', file('registry.pub')), 'registry public key');
    ok(await run('witness', file('one.checkpoint'), '--key', file('witness.key'), '--state', `${file('state')}/`, '--public-key', file('registry.pub')), 'first witness');
    await register(run, 5, 9);
    ok(await run('keys', 'rotate', '--keys', keys), 'rotate');
    ok(await run('checkpoint', 'order', '--keys', keys, '--out', file('two.checkpoint')), 'second checkpoint');
    ok(await run('keys', 'export-public', '--out', file('registry.pub')), 'registry public keys');
    const cosigned = ok(
      await run('--json', 'witness', file('two.checkpoint'), '--key', file('witness.key'), '--state', `${file('state')}/`, '--public-key', file('registry.pub'), '--out', file('two.cosigned')),
      'second witness',
    ).json<{ previous: number; size: number; proof: string[] }>();
    assert.deepEqual([cosigned.previous, cosigned.size], [6, 11]);
    assert.ok(cosigned.proof.length > 0);
    assert.equal(readFileSync(file('state/order.checkpoint'), 'utf8'), readFileSync(file('two.cosigned'), 'utf8'));
    assert.match(readFileSync(file('two.cosigned'), 'utf8'), /\n— registry [0-9a-f]{16} \S+\n— witness-acme [0-9a-f]{16} \S+\n$/);
  });

  it('proves the log extends every checkpoint, with the published keys and the witness required', async () => {
    const result = ok(
      await run('--json', 'verify', '--checkpoint', file('one.checkpoint'), '--checkpoint', file('two.checkpoint'), '--public-key', file('registry.pub')),
      'verify --checkpoint',
    ).json<{ ok: boolean; consistency: { from: number; to: number; ok: boolean; proof: string[] }; signatures: { status: string }[] }[]>();
    assert.deepEqual(
      result.map((r) => [r.ok, r.consistency.from, r.consistency.to, r.consistency.ok, r.signatures[0]?.status]),
      [
        [true, 6, 11, true, 'valid'],
        [true, 11, 11, true, 'valid'],
      ],
    );
    ok(await run('verify', '--checkpoint', file('two.cosigned'), '--public-key', file('registry.pub'), '--witness-key', file('witness.pub')), 'witnessed');
    fails(await run('verify', '--checkpoint', file('two.checkpoint'), '--public-key', file('registry.pub'), '--witness-key', file('witness.pub')), 6, 'SIGNATURE_INVALID');
    fails(await run('verify', '--checkpoint', file('one.checkpoint'), '--public-key', file('witness.pub')), 6, 'SIGNATURE_INVALID');
    writeFileSync(file('broken.checkpoint'), readFileSync(file('one.checkpoint'), 'utf8').replace('size 6', 'size six'));
    fails(await run('verify', '--checkpoint', file('broken.checkpoint')), 5, 'CHECKPOINT_FORMAT');
  });

  it('answers resolve --proof with a proof that verify --proof checks offline, and refuses an edited one', async () => {
    ok(await run('resolve', 'order', 'ORD-000003', '--proof', '--out', file('ord-3.proof.json')), 'resolve --proof');
    const proof = JSON.parse(readFileSync(file('ord-3.proof.json'), 'utf8')) as { resolution: { entity: string }; events: unknown[] };
    assert.equal(proof.events.length, 1);
    const printed = ok(await run('resolve', 'order', 'ORD-000003', '--proof'), 'resolve --proof to stdout').json<{ format: string }>();
    assert.equal(printed.format, 'stableid-mapping-proof/v1');
    const checked = ok(await run('--db', join(dir, 'no-such-dir', 'never.db'), '--json', 'verify', '--proof', file('ord-3.proof.json'), '--public-key', file('registry.pub')), 'verify --proof');
    assert.equal(checked.json<{ ok: boolean }>().ok, true);
    writeFileSync(file('forged.proof.json'), JSON.stringify({ ...proof, resolution: { ...proof.resolution, entity: 'ent_forged' } }));
    reports(await run('verify', '--proof', file('forged.proof.json'), '--public-key', file('registry.pub')), /^FAIL .*\n(.*\n)*  identifier \d+ \(v1\) belongs to ent_\w+, not ent_forged/);
    reports(await run('verify', '--proof', file('ord-3.proof.json'), '--public-key', file('witness.pub')), /signature registry [0-9a-f]{16}: untrusted\n  no trusted key signed the checkpoint/);
    fails(await run('verify', '--proof', file('ord-3.proof.json')), 2, 'INVALID_ARGUMENT');
    await register(run, 10, 10);
    fails(await run('resolve', 'order', 'ORD-000010', '--proof'), 3, 'CHECKPOINT_NOT_FOUND');
  });

  it('refuses, as a witness, a checkpoint of a log that shows another history, and keeps its state', async () => {
    ok(await other.run('keys', 'generate', '--keys', join(dirname(other.db), 'keys')), 'other key');
    await register(other.run, 101, 112);
    ok(await other.run('checkpoint', 'order', '--keys', join(dirname(other.db), 'keys'), '--out', file('fork.checkpoint')), 'fork checkpoint');
    ok(await other.run('keys', 'export-public', '--out', file('fork.pub')), 'fork key');
    const state = readFileSync(file('state/order.checkpoint'), 'utf8');
    fails(await other.run('witness', file('fork.checkpoint'), '--key', file('witness.key'), '--state', file('state'), '--public-key', file('fork.pub')), 6, 'PROOF_FAILED');
    assert.equal(readFileSync(file('state/order.checkpoint'), 'utf8'), state);
  });

  it('reports a rewritten event with its seq, and refuses to sign the rewritten log', async () => {
    const raw = new Database(db);
    try {
      const triggers = raw.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").all() as { name: string; sql: string }[];
      for (const { name } of triggers) raw.exec(`DROP TRIGGER "${name}"`);
      raw.prepare("UPDATE events SET hash = randomblob(32) WHERE namespace = 'order' AND seq = 4").run();
      for (const { sql } of triggers) raw.exec(sql);
    } finally {
      raw.close();
    }
    const result = await run('--json', 'verify', '--checkpoint', file('one.checkpoint'), '--public-key', file('registry.pub'));
    assert.equal(result.code, 6);
    const [report] = result.json<{ ok: boolean; consistency: { ok: boolean }; first: { seq: number } }[]>();
    assert.deepEqual([report?.ok, report?.consistency.ok, report?.first.seq], [false, false, 4]);
    fails(await run('checkpoint', 'order', '--keys', keys), 6, 'PROOF_FAILED');
    reports(await run('verify'), /first divergence: namespace order, seq 4, events: event 4 was altered/);
  });
});
