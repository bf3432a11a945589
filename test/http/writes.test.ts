import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ORDER, SKU, allEvents, eventCount, legacy, typeId } from '../registry/fixtures.js';
import { type AuthTestApp, CALLERS, type Caller, type TestApp, body, identifierUrl, openAuthTestApp, openTestApp } from './fixtures.js';

interface WriteCase {
  readonly name: string;
  readonly method: 'POST' | 'PUT';
  readonly url: string;
  readonly payload?: unknown;
  readonly role: 'write' | 'steward';
  readonly status: number;
}

/** One valid request per write route, each against the fixture's state. */
const WRITES: readonly WriteCase[] = [
  { name: 'register', method: 'POST', url: `/v1/namespaces/${ORDER}/identifiers`, payload: { scheme: 'v1', value: legacy(9) }, role: 'write', status: 201 },
  { name: 'alias', method: 'POST', url: `${identifierUrl(legacy(3))}/aliases?scheme=v1`, payload: { scheme: 'v2', value: typeId(3), migration: 'm-v2' }, role: 'write', status: 201 },
  { name: 'rebind', method: 'PUT', url: `${identifierUrl(legacy(1))}/binding`, payload: { store: 'main', collection: 'orders', key: '99' }, role: 'write', status: 200 },
  { name: 'deprecate', method: 'POST', url: `${identifierUrl(legacy(3))}/deprecation`, payload: { sunset: '2027-12-31' }, role: 'steward', status: 200 },
  { name: 'archive', method: 'POST', url: `${identifierUrl(legacy(3))}/archive`, role: 'steward', status: 200 },
  { name: 'import', method: 'POST', url: `/v1/namespaces/${ORDER}/import`, payload: { items: [{ op: 'register', scheme: 'v1', value: legacy(10) }] }, role: 'write', status: 200 },
];

/** What each caller gets from a route needing `role` on order. */
function expected(caller: Caller | 'none' | 'bogus', write: WriteCase): number {
  if (caller === 'none' || caller === 'bogus') return 401;
  if (caller === 'read' || caller === 'sku-write') return 403;
  if (caller === 'write' || caller === 'any-write') return write.role === 'write' ? write.status : 403;
  return write.status;
}

const send = (t: TestApp, write: WriteCase, headers: Record<string, string> = {}) =>
  t.app.inject({ method: write.method, url: write.url, ...(write.payload === undefined ? {} : { payload: write.payload as object }), headers });

