import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { ORDER, legacy, typeId } from '../registry/fixtures.js';
import { type TestApp, body, identifierUrl, openTestApp } from './fixtures.js';

const SUNSET_2027 = 'Wed, 30 Jun 2027 00:00:00 GMT';

describe('http deprecation headers', () => {
  let t: TestApp;
  before(async () => {
    t = await openTestApp();
  });
  after(async () => t.close());

  it('marks a deprecated identifier with Deprecation and Sunset, without a successor of its own', async () => {
    const response = await t.app.inject(identifierUrl(legacy(2)));
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['deprecation']), /^@\d+$/);
    assert.equal(response.headers['sunset'], SUNSET_2027);
    assert.equal(response.headers['link'], undefined);
  });

  it('dates Deprecation at the instant an as-of answer describes', async () => {
    const now = new Date().toISOString();
    const response = await t.app.inject(`${identifierUrl(legacy(2))}?asOf=${now}`);
    assert.equal(response.headers['deprecation'], `@${Math.floor(Date.parse(now) / 1000)}`);
  });

  it('links a deprecated scheme to its replacement, on resolve, translate and in batches', async () => {
    await t.registry.deprecateScheme(ORDER, 'v1', '2028-01-31', 'v2');
    const resolve = await t.app.inject(identifierUrl(legacy(1)));
    assert.match(String(resolve.headers['deprecation']), /^@\d+$/);
    assert.equal(resolve.headers['sunset'], 'Mon, 31 Jan 2028 00:00:00 GMT');
    assert.equal(resolve.headers['link'], `</v1/namespaces/order/identifiers/${legacy(1)}/translations/v2?scheme=v1>; rel="successor-version"`);
    const successor = await t.app.inject(String(resolve.headers['link']).slice(1, String(resolve.headers['link']).indexOf('>')));
    assert.equal(body<{ to: { value: string } }>(successor).to.value, typeId(1));
    assert.ok(successor.headers['deprecation'], 'translating from a deprecated identifier is flagged too');
    // The identifier's own earlier sunset wins over its scheme's.
    assert.equal((await t.app.inject(identifierUrl(legacy(2)))).headers['sunset'], SUNSET_2027);
    assert.equal((await t.app.inject(identifierUrl(typeId(1)))).headers['deprecation'], undefined);

    const batch = await t.app.inject({ method: 'POST', url: '/v1/namespaces/order/resolve', payload: { identifiers: [{ value: legacy(1) }, { value: typeId(1) }] } });
    assert.equal(batch.headers['deprecation'], undefined, 'a batch says it per item, in the body');
    const { results } = body<{ results: { deprecation: unknown }[] }>(batch);
    assert.deepEqual(results[0]?.deprecation, { scheme: 'v1', value: legacy(1), state: 'deprecated', sunset: '2028-01-31T00:00:00.000Z', replacement: 'v2' });
    assert.equal(results[1]?.deprecation, null);
    const translated = await t.app.inject({ method: 'POST', url: '/v1/namespaces/order/translate', payload: { to: 'v2', identifiers: [{ value: legacy(1) }] } });
    assert.equal(body<{ results: { deprecation: { replacement: string } }[] }>(translated).results[0]?.deprecation.replacement, 'v2');
  });

  it('flags an archived identifier too', async () => {
    await t.registry.archive({ namespace: ORDER, identifier: { value: legacy(3) } });
    const response = await t.app.inject(identifierUrl(legacy(3)));
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['deprecation']), /^@\d+$/);
    assert.equal(response.headers['sunset'], undefined, 'an archived identifier has no sunset left');
  });
});

