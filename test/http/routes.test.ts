import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ORDER, legacy, typeId } from '../registry/fixtures.js';
import { type TestApp, body, identifierUrl, openTestApp } from './fixtures.js';

describe('http routes', () => {
  let t: TestApp;
  before(async () => {
    t = await openTestApp();
  });
  after(async () => t.close());

  it('lists the namespaces', async () => {
    const response = await t.app.inject('/v1/namespaces');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.deepEqual(body<{ namespaces: { name: string }[] }>(response).namespaces.map((n) => n.name), ['order', 'sku']);
  });

  it('shows a namespace with its schemes and formats', async () => {
    const response = await t.app.inject('/v1/namespaces/order');
    assert.equal(response.statusCode, 200);
    const { namespace, schemes } = body<{ namespace: { owner: string }; schemes: { name: string; format: Record<string, unknown>; state: string }[] }>(response);
    assert.equal(namespace.owner, 'orders-team');
    assert.deepEqual(schemes.map((s) => s.name), ['v1', 'v2', 'v3', 'v4']);
    assert.deepEqual(schemes[0]?.format, { kind: 'pattern', pattern: 'ORD-\\d{6}', maxLength: 10 });
    assert.equal(schemes[0]?.state, 'active');
  });

  it('resolves an identifier to what the registry answers', async () => {
    const response = await t.app.inject(identifierUrl(legacy(1)));
    assert.equal(response.statusCode, 200);
    assert.deepEqual(body(response), JSON.parse(JSON.stringify(await t.registry.resolve(ORDER, { value: legacy(1) }))));
    assert.equal(response.headers['deprecation'], undefined);
  });

  it('resolves with a scheme and as of an instant', async () => {
    const resolution = await t.registry.resolve(ORDER, { value: legacy(1) });
    const before = resolution.identifiers[0]?.createdAt as string;
    const response = await t.app.inject(`${identifierUrl(legacy(1))}?scheme=v1&asOf=${encodeURIComponent(before)}`);
    assert.equal(response.statusCode, 200);
    const answer = body<{ identifiers: unknown[]; asOf: string }>(response);
    assert.equal(answer.identifiers.length, 1, 'the v2 alias did not exist yet');
    assert.equal(answer.asOf, before);
  });

  it('translates an identifier into another scheme', async () => {
    const response = await t.app.inject(`${identifierUrl(legacy(1))}/translations/v2`);
    assert.equal(response.statusCode, 200);
    const translation = body<{ entity: string; from: { value: string }; to: { value: string } }>(response);
    assert.equal(translation.from.value, legacy(1));
    assert.equal(translation.to.value, typeId(1));
    const back = await t.app.inject(`${identifierUrl(typeId(1))}/translations/v1?scheme=v2`);
    assert.equal(body<{ to: { value: string } }>(back).to.value, legacy(1));
  });

  it('shows the lineage of an identifier', async () => {
    const response = await t.app.inject(`${identifierUrl(typeId(1))}/lineage`);
    assert.equal(response.statusCode, 200);
    const { entity, lineage } = body<{ entity: string; lineage: { scheme: string; derivedFrom: unknown; migration: string | null }[] }>(response);
    assert.equal(entity, 'ent_000001');
    assert.deepEqual(
      lineage.map((i) => [i.scheme, i.derivedFrom, i.migration]),
      [
        ['v1', null, null],
        ['v2', { scheme: 'v1', value: legacy(1) }, 'm-v2'],
      ],
    );
  });

  it('resolves a batch item by item', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/namespaces/order/resolve',
      payload: { identifiers: [{ value: legacy(1) }, { scheme: 'v2', value: typeId(1) }, { value: legacy(9) }, { value: 'nonsense' }] },
    });
    assert.equal(response.statusCode, 200);
    const { results } = body<{ results: { ok: boolean; result?: { entity: string }; error?: { code: string; status: number } }[] }>(response);
    assert.deepEqual(
      results.map((r) => (r.ok ? r.result?.entity : r.error?.code)),
      ['ent_000001', 'ent_000001', 'IDENTIFIER_NOT_FOUND', 'INVALID_IDENTIFIER'],
    );
    assert.equal(results[2]?.error?.status, 404);
  });

  it('translates a batch item by item', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/namespaces/order/translate',
      payload: { to: 'v2', identifiers: [{ value: legacy(1) }, { value: legacy(3) }] },
    });
    assert.equal(response.statusCode, 200);
    const { results } = body<{ results: { ok: boolean; result?: { to: { value: string } }; error?: { code: string } }[] }>(response);
    assert.deepEqual(
      results.map((r) => (r.ok ? r.result?.to.value : r.error?.code)),
      [typeId(1), 'TRANSLATION_NOT_FOUND'],
    );
  });

  it('pages through the history', async () => {
    const first = await t.app.inject('/v1/namespaces/order/history?limit=3');
    assert.equal(first.statusCode, 200);
    const page = body<{ events: { seq: number; type: string }[]; next: number | null }>(first);
    assert.deepEqual(page.events.map((e) => e.seq), [1, 2, 3]);
    assert.equal(page.events[0]?.type, 'namespace.created');
    assert.equal(page.next, 3);
    const rest = body<{ events: { seq: number }[]; next: number | null }>(await t.app.inject('/v1/namespaces/order/history?after=3&limit=1000'));
    assert.equal(rest.events[0]?.seq, 4);
    assert.equal(rest.next, null);
  });

  it('answers liveness and readiness', async () => {
    const live = await t.app.inject('/healthz');
    assert.equal(live.statusCode, 200);
    assert.deepEqual(body(live), { status: 'ok' });
    assert.equal(live.headers['cache-control'], 'no-store');
    const ready = await t.app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(body(ready), { status: 'ready' });
  });

  it('describes each problem type', async () => {
    const response = await t.app.inject('/v1/problems/IDENTIFIER_ERASED');
    assert.equal(response.statusCode, 200);
    assert.equal(body(response)['status'], 410);
    assert.equal((await t.app.inject('/v1/problems/NOPE')).statusCode, 404);
  });

  it('accepts URL-encoded values', async () => {
    const response = await t.app.inject(identifierUrl('ORD/1 ?#'));
    assert.equal(response.statusCode, 422);
    assert.equal(body(response)['value'], 'ORD/1 ?#');
  });
});