describe('http writes: authorization', () => {
  for (const write of WRITES) {
    it(`${write.name} needs the ${write.role} role on the namespace`, async () => {
      for (const caller of ['none', 'bogus', ...CALLERS] as const) {
        const t = await openAuthTestApp();
        try {
          const before = await eventCount(t.registry, ORDER);
          const authorization = caller === 'none' ? undefined : caller === 'bogus' ? 'Bearer sid_nope_secretvalue' : t.bearer[caller];
          const response = await send(t, write, authorization === undefined ? {} : { authorization, 'x-correlation-id': `corr-${caller}`, 'x-reason': 'ticket 42' });
          const status = expected(caller, write);
          assert.equal(response.statusCode, status, `${write.name} as ${caller}: ${response.body}`);
          const written = (await eventCount(t.registry, ORDER)) - before;
          if (status >= 400) {
            assert.equal(body(response).code, status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
            if (status === 401) assert.equal(response.headers['www-authenticate'], 'Bearer realm="stableid"');
            assert.equal(written, 0, `${write.name} as ${caller}: a refused write writes nothing`);
            assert.doesNotMatch(response.body, /sid_/, 'the token is never echoed');
          } else {
            assert.equal(written, 1, `${write.name} as ${caller}: one event`);
            const event = (await allEvents(t.registry, ORDER)).at(-1);
            assert.equal(event?.actor, `${caller}-bot`, "the token's actor is recorded");
            assert.equal(event?.correlationId, `corr-${caller}`);
            assert.equal(event?.reason, 'ticket 42');
          }
        } finally {
          await t.close();
        }
      }
    });
  }

  it('refuses every write when the app has no token store, and reads stay open', async () => {
    const t = await openTestApp();
    try {
      const before = await eventCount(t.registry, ORDER);
      for (const write of WRITES) {
        const response = await send(t, write, { authorization: 'Bearer anything' });
        assert.equal(response.statusCode, 401, write.name);
        assert.equal(body(response).code, 'UNAUTHENTICATED');
      }
      assert.equal(await eventCount(t.registry, ORDER), before);
      assert.equal((await t.app.inject(identifierUrl(legacy(1)))).statusCode, 200);
    } finally {
      await t.close();
    }
  });

  it('refuses an import with an item the token may not do, writing none of it', async () => {
    const t = await openAuthTestApp();
    try {
      const before = await eventCount(t.registry, ORDER);
      const items = [{ op: 'register', scheme: 'v1', value: legacy(11) }, { op: 'archive', identifier: { value: legacy(3) } }];
      const refused = await t.app.inject({ method: 'POST', url: `/v1/namespaces/${ORDER}/import`, payload: { items }, headers: { authorization: t.bearer.write } });
      assert.equal(refused.statusCode, 403);
      assert.equal(body(refused).operation, 'archive');
      assert.equal(await eventCount(t.registry, ORDER), before);
      const done = await t.app.inject({ method: 'POST', url: `/v1/namespaces/${ORDER}/import`, payload: { items }, headers: { authorization: t.bearer.steward } });
      assert.equal(done.statusCode, 200, done.body);
      assert.deepEqual([body(done).written, body(done).failed], [2, 0]);
    } finally {
      await t.close();
    }
  });
});

describe('http reads with tokens', () => {
  let t: AuthTestApp;
  before(async () => {
    t = await openAuthTestApp();
  });
  after(async () => t.close());

  it('need the read role on the namespace', async () => {
    const url = identifierUrl(legacy(1));
    assert.equal((await t.app.inject(url)).statusCode, 401);
    assert.equal((await t.app.inject({ url, headers: { authorization: 'Basic abc' } })).statusCode, 401);
    assert.equal((await t.app.inject({ url, headers: { authorization: t.bearer.read } })).statusCode, 200);
    assert.equal((await t.app.inject({ url, headers: { authorization: t.bearer['sku-write'] } })).statusCode, 403);
    const batch = await t.app.inject({ method: 'POST', url: `/v1/namespaces/${ORDER}/resolve`, payload: { identifiers: [{ value: legacy(1) }] }, headers: { authorization: t.bearer['sku-write'] } });
    assert.equal(batch.statusCode, 403);
    assert.equal((await t.app.inject('/healthz')).statusCode, 200, 'health needs no token');
    assert.equal((await t.app.inject('/v1/openapi.json')).statusCode, 200, 'nor do the docs');
  });

  it('list only the namespaces the token may read', async () => {
    assert.equal((await t.app.inject('/v1/namespaces')).statusCode, 401);
    const names = async (caller: Caller) =>
      body<{ namespaces: { name: string }[] }>(await t.app.inject({ url: '/v1/namespaces', headers: { authorization: t.bearer[caller] } })).namespaces.map((n) => n.name);
    assert.deepEqual(await names('read'), [ORDER]);
    assert.deepEqual(await names('sku-write'), [SKU]);
    assert.deepEqual(await names('any-write'), [ORDER, SKU]);
  });

  it('are open with reads-open, while writes still need a token', async () => {
    const open = await openAuthTestApp({ auth: 'reads-open' });
    try {
      assert.equal((await open.app.inject(identifierUrl(legacy(1)))).statusCode, 200);
      assert.equal((await open.app.inject('/v1/namespaces')).statusCode, 200);
      assert.equal((await send(open, WRITES[0] as WriteCase)).statusCode, 401);
      assert.equal((await send(open, WRITES[0] as WriteCase, { authorization: open.bearer.write })).statusCode, 201);
    } finally {
      await open.close();
    }
  });
});

describe('http writes: answers and errors', () => {
  let t: AuthTestApp;
  before(async () => {
    t = await openAuthTestApp({ batchLimit: 3 });
  });
  after(async () => t.close());

  const post = (url: string, payload: unknown, caller: Caller = 'admin', headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload: payload as object, headers: { authorization: t.bearer[caller], ...headers } });

  /** Asserts the status and code, and that nothing was written in either namespace. */
  async function refused(response: Promise<{ statusCode: number; body: string }>, status: number, code: string): Promise<Record<string, unknown>> {
    const counts = [await eventCount(t.registry, ORDER), await eventCount(t.registry, SKU)];
    const answer = await response;
    assert.equal(answer.statusCode, status, answer.body);
    const problem = JSON.parse(answer.body) as Record<string, unknown>;
    assert.equal(problem['code'], code);
    assert.deepEqual([await eventCount(t.registry, ORDER), await eventCount(t.registry, SKU)], counts, 'nothing written');
    return problem;
  }

  it('registers with 201 and a Location that resolves, then answers a repeat with 200 and changed false', async () => {
    const first = await post(`/v1/namespaces/${ORDER}/identifiers`, { scheme: 'v1', value: legacy(20), binding: { store: 'main', collection: 'orders', key: '20' } });
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(body(first).changed, true);
    const resolved = await t.app.inject({ url: String(first.headers.location), headers: { authorization: t.bearer.read } });
    assert.equal(resolved.statusCode, 200);
    assert.equal(body<{ binding: { key: string } }>(resolved).binding.key, '20');
    const again = await post(`/v1/namespaces/${ORDER}/identifiers`, { scheme: 'v1', value: legacy(20), binding: { store: 'main', collection: 'orders', key: '20' } });
    assert.equal(again.statusCode, 200);
    assert.deepEqual([body(again).changed, body(again).seq], [false, null]);
  });

  it('answers a conflict with 409', async () => {
    await refused(post(`${identifierUrl(legacy(3))}/aliases`, { scheme: 'v2', value: typeId(1) }), 409, 'IDENTIFIER_CONFLICT');
  });

  it('answers an identifier that breaks its scheme with 422', async () => {
    await refused(post(`/v1/namespaces/${ORDER}/identifiers`, { scheme: 'v1', value: 'ORD-1' }), 422, 'INVALID_IDENTIFIER');
  });

  it('answers an unknown namespace, scheme or identifier with 404', async () => {
    await refused(post('/v1/namespaces/nope/identifiers', { scheme: 'v1', value: legacy(1) }, 'any-write'), 404, 'NAMESPACE_NOT_FOUND');
    await refused(post('/v1/namespaces/nope/import', { items: [{ op: 'register', scheme: 'v1', value: legacy(1) }] }, 'any-write'), 404, 'NAMESPACE_NOT_FOUND');
    await refused(post(`/v1/namespaces/${ORDER}/identifiers`, { scheme: 'v9', value: legacy(1) }), 404, 'SCHEME_NOT_FOUND');
    await refused(post(`${identifierUrl(legacy(99))}/deprecation`, { sunset: '2027-01-01' }), 404, 'IDENTIFIER_NOT_FOUND');
  });

  it('answers a malformed body with 400 naming the field', async () => {
    const problem = await refused(post(`/v1/namespaces/${ORDER}/identifiers`, { scheme: 1, value: legacy(21) }), 400, 'INVALID_ARGUMENT');
    assert.equal(problem['field'], 'scheme');
    await refused(post(`/v1/namespaces/${ORDER}/identifiers`, { scheme: 'v1', value: legacy(21), extra: true }), 400, 'INVALID_ARGUMENT');
    await refused(post(`${identifierUrl(legacy(1))}/deprecation`, {}), 400, 'INVALID_ARGUMENT');
    await refused(
      t.app.inject({ method: 'POST', url: `/v1/namespaces/${ORDER}/identifiers`, payload: '{"scheme":', headers: { authorization: t.bearer.admin, 'content-type': 'application/json' } }),
      400,
      'INVALID_ARGUMENT',
    );
    await refused(post(`/v1/namespaces/${ORDER}/import`, { items: [{ op: 'erase', identifier: { value: legacy(1) } }] }), 400, 'INVALID_ARGUMENT');
  });

  it('imports all or nothing, listing every failure', async () => {
    const items = [{ op: 'register', scheme: 'v1', value: legacy(30) }, { op: 'register', scheme: 'v1', value: 'bad' }, { op: 'rebind', identifier: { value: legacy(98) }, binding: { store: 'a', collection: 'b', key: 'c' } }];
    const problem = await refused(post(`/v1/namespaces/${ORDER}/import`, { items }), 422, 'BATCH_REJECTED');
    assert.deepEqual((problem['failures'] as { index: number; code: string }[]).map((f) => [f.index, f.code]), [[1, 'INVALID_IDENTIFIER'], [2, 'IDENTIFIER_NOT_FOUND']]);
    const partial = await post(`/v1/namespaces/${ORDER}/import`, { items, continueOnError: true });
    assert.equal(partial.statusCode, 200, partial.body);
    const report = body<{ written: number; failed: number; failures: { index: number; error: { code: string } }[] }>(partial);
    assert.deepEqual([report.written, report.failed, report.failures.map((f) => f.error.code)], [1, 2, ['INVALID_IDENTIFIER', 'IDENTIFIER_NOT_FOUND']]);
    await refused(post(`/v1/namespaces/${ORDER}/import`, { items: [...items, ...items] }), 413, 'INVALID_ARGUMENT');
  });
});
