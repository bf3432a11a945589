import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { runCli } from '../../src/cli/program.js';
import { serving } from '../cli/run-cli.js';
import { startServer } from '../../src/http/server.js';
import { isStableIdError } from '../../src/model/errors.js';
import { defineOrder, openTestRegistry } from '../registry/fixtures.js';

describe('http server', () => {
  it('serves real requests on port 0 and shuts down gracefully on SIGTERM', async () => {
    const test = openTestRegistry();
    await defineOrder(test.registry);
    // A slow read, to be in flight when the signal comes.
    const listNamespaces = test.registry.listNamespaces.bind(test.registry);
    let started: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => {
      started = resolve;
    });
    test.registry.listNamespaces = async () => {
      started();
      await new Promise((resolve) => setTimeout(resolve, 200));
      return listNamespaces();
    };
    const handlers = process.listenerCount('SIGTERM');
    const server = await startServer({ registry: test.registry, port: 0, signals: ['SIGTERM'] });
    assert.equal(process.listenerCount('SIGTERM'), handlers + 1);
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${server.url}/healthz`, { headers: { 'x-correlation-id': 'live-1' } });
      assert.equal(health.status, 200);
      assert.equal(health.headers.get('x-correlation-id'), 'live-1');

      const slow = fetch(`${server.url}/v1/namespaces`);
      await inFlight;
      process.emit('SIGTERM', 'SIGTERM');
      const answer = await slow;
      assert.equal(answer.status, 200, 'the request in flight is finished');
      assert.deepEqual(((await answer.json()) as { namespaces: { name: string }[] }).namespaces.map((n) => n.name), ['order']);
      await server.closed;
      await assert.rejects(fetch(`${server.url}/healthz`), 'no longer accepting connections');
      await assert.rejects(listNamespaces(), (error) => isStableIdError(error, 'STORE_UNAVAILABLE'), 'the registry is closed');
      assert.equal(process.listenerCount('SIGTERM'), handlers, 'its signal handler is gone');
    } finally {
      await server.close();
      await test.close();
    }
  });

  it('runs as `stableid serve` until SIGTERM', async () => {
    const served = serving(['--db', ':memory:', 'serve', '--port', '0', '--open-reads']);
    const base = await served.url;
    const response = await fetch(`${base}/v1/namespaces`, { headers: { authorization: 'Bearer sk_cli_secret' } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { namespaces: [] });
    const write = await fetch(`${base}/v1/namespaces/order/identifiers`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_cli_secret', 'content-type': 'application/json' },
      body: JSON.stringify({ scheme: 'v1', value: 'ORD-000001' }),
    });
    assert.equal(write.status, 401, 'writes need a token the store knows, even with --open-reads');
    assert.equal(write.headers.get('www-authenticate'), 'Bearer realm="stableid"');
    assert.doesNotMatch(await write.text(), /sk_cli_secret/);
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200, 'metrics are on by default, without a token');
    assert.match(await metrics.text(), /^stableid_http_request_duration_seconds_count\{operation="listNamespaces",namespace="-",status="200"\} 1$/m);
    process.emit('SIGTERM', 'SIGTERM');
    assert.equal(await served.exit, 0);
    assert.match(served.stderr(), /stopped/);
    assert.match(served.stdout(), /"correlationId"/, 'JSON request logs on stdout');
    assert.doesNotMatch(served.stdout(), /sk_cli_secret/);
  });

  it('takes its limits from flags or variables, and refuses malformed ones before listening', async () => {
    const served = serveCli(['--open-reads', '--batch-limit', '2', '--cache-max-age', '7'], { STABLEID_NAMESPACE_MAX_AGE: 'order=300, sku=5', STABLEID_MAX_STALENESS_MS: '0' });
    const base = await served.url;
    const batch = await fetch(`${base}/v1/namespaces/order/resolve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifiers: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] }),
    });
    assert.equal(batch.status, 413, '--batch-limit 2');
    assert.equal((await fetch(`${base}/v1/namespaces`)).headers.get('cache-control'), 'max-age=7');
    assert.equal((await fetch(`${base}/readyz`)).status, 200, 'the read index of an empty registry is warm at once');
    process.emit('SIGTERM', 'SIGTERM');
    assert.equal(await served.exit, 0);
    const err = new PassThrough();
    err.resume();
    for (const [args, env] of [
      [['--namespace-max-age', 'order'], {}],
      [['--max-staleness', '-1'], {}],
      [['--batch-limit', '0'], {}],
      [[], { STABLEID_READ_INDEX: 'maybe' }],
      [[], { STABLEID_CACHE_MAX_AGE: 'soon' }],
    ] as const) {
      const code = await runCli(['--db', ':memory:', 'serve', '--port', '0', ...args], { stdout: { write: () => true }, stderr: err, env });
      assert.equal(code, 2, JSON.stringify({ args, env }));
    }
  });

  it('serves no /metrics with --no-metrics or STABLEID_METRICS=0, and refuses another value', async () => {
    for (const [args, env] of [[['--no-metrics'], {}], [[], { STABLEID_METRICS: '0' }], [['--no-metrics'], { STABLEID_METRICS: '1' }]] as const) {
      const served = serveCli([...args], env);
      const base = await served.url;
      assert.equal((await fetch(`${base}/metrics`)).status, 404, `${args.join(' ')} ${JSON.stringify(env)}`);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      process.emit('SIGTERM', 'SIGTERM');
      assert.equal(await served.exit, 0);
    }
    const err = new PassThrough();
    err.resume();
    assert.equal(await runCli(['--db', ':memory:', 'serve', '--port', '0'], { stdout: { write: () => true }, stderr: err, env: { STABLEID_METRICS: 'maybe' } }), 2);
  });

  it('refuses a bad port as a usage error', async () => {
    const err = new PassThrough();
    err.resume();
    const code = await runCli(['--db', ':memory:', 'serve', '--port', 'eighty'], { stdout: { write: () => true }, stderr: err, env: {} });
    assert.equal(code, 2);
  });
});

/** `stableid serve --port 0` on an empty in-memory registry, with logs off. */
const serveCli = (args: readonly string[], env: Readonly<Record<string, string>>) => serving(['--db', ':memory:', 'serve', '--port', '0', '--log-level', 'silent', ...args], env);
