import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { SqliteUsageStore } from '../../src/usage/sqlite-usage-store.js';
import type { UsageStore } from '../../src/usage/usage-store.js';
import { type AuthTestApp, body, openAuthTestApp, openTestApp } from '../http/fixtures.js';

const today = (): string => new Date().toISOString();

const report = (overrides: Record<string, unknown> = {}) => ({
  reportId: 'checkout-20250415-0001',
  service: 'checkout',
  serviceVersion: '2.3.1',
  at: today(),
  counts: [
    { namespace: 'order', scheme: 'v1', caller: 'partner-x', requests: 12, deprecated: 12 },
    { namespace: 'order', scheme: 'v2', requests: 30 },
  ],
  ...overrides,
});

function problem(response: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const doc = body(response);
  assert.equal(doc['code'], code);
  return doc;
}

describe('POST /v1/usage', () => {
  let usage: UsageStore;
  let t: AuthTestApp;
  beforeEach(async () => {
    usage = SqliteUsageStore.open(':memory:');
    t = await openAuthTestApp({ usage, batchLimit: 3 });
  });
  afterEach(async () => {
    await t.close();
    await usage.close();
  });

  const post = (payload: unknown, authorization?: string) =>
    t.app.inject({ method: 'POST', url: '/v1/usage', payload: payload as Record<string, unknown>, headers: authorization === undefined ? {} : { authorization } });

  it('counts a report sent with a read token, and a retry of it once', async () => {
    const sent = report();
    const first = await post(sent, t.bearer.read);
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(body(first), { reportId: 'checkout-20250415-0001', recorded: true, counts: 2 });
    const retry = await post(sent, t.bearer.read);
    assert.deepEqual(body(retry), { reportId: 'checkout-20250415-0001', recorded: false, counts: 2 });
    const totals = await usage.totals();
    assert.deepEqual(totals.map((row) => [row.service, row.caller, row.scheme, row.requests, row.deprecated]), [
      ['checkout', 'partner-x', 'v1', 12, 12],
      ['checkout', 'checkout', 'v2', 30, 0],
    ]);
  });

  it('refuses the same report id with another body (422) and counts nothing of it', async () => {
    const sent = report();
    assert.equal((await post(sent, t.bearer.read)).statusCode, 200);
    const doc = problem(await post({ ...sent, counts: [{ namespace: 'order', scheme: 'v1', requests: 99 }] }, t.bearer.read), 422, 'INVALID_ARGUMENT');
    assert.equal(doc['rule'], 'usage.report-reused');
    assert.deepEqual((await usage.totals()).map((row) => row.requests), [12, 30]);
  });

  it('needs a token with read on every namespace named, even where reads are open', async () => {
    problem(await post(report()), 401, 'UNAUTHENTICATED');
    problem(await post(report(), 'Bearer sid_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), 401, 'UNAUTHENTICATED');
    const forbidden = problem(await post(report(), t.bearer['sku-write']), 403, 'FORBIDDEN');
    assert.equal(forbidden['namespace'], 'order');
    const mixed = report({ counts: [{ namespace: 'order', scheme: 'v1', requests: 1 }, { namespace: 'sku', scheme: 'legacy', requests: 1 }] });
    problem(await post(mixed, t.bearer.read), 403, 'FORBIDDEN');
    assert.equal((await post(mixed, t.bearer['any-write'])).statusCode, 200, 'write on * implies read everywhere');
    const open = await openAuthTestApp({ usage, auth: 'reads-open' });
    try {
      problem(await open.app.inject({ method: 'POST', url: '/v1/usage', payload: report({ reportId: 'open-0000001' }) }), 401, 'UNAUTHENTICATED');
      const ok = await open.app.inject({ method: 'POST', url: '/v1/usage', payload: report({ reportId: 'open-0000001' }), headers: { authorization: open.bearer.read } });
      assert.equal(ok.statusCode, 200, ok.body);
    } finally {
      await open.close();
    }
  });

  it('refuses malformed reports with 400 naming the field, and unknown namespaces and schemes with 404, writing nothing', async () => {
    const cases: [unknown, number, string, string?][] = [
      [{ ...report(), extra: 1 }, 400, 'INVALID_ARGUMENT', 'extra'],
      [report({ reportId: 'short' }), 400, 'INVALID_ARGUMENT', 'reportId'],
      [report({ at: 'now' }), 400, 'INVALID_ARGUMENT', 'at'],
      [report({ at: '2020-01-01T00:00:00Z' }), 400, 'INVALID_ARGUMENT', 'at'],
      [report({ counts: [] }), 400, 'INVALID_ARGUMENT', 'counts'],
      [report({ counts: [{ namespace: 'order', scheme: 'v1', requests: 0 }] }), 400, 'INVALID_ARGUMENT', 'counts[0].requests'],
      [report({ counts: [{ namespace: 'order', scheme: 'v1', requests: 1, deprecated: 2 }] }), 400, 'INVALID_ARGUMENT', 'counts[0].deprecated'],
      [report({ counts: [{ namespace: 'order', scheme: 'v1', requests: 1 }, { namespace: 'order', scheme: 'v1', requests: 1 }] }), 400, 'INVALID_ARGUMENT', 'counts[1]'],
      [report({ counts: Array.from({ length: 4 }, (_, i) => ({ namespace: 'order', scheme: 'v1', caller: `c${i}`, requests: 1 })) }), 400, 'INVALID_ARGUMENT', 'counts'],
      [report({ counts: [{ namespace: 'order', scheme: 'v9', requests: 1 }] }), 404, 'SCHEME_NOT_FOUND'],
      [report({ counts: [{ namespace: 'order', scheme: 'v1', requests: 1 }, { namespace: 'nope', scheme: 'v1', requests: 1 }] }), 404, 'NAMESPACE_NOT_FOUND'],
    ];
    for (const [payload, status, code, field] of cases) {
      const doc = problem(await post(payload, t.bearer['any-write']), status, code);
      if (field !== undefined) assert.equal(doc['field'], field, JSON.stringify(payload));
    }
    const raw = await t.app.inject({ method: 'POST', url: '/v1/usage', payload: '{"reportId":', headers: { authorization: t.bearer.read, 'content-type': 'application/json' } });
    problem(raw, 400, 'INVALID_ARGUMENT');
    assert.deepEqual(await usage.totals(), []);
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = body<{ paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> }>(await t.app.inject('/v1/openapi.json'));
    const operation = doc.paths['/v1/usage']?.['post'];
    assert.equal(operation?.operationId, 'reportUsage');
    for (const status of ['200', '400', '401', '403', '404', '422', '503']) assert.ok(operation?.responses[status], status);
  });
});

describe('a service without a usage store', () => {
  let t: Awaited<ReturnType<typeof openTestApp>>;
  before(async () => {
    t = await openTestApp();
  });
  after(async () => t.close());

  it('serves no usage route', async () => {
    problem(await t.app.inject({ method: 'POST', url: '/v1/usage', payload: report() }), 404, 'INVALID_ARGUMENT');
  });
});