describe('http caching', () => {
  let t: TestApp;
  before(async () => {
    t = await openTestApp({ cacheMaxAge: 30, namespaceMaxAge: { sku: 600 } });
  });
  after(async () => t.close());

  it('gives reads an ETag over the body and Cache-Control, and answers If-None-Match with 304', async () => {
    const first = await t.app.inject(identifierUrl(legacy(1)));
    const etag = String(first.headers['etag']);
    assert.match(etag, /^"[\w-]{43}"$/);
    assert.equal(first.headers['cache-control'], 'max-age=30');
    const again = await t.app.inject(identifierUrl(legacy(1)));
    assert.equal(again.headers['etag'], etag, 'same body, same ETag');

    const cached = await t.app.inject({ url: identifierUrl(legacy(1)), headers: { 'if-none-match': `"other", W/${etag}` } });
    assert.equal(cached.statusCode, 304);
    assert.equal(cached.body, '');
    assert.equal(cached.headers['etag'], etag);
    assert.equal(cached.headers['cache-control'], 'max-age=30');

    const stale = await t.app.inject({ url: identifierUrl(legacy(1)), headers: { 'if-none-match': '"other"' } });
    assert.equal(stale.statusCode, 200);

    await t.registry.rebind({ namespace: ORDER, identifier: { value: legacy(1) }, binding: { store: 'main', collection: 'orders', key: '1b' } });
    const changed = await t.app.inject({ url: identifierUrl(legacy(1)), headers: { 'if-none-match': etag } });
    assert.equal(changed.statusCode, 200, 'a changed answer has a new ETag');
    assert.notEqual(changed.headers['etag'], etag);
  });

  it('sets max-age per namespace where its owners chose one, the default elsewhere', async () => {
    assert.equal((await t.app.inject(identifierUrl('7', 'sku') + '?scheme=legacy')).headers['cache-control'], 'max-age=600');
    assert.equal((await t.app.inject('/v1/namespaces/sku')).headers['cache-control'], 'max-age=600');
    assert.equal((await t.app.inject('/v1/namespaces/order')).headers['cache-control'], 'max-age=30');
    assert.equal((await t.app.inject('/v1/namespaces')).headers['cache-control'], 'max-age=30', 'a read across namespaces gets the default');
  });

  it('refuses a max-age that is not a whole number of seconds', () => {
    assert.throws(() => buildApp({ registry: t.registry, namespaceMaxAge: { sku: -1 } }), { code: 'INVALID_ARGUMENT', message: /namespaceMaxAge\.sku/ });
  });

  it('caches every GET read, but not errors, batches or health', async () => {
    for (const url of ['/v1/namespaces', '/v1/namespaces/order', `${identifierUrl(legacy(1))}/translations/v2`, `${identifierUrl(legacy(1))}/lineage`, '/v1/namespaces/order/history']) {
      assert.ok((await t.app.inject(url)).headers['etag'], url);
    }
    assert.equal((await t.app.inject('/v1/namespaces/nope')).headers['etag'], undefined);
    assert.equal((await t.app.inject('/readyz')).headers['etag'], undefined);
    const batch = await t.app.inject({ method: 'POST', url: '/v1/namespaces/order/resolve', payload: { identifiers: [{ value: legacy(1) }] } });
    assert.equal(batch.headers['etag'], undefined);
  });
});

