import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ORDER, SKU, eventCount, legacy, typeId } from '../registry/fixtures.js';
import { type AuthTestApp, type TestApp, identifierUrl, openAuthTestApp, openTestApp } from './fixtures.js';

const NASTY = ['order', 'sku', 'nope', legacy(1), typeId(1), '7', 'v1', 'v2', 'identifiers', 'translations', 'lineage', 'history', 'resolve', 'translate',
  'namespaces', 'problems', 'INTERNAL', '..', '.', '', '%2F', '%00', '%zz', '%E0%A4%A', '%F0%9F%98%80', '__proto__', 'constructor', '*', '%20'];

const segment = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
  fc.nat({ max: 3000 }).map((n) => 'x'.repeat(n)),
);

const queryValue = fc.oneof(fc.constantFrom('v1', 'v2', '0', '-1', '1e3', '2025-01-01', 'now', '[]', '', legacy(1)), fc.string({ maxLength: 30 }).map(encodeURIComponent));
const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom('scheme', 'asOf', 'after', 'limit', 'to', '__proto__'), fc.string({ maxLength: 8 }).map(encodeURIComponent)), queryValue), { maxLength: 4 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));

const path = fc.tuple(fc.constantFrom('/v1/namespaces', '/v1', '', '/v1/namespaces/order', '/v1/namespaces/order/identifiers'), fc.array(segment, { maxLength: 5 }), query)
  .map(([prefix, segments, q]) => `${prefix}/${segments.join('/')}${q}`);

const identifier = fc.record({ scheme: fc.option(fc.oneof(fc.constantFrom('v1', 'v2', 'v3', 'legacy', 'catalog'), fc.string()), { nil: undefined }), value: fc.oneof(fc.constantFrom(legacy(1), typeId(1), '7'), fc.string(), fc.anything()) }, { requiredKeys: [] });
const body = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
  fc.record({ to: fc.oneof(fc.constantFrom('v1', 'v2'), fc.anything()), identifiers: fc.array(identifier, { maxLength: 8 }), asOf: fc.oneof(fc.constantFrom('2025-01-01', 'nonsense'), fc.anything()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
);

describe('http fuzz', () => {
  let t: TestApp;
  let events: [number, number];
  before(async () => {
    t = await openTestApp({ batchLimit: 5, bodyLimit: 2048 });
    events = [await eventCount(t.registry, ORDER), await eventCount(t.registry, SKU)];
  });
  after(async () => t.close());

  it('answers any request with 2xx, 3xx or 4xx and a problem document, and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH'),
        path,
        fc.option(body, { nil: undefined }),
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', undefined),
        async (method, url, payload, contentType) => {
          const response = await t.app.inject({ method, url, ...(payload === undefined ? {} : { payload }), headers: contentType ? { 'content-type': contentType } : {} });
          assert.ok(response.statusCode < 500, `${method} ${url} ${payload ?? ''} → ${response.statusCode} ${response.body}`);
          if (response.statusCode >= 400 && method !== 'HEAD') {
            assert.match(String(response.headers['content-type']), /^application\/problem\+json/, `${method} ${url}`);
            assert.equal(typeof JSON.parse(response.body).code, 'string');
          }
        },
      ),
      { numRuns: 400 },
    );
    // The batch routes, aimed at directly.
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('resolve', 'translate'), fc.constantFrom('order', 'sku', 'nope'), body, async (route, namespace, payload) => {
        const response = await t.app.inject({ method: 'POST', url: `/v1/namespaces/${namespace}/${route}`, payload, headers: { 'content-type': 'application/json' } });
        assert.ok(response.statusCode < 500, `${route} ${payload} → ${response.statusCode} ${response.body}`);
      }),
      { numRuns: 300 },
    );
    assert.deepEqual([await eventCount(t.registry, ORDER), await eventCount(t.registry, SKU)], events);
  });

  it('answers any write with a steward token with 2xx or 4xx, and writes nothing on 4xx', async () => {
    const w: AuthTestApp = await openAuthTestApp({ batchLimit: 5, bodyLimit: 2048 });
    try {
      const value = fc.oneof(fc.constantFrom(legacy(1), legacy(2), legacy(3), legacy(7), typeId(1), typeId(5), '7', 'ORD-1', ''), fc.string({ maxLength: 20 }));
      const ref = fc.record({ scheme: fc.option(fc.constantFrom('v1', 'v2', 'v9', 'legacy'), { nil: undefined }), value }, { requiredKeys: ['value'] });
      const bindingBody = fc.record({ store: fc.constantFrom('main', ''), collection: fc.constantFrom('orders'), key: fc.string({ maxLength: 5 }) }, { requiredKeys: [] });
      const item = fc.oneof(
        fc.record({ op: fc.constant('register'), scheme: fc.constantFrom('v1', 'v2', 'x'), value, binding: fc.option(bindingBody, { nil: undefined }) }, { requiredKeys: ['op'] }),
        fc.record({ op: fc.constant('alias'), from: ref, scheme: fc.constantFrom('v1', 'v2'), value }, { requiredKeys: ['op'] }),
        fc.record({ op: fc.constantFrom('deprecate', 'archive', 'rebind', 'erase'), identifier: ref, sunset: fc.constantFrom('2027-01-01', 'soon'), binding: bindingBody }, { requiredKeys: ['op'] }),
      );
      const payload = fc.oneof(
        fc.record({ scheme: fc.constantFrom('v1', 'v2', 'v9'), value, binding: fc.oneof(bindingBody, fc.anything()), migration: fc.string({ maxLength: 5 }), sunset: fc.constantFrom('2027-01-01', 'nope', ''), store: fc.constantFrom('main'), collection: fc.constantFrom('orders'), key: fc.string({ maxLength: 4 }) }, { requiredKeys: [] }),
        fc.record({ items: fc.array(fc.oneof(item, fc.anything()), { maxLength: 7 }), continueOnError: fc.oneof(fc.boolean(), fc.anything()) }, { requiredKeys: [] }),
        fc.jsonValue(),
      ).map((v) => JSON.stringify(v));
      const route = fc.tuple(fc.constantFrom(ORDER, SKU, 'nope'), value, fc.constantFrom('POST /identifiers', 'POST /aliases', 'PUT /binding', 'POST /deprecation', 'POST /archive', 'POST /import'), fc.constantFrom('', '?scheme=v1', '?scheme=v9', '?x=1'));
      let counts = [await eventCount(w.registry, ORDER), await eventCount(w.registry, SKU)];
      await fc.assert(
        fc.asyncProperty(route, fc.option(payload, { nil: undefined }), async ([namespace, target, which, query], body) => {
          const [method, suffix] = which.split(' ') as ['POST' | 'PUT', string];
          const url = suffix === '/identifiers' || suffix === '/import' ? `/v1/namespaces/${namespace}${suffix}${query}` : `${identifierUrl(target || 'x', namespace)}${suffix}${query}`;
          const response = await w.app.inject({ method, url, ...(body === undefined ? {} : { payload: body }), headers: { authorization: w.bearer.steward, 'content-type': 'application/json' } });
          assert.ok(response.statusCode < 500, `${method} ${url} ${body ?? ''} → ${response.statusCode} ${response.body}`);
          const now = [await eventCount(w.registry, ORDER), await eventCount(w.registry, SKU)];
          if (response.statusCode >= 400) assert.deepEqual(now, counts, `${method} ${url} ${body ?? ''} → ${response.statusCode} wrote`);
          counts = now;
        }),
        { numRuns: 300 },
      );
    } finally {
      await w.close();
    }
  });
});
