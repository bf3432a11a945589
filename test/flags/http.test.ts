import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseScope } from '../../src/auth/scopes.js';
import { GOVERNANCE_LOG } from '../../src/model/events.js';
import { type AuthTestApp, type TestApp, body, identifierUrl, openAuthTestApp, openTestApp } from '../http/fixtures.js';
import { ORDER, legacy, typeId } from '../registry/fixtures.js';

const FLAGS = `/v1/namespaces/${ORDER}/flags`;
const stageUrl = (consumer: string, namespace = ORDER) => `/v1/namespaces/${namespace}/flags/stage/${consumer}`;
const exposureUrl = (scheme: string, consumer: string) => `${FLAGS}/exposure/${scheme}/${consumer}`;

interface StageAnswer {
  flag: { namespace: string; consumer: string; stage: string; percent: number; stages: string[] };
  seq: number | null;
  move: string;
}

/** The governance log's head: it moves with every flag written. */
const governanceHead = async (t: TestApp): Promise<number> => (await t.registry.governance()).seq;

describe('flags over HTTP: read with the read role, set with the steward role', () => {
  let t: AuthTestApp;
  /** A steward of every namespace. */
  let root: string;
  before(async () => {
    t = await openAuthTestApp();
    root = `Bearer ${(await t.tokens.create({ actor: 'root', scopes: [parseScope('*:steward')], createdBy: 'test', now: new Date() })).secret}`;
  });
  after(() => t.close());

  const put = (url: string, payload: unknown, authorization: string | undefined, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'PUT', url, payload: payload as object, headers: { ...(authorization ? { authorization } : {}), ...headers } });

  /** Asserts the request is answered `status` with `code` and that the governance log did not move. */
  async function refused(status: number, code: string, request: () => Promise<{ statusCode: number; body: string }>) {
    const before = await governanceHead(t);
    const response = await request();
    assert.deepEqual([response.statusCode, JSON.parse(response.body).code], [status, code], response.body);
    assert.equal(await governanceHead(t), before, 'nothing written');
    return JSON.parse(response.body) as Record<string, unknown>;
  }

  it('shows a namespace without flags to a reader, and to no one else', async () => {
    const response = await t.app.inject({ url: FLAGS, headers: { authorization: t.bearer.read } });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(body(response), { namespace: ORDER, stages: [], exposure: [] });
    assert.ok(response.headers['etag']);
    assert.equal((await t.app.inject({ url: FLAGS })).statusCode, 401);
    assert.equal((await t.app.inject({ url: FLAGS, headers: { authorization: t.bearer['sku-write'] } })).statusCode, 403);
    const missing = await t.app.inject({ url: '/v1/namespaces/nowhere/flags', headers: { authorization: t.bearer['any-write'] } });
    assert.deepEqual([missing.statusCode, body(missing)['code']], [404, 'NAMESPACE_NOT_FOUND']);
  });

  it('lets only a steward set a stage', async () => {
    await refused(401, 'UNAUTHENTICATED', () => put(stageUrl('billing'), { stage: 'dualwrite' }, undefined));
    await refused(403, 'FORBIDDEN', () => put(stageUrl('billing'), { stage: 'dualwrite' }, t.bearer.read));
    await refused(403, 'FORBIDDEN', () => put(stageUrl('billing'), { stage: 'dualwrite' }, t.bearer.write));
    const response = await put(stageUrl('billing'), { stage: 'dualwrite', percent: 10 }, t.bearer.steward);
    assert.equal(response.statusCode, 200, response.body);
    const answer = body<StageAnswer>(response);
    assert.deepEqual(answer.flag, { namespace: ORDER, consumer: 'billing', stage: 'dualwrite', percent: 10, stages: ['off', 'dualwrite', 'shadow', 'live', 'rampdown', 'complete'] });
    assert.equal(answer.move, 'forward');
    const [event] = await t.registry.history(GOVERNANCE_LOG, (answer.seq as number) - 1, 1);
    assert.deepEqual([event?.type, event?.actor, event?.correlationId], ['flag.stage.set', 'steward-bot', response.headers['x-correlation-id']]);
  });

  it('answers the same flag again with seq null, writing nothing', async () => {
    const before = await governanceHead(t);
    const response = await put(stageUrl('billing'), { stage: 'dualwrite', percent: 10 }, t.bearer.steward);
    assert.deepEqual([response.statusCode, body<StageAnswer>(response).seq, body<StageAnswer>(response).move], [200, null, 'same']);
    assert.equal(await governanceHead(t), before);
  });

  it('refuses a skip or a move back without X-Reason (409, rule stage-order) and records the reason given', async () => {
    const problem = await refused(409, 'POLICY_VIOLATION', () => put(stageUrl('billing'), { stage: 'live' }, t.bearer.steward));
    assert.equal(problem['rule'], 'stage-order');
    const skip = await put(stageUrl('billing'), { stage: 'live' }, t.bearer.steward, { 'x-reason': 'shadow ran in staging' });
    assert.deepEqual([skip.statusCode, body<StageAnswer>(skip).move], [200, 'skip']);
    await refused(409, 'POLICY_VIOLATION', () => put(stageUrl('billing'), { stage: 'off' }, t.bearer.steward));
    const back = await put(stageUrl('billing'), { stage: 'off' }, t.bearer.steward, { 'x-reason': 'rollback: mismatches' });
    assert.deepEqual([back.statusCode, body<StageAnswer>(back).move], [200, 'back']);
    const [event] = await t.registry.history(GOVERNANCE_LOG, (body<StageAnswer>(back).seq as number) - 1, 1);
    assert.equal(event?.reason, 'rollback: mismatches');
  });

  it('takes `*` and URL-encoded consumers in the path', async () => {
    const star = await put(stageUrl('*'), { stage: 'dualwrite', stages: ['off', 'dualwrite', 'live', 'complete'] }, t.bearer.steward);

    assert.deepEqual([star.statusCode, body<StageAnswer>(star).flag.consumer, body<StageAnswer>(star).flag.stages], [200, '*', ['off', 'dualwrite', 'live', 'complete']]);
    const encoded = await put(stageUrl('%2A'), { stage: 'live' }, t.bearer.steward);
    assert.deepEqual([encoded.statusCode, body<StageAnswer>(encoded).flag.consumer, body<StageAnswer>(encoded).move], [200, '*', 'forward']);
    const slashed = await put(stageUrl(encodeURIComponent('team/billing v2')), { stage: 'complete' }, t.bearer.steward);
    assert.deepEqual([slashed.statusCode, body<StageAnswer>(slashed).flag.consumer, body<StageAnswer>(slashed).move], [200, 'team/billing v2', 'forward'], 'from live, through *');
  });

  it('refuses malformed requests with 4xx, writing nothing', async () => {
    for (const payload of [{ stage: 'dualwrite', percent: 101 }, { stage: 'bogus' }, { stage: 'dualwrite', extra: 1 }, {}, { stage: 'dualwrite', percent: 2.5 }]) {
      await refused(400, 'INVALID_ARGUMENT', () => put(stageUrl('checkout'), payload, t.bearer.steward));
    }
    for (const stages of [['dualwrite', 'complete'], ['off', 'live', 'dualwrite', 'complete'], ['off', 'dualwrite']]) {
      const problem = await refused(400, 'INVALID_ARGUMENT', () => put(stageUrl('checkout'), { stage: 'dualwrite', stages }, t.bearer.steward));
      assert.equal(problem['field'], 'stages');
    }
    await refused(400, 'INVALID_ARGUMENT', () => put(stageUrl('checkout'), { stage: 'shadow', stages: ['off', 'dualwrite', 'live', 'complete'] }, t.bearer.steward));
    await refused(404, 'NAMESPACE_NOT_FOUND', () => put(stageUrl('checkout', 'nowhere'), { stage: 'dualwrite' }, root));
    await refused(404, 'SCHEME_NOT_FOUND', () => put(exposureUrl('v9', 'checkout'), { percent: 0 }, t.bearer.steward));
    for (const payload of [{}, { percent: -1 }, { percent: '50' }, { percent: 50, scheme: 'v2' }]) {
      await refused(400, 'INVALID_ARGUMENT', () => put(exposureUrl('v2', 'checkout'), payload, t.bearer.steward));
    }
    await refused(403, 'FORBIDDEN', () => put(exposureUrl('v2', 'checkout'), { percent: 0 }, t.bearer.write));
  });

  it('sets an exposure flag, once', async () => {
    const first = await put(exposureUrl('v2', '*'), { percent: 0 }, t.bearer.steward);
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(body(first)['flag'], { namespace: ORDER, scheme: 'v2', consumer: '*', percent: 0 });
    assert.equal(typeof body(first)['seq'], 'number');
    const again = await put(exposureUrl('v2', '*'), { percent: 0 }, t.bearer.steward);
    assert.deepEqual(body(again), { flag: { namespace: ORDER, scheme: 'v2', consumer: '*', percent: 0 }, seq: null });
    const flags = body<{ stages: { consumer: string; stage: string }[]; exposure: unknown[] }>(await t.app.inject({ url: FLAGS, headers: { authorization: t.bearer.read } }));
    assert.deepEqual(
      flags.stages.map((f) => [f.consumer, f.stage]),
      [
        ['billing', 'off'],
        ['*', 'live'],
        ['team/billing v2', 'complete'],
      ],
    );
    assert.deepEqual(flags.exposure, [{ namespace: ORDER, scheme: 'v2', consumer: '*', percent: 0 }]);
  });
});

