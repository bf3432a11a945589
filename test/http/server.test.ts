import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { runCli } from '../../src/cli/program.js';
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
    let stdout = '';
    let stderr = '';
    const err = new PassThrough();
    let listening: (url: string) => void = () => undefined;
    const url = new Promise<string>((resolve) => {
      listening = resolve;
    });
    err.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = /serving (http:\/\/\S+)\/v1 /.exec(stderr);
      if (found) listening(found[1] as string);
    });
    const exit = runCli(['--db', ':memory:', 'serve', '--port', '0', '--open-reads'], { stdout: { write: (text: string) => (stdout += text) }, stderr: err, env: { STABLEID_HOST: '127.0.0.1' } });
    const base = await url;
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
    process.emit('SIGTERM', 'SIGTERM');
    assert.equal(await exit, 0);
    assert.match(stderr, /stopped/);
    assert.match(stdout, /"correlationId"/, 'JSON request logs on stdout');
    assert.doesNotMatch(stdout, /sk_cli_secret/);
  });

  it('refuses a bad port as a usage error', async () => {
    const err = new PassThrough();
    err.resume();
    const code = await runCli(['--db', ':memory:', 'serve', '--port', 'eighty'], { stdout: { write: () => true }, stderr: err, env: {} });
    assert.equal(code, 2);
  });
});
