import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { scratch } from '../cli/run-cli.js';

const V2 = 'ord_01h455vb4pex5vsknk084sn02q';

describe('stableid flags', () => {
  const { run, cleanup } = scratch();
  after(cleanup);

  before(async () => {
    for (const argv of [
      ['namespace', 'create', 'order', '--owner', 'team-orders'],
      ['scheme', 'add', 'order', 'v1', '--format', 'pattern', '--pattern', 'ORD-\\d{6}', '--max-length', '10'],
      ['scheme', 'add', 'order', 'v2', '--format', 'typeid', '--prefix', 'ord'],
      ['register', 'order', 'v1', 'ORD-000042'],
      ['alias', 'order', 'ORD-000042', 'v2', V2],
    ]) {
      const result = await run(...argv);
      assert.equal(result.code, 0, `${argv.join(' ')}: ${result.stderr}`);
    }
  });

  it('shows a namespace without flags', async () => {
    const shown = await run('flags', 'show', 'order');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /no stage flags/);
    assert.match(shown.stdout, /no exposure flags/);
    assert.equal((await run('flags', 'show', 'nowhere')).code, 3);
  });

  it('sets stages forward, and a skip or a move back only with --reason', async () => {
    const forward = await run('--json', 'flags', 'stage', 'order', 'billing', 'dualwrite', '--percent', '20');
    assert.equal(forward.code, 0, forward.stdout);
    assert.deepEqual(forward.json<{ move: string; flag: { percent: number } }>().move, 'forward');
    const same = await run('flags', 'stage', 'order', 'billing', 'dualwrite', '--percent', '20');
    assert.match(same.stdout, /already so, nothing written/);
    const skip = await run('flags', 'stage', 'order', 'billing', 'live');
    assert.equal(skip.code, 4, 'POLICY_VIOLATION');
    assert.match(skip.stderr, /POLICY_VIOLATION: stage-order/);
    const reasoned = await run('flags', 'stage', 'order', 'billing', 'live', '--reason', 'shadow ran in staging', '--actor', 'alice');
    assert.equal(reasoned.code, 0, reasoned.stderr);
    assert.match(reasoned.stdout, /order\/billing: live at 100% \(skip, event \d+\)/);
  });

  it('takes the declared stages, and refuses malformed input with exit code 2', async () => {
    const four = await run('--json', 'flags', 'stage', 'order', '*', 'dualwrite', '--stages', 'off,dualwrite,live,complete');
    assert.equal(four.code, 0, four.stdout);
    assert.deepEqual(four.json<{ flag: { stages: string[] } }>().flag.stages, ['off', 'dualwrite', 'live', 'complete']);
    for (const argv of [
      ['flags', 'stage', 'order', 'search', 'dualwrite', '--percent', 'many'],
      ['flags', 'stage', 'order', 'search', 'dualwrite', '--percent', '101'],
      ['flags', 'stage', 'order', 'search', 'dualwrite', '--stages', 'off,live,dualwrite,complete'],
      ['flags', 'stage', 'order', 'search', 'sideways'],
      ['flags', 'expose', 'order', 'v2', 'search'],
      ['flags', 'expose', 'order', 'v2', 'search', '--percent', '-3'],
    ]) {
      assert.equal((await run(...argv)).code, 2, argv.join(' '));
    }
    assert.equal((await run('flags', 'expose', 'order', 'v9', 'search', '--percent', '0')).code, 3, 'SCHEME_NOT_FOUND');
  });

  it('sets exposure flags, which resolve honours for no one through the CLI: it is the registry’s own view', async () => {
    const exposed = await run('flags', 'expose', 'order', 'v2', '*', '--percent', '0');
    assert.equal(exposed.code, 0, exposed.stderr);
    assert.match(exposed.stdout, /order\/v2 shown to \*: 0% \(event \d+\)/);
    const shown = await run('--json', 'flags', 'show', 'order');
    const flags = shown.json<{ namespace: string; stages: { consumer: string; stage: string }[]; exposure: { scheme: string; consumer: string; percent: number }[] }>();
    assert.deepEqual(
      flags.stages.map((f) => [f.consumer, f.stage]),
      [
        ['billing', 'live'],
        ['*', 'dualwrite'],
      ],
    );
    assert.deepEqual(flags.exposure, [{ namespace: 'order', scheme: 'v2', consumer: '*', percent: 0 }]);
    const text = await run('flags', 'show', 'order');
    assert.match(text.stdout, /billing\s+live\s+100%/);
    assert.match(text.stdout, /v2\s+\*\s+0%/);
    const resolved = await run('--json', 'resolve', 'order', 'ORD-000042');
    assert.deepEqual(
      resolved.json<{ identifiers: { scheme: string }[] }>().identifiers.map((i) => i.scheme),
      ['v1', 'v2'],
    );
  });
});