describe('exposure flags honoured by resolve, translate, lineage and batches', () => {
  let t: AuthTestApp;
  before(async () => {
    t = await openAuthTestApp();
    await t.registry.setExposure({ namespace: ORDER, scheme: 'v2', consumer: '*', percent: 0 });
    await t.registry.setExposure({ namespace: ORDER, scheme: 'v2', consumer: 'read-bot', percent: 100 });
    await t.registry.setExposure({ namespace: ORDER, scheme: 'v2', consumer: 'billing', percent: 100 });
  });
  after(() => t.close());

  const get = (url: string, caller?: string) =>
    t.app.inject({ url, headers: { authorization: t.bearer.read, ...(caller === undefined ? {} : { 'x-stableid-caller': caller }) } });
  const schemes = (response: { body: string }) => (JSON.parse(response.body) as { identifiers: { scheme: string }[] }).identifiers.map((i) => i.scheme);

  it('resolves for the token’s actor, unless X-Stableid-Caller names another consumer', async () => {
    assert.deepEqual(schemes(await get(identifierUrl(legacy(1)))), ['v1', 'v2'], 'read-bot is exposed');
    const hidden = await get(identifierUrl(legacy(1)), 'checkout');
    assert.equal(hidden.statusCode, 200);
    assert.deepEqual(schemes(hidden), ['v1'], 'checkout follows *');
    assert.ok(!hidden.body.includes(typeId(1)));
    assert.match(String(hidden.headers['vary']), /X-Stableid-Caller/);
    assert.deepEqual(schemes(await get(identifierUrl(legacy(1)), 'billing')), ['v1', 'v2']);
    assert.notEqual(hidden.headers['etag'], (await get(identifierUrl(legacy(1)), 'billing')).headers['etag']);
  });

  it('answers a translation into a hidden scheme 404 TRANSLATION_NOT_FOUND, revealing nothing', async () => {
    const hidden = await get(`${identifierUrl(legacy(1))}/translations/v2`, 'checkout');
    assert.deepEqual([hidden.statusCode, body(hidden)['code']], [404, 'TRANSLATION_NOT_FOUND']);
    assert.ok(!hidden.body.includes(typeId(1)), hidden.body);
    const shown = await get(`${identifierUrl(legacy(1))}/translations/v2`, 'billing');
    assert.deepEqual([shown.statusCode, body<{ to: { value: string } }>(shown).to.value], [200, typeId(1)]);
  });

  it('answers the value asked for, and hides the scheme from the lineage too', async () => {
    const asked = await get(identifierUrl(typeId(1)), 'checkout');
    assert.deepEqual([asked.statusCode, body<{ identifier: { value: string } }>(asked).identifier.value], [200, typeId(1)]);
    const lineage = await get(`${identifierUrl(legacy(1))}/lineage`, 'checkout');
    assert.deepEqual(body<{ lineage: { scheme: string }[] }>(lineage).lineage.map((i) => i.scheme), ['v1']);
  });

  it('honours the flags item by item in batches', async () => {
    const identifiers = [{ value: legacy(1) }, { value: typeId(1) }];
    const batch = (path: string, payload: object, caller: string) =>
      t.app.inject({ method: 'POST', url: `/v1/namespaces/${ORDER}/${path}`, payload, headers: { authorization: t.bearer.read, 'x-stableid-caller': caller } });
    const resolved = body<{ results: { ok: boolean; result: { identifiers: { scheme: string }[] } }[] }>(await batch('resolve', { identifiers }, 'checkout'));
    assert.deepEqual(
      resolved.results.map((r) => r.result.identifiers.map((i) => i.scheme)),
      [['v1'], ['v1', 'v2']],
    );
    const translated = await batch('translate', { to: 'v2', identifiers }, 'checkout');
    assert.equal(translated.statusCode, 200);
    assert.ok(!JSON.stringify(body<{ results: unknown[] }>(translated).results[0]).includes(typeId(1)), 'the refusal reveals nothing');
    assert.deepEqual(
      body<{ results: { ok: boolean; error?: { code: string }; result?: { to: { value: string } } }[] }>(translated).results.map((r) => (r.ok ? r.result?.to.value : r.error?.code)),
      ['TRANSLATION_NOT_FOUND', typeId(1)],
    );
    const billing = body<{ results: { ok: boolean }[] }>(await batch('translate', { to: 'v2', identifiers }, 'billing'));
    assert.deepEqual(billing.results.map((r) => r.ok), [true, true]);
  });

  it('refuses a malformed X-Stableid-Caller', async () => {
    for (const caller of ['x'.repeat(129), ' padded']) {
      const response = await get(identifierUrl(legacy(1)), caller);
      assert.deepEqual([response.statusCode, body(response)['code']], [400, 'INVALID_ARGUMENT'], caller);
    }
  });
});

describe('exposure flags on a service without tokens', () => {
  let t: TestApp;
  before(async () => {
    t = await openTestApp();
    await t.registry.setExposure({ namespace: ORDER, scheme: 'v2', consumer: '*', percent: 0 });
    await t.registry.setExposure({ namespace: ORDER, scheme: 'v2', consumer: 'billing', percent: 100 });
  });
  after(() => t.close());

  it('answers for `*` unless the caller names itself, and refuses flag changes (no token can be checked)', async () => {
    const schemes = (response: { body: string }) => (JSON.parse(response.body) as { identifiers: { scheme: string }[] }).identifiers.map((i) => i.scheme);
    assert.deepEqual(schemes(await t.app.inject(identifierUrl(legacy(1)))), ['v1']);
    assert.deepEqual(schemes(await t.app.inject({ url: identifierUrl(legacy(1)), headers: { 'x-stableid-caller': 'billing' } })), ['v1', 'v2']);
    assert.equal((await t.app.inject(FLAGS)).statusCode, 200);
    const put = await t.app.inject({ method: 'PUT', url: stageUrl('billing'), payload: { stage: 'dualwrite' } });
    assert.equal(put.statusCode, 401);
  });
});