describe('http correlation ids and logs', () => {
  const lines: string[] = [];
  let t: TestApp;
  before(async () => {
    t = await openTestApp({ logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } });
  });
  after(async () => t.close());

  it('echoes the caller’s X-Correlation-Id, on success and on error', async () => {
    const ok = await t.app.inject({ url: '/v1/namespaces', headers: { 'x-correlation-id': 'req-42' } });
    assert.equal(ok.headers['x-correlation-id'], 'req-42');
    const failed = await t.app.inject({ url: '/v1/namespaces/nope', headers: { 'x-correlation-id': 'req-43' } });
    assert.equal(failed.headers['x-correlation-id'], 'req-43');
    assert.equal(body(failed)['correlationId'], 'req-43');
  });

  it('takes the trace id of a W3C traceparent, else makes one up', async () => {
    const traced = await t.app.inject({ url: '/healthz', headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
    assert.equal(traced.headers['x-correlation-id'], '4bf92f3577b34da6a3ce929d0e0e4736');
    const invalid = await t.app.inject({ url: '/healthz', headers: { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'x-correlation-id': 'has space' } });
    assert.match(String(invalid.headers['x-correlation-id']), /^[\da-f-]{36}$/);
    const a = await t.app.inject('/healthz');
    const b = await t.app.inject('/healthz');
    assert.notEqual(a.headers['x-correlation-id'], b.headers['x-correlation-id']);
  });

  it('puts the correlation id on every log line of the request, and never a credential', async () => {
    lines.length = 0;
    await t.app.inject({
      url: '/v1/namespaces/nope',
      headers: { 'x-correlation-id': 'req-log', authorization: 'Bearer sk_secret_token', cookie: 'session=sk_secret_cookie' },
    });
    const mine = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry['correlationId'] === 'req-log');
    assert.ok(mine.length >= 2, 'incoming request, the error and the completion are logged');
    assert.ok(mine.some((entry) => entry['code'] === 'NAMESPACE_NOT_FOUND'));
    assert.doesNotMatch(lines.join(''), /sk_secret/);
    // Even a handler that logs every header cannot leak one.
    t.app.log.info({ req: { headers: { authorization: 'Bearer sk_secret_token' } }, headers: { cookie: 'sk_secret_cookie' } }, 'headers');
    assert.doesNotMatch(lines.join(''), /sk_secret/);
    assert.match(lines.join(''), /\[redacted\]/);
  });
});

describe('http deprecated routes', () => {
  let t: TestApp;
  before(async () => {
    const notice = { since: '2026-03-01', sunset: '2027-03-01', link: '/v1/docs#tag/namespaces' };
    t = await openTestApp({
      routes: (app, { registry }) => {
        const old = (operationId: string) => ({ config: { deprecatedRoute: notice }, schema: { operationId, summary: `the old spelling of ${operationId}` } });
        app.get('/v1/ns-list', old('listNamespacesOld'), async () => registry.listNamespaces());
        app.get('/v1/ns-list/:name', old('getNamespaceOld'), async (request) => registry.getNamespace((request.params as { name: string }).name));
      },
    });
  });
  after(async () => t.close());

  it('marks every answer of a deprecated route, errors included, with Deprecation, Sunset and a Link to what replaces it', async () => {
    for (const url of ['/v1/ns-list', '/v1/ns-list/nope']) {
      const response = await t.app.inject(url);
      assert.equal(response.headers['deprecation'], `@${Date.parse('2026-03-01') / 1000}`, url);
      assert.equal(response.headers['sunset'], 'Mon, 01 Mar 2027 00:00:00 GMT', url);
      assert.equal(response.headers['link'], '</v1/docs#tag/namespaces>; rel="deprecation"', url);
    }
    assert.equal((await t.app.inject('/v1/ns-list/nope')).statusCode, 404);
    assert.equal((await t.app.inject('/v1/namespaces')).headers['deprecation'], undefined, 'other routes are not marked');
  });

  it('flags the route deprecated in the OpenAPI document', async () => {
    const doc = body<{ paths: Record<string, { get: { deprecated?: boolean } }> }>(await t.app.inject('/v1/openapi.json'));
    assert.equal(doc.paths['/v1/ns-list']?.get.deprecated, true);
    assert.equal(doc.paths['/v1/namespaces']?.get.deprecated, undefined);
  });

  it('refuses a deprecation whose dates do not parse', async () => {
    const app = buildApp({ registry: t.registry });
    assert.throws(() => app.get('/v1/x', { config: { deprecatedRoute: { since: 'soon', link: '/v1/docs' } } }, async () => ({})), {
      code: 'INVALID_ARGUMENT',
      message: /deprecatedRoute\.since/,
    });
    await app.close();
  });
});
