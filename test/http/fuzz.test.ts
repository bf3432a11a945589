import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ORDER, SKU, eventCount, legacy, typeId } from '../registry/fixtures.js';
import { type TestApp, openTestApp } from './fixtures.js';

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
});
