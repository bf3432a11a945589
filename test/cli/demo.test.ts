import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { scratch, serving } from './run-cli.js';

describe('stableid demo', () => {
  const { run, cleanup } = scratch();
  after(cleanup);

  it('tours a fresh registry end to end and verifies it', async () => {
    const result = await run('demo', '--count', '200');
    assert.equal(result.code, 0, result.stderr);
    for (const step of ['1. A namespace', '3. Import 200 legacy identifiers', '4. Alias every entity', '6. Rebind', '7. Deprecate', '8. Migrate the documents', '9. Bad input is refused', '10. Verify']) {
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
    assert.match(demo.stdout(), /11\. The identity service/);
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
