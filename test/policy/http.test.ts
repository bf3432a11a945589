import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseScope } from '../../src/auth/scopes.js';
import { type AuthTestApp, body, identifierUrl, openAuthTestApp } from '../http/fixtures.js';
import { ORDER, legacy } from '../registry/fixtures.js';
import { policyOf } from './fixtures.js';

describe('policy over HTTP: violations are 409 with the rule, held changes are decided by a second steward', () => {
  let t: AuthTestApp;
  let alice: string;
  let changeId: number;

  before(async () => {
    t = await openAuthTestApp();
    await t.registry.applyPolicy(policyOf('rules:\n  - id: identifier-min-active\n    days: 30\n'));
    const created = await t.tokens.create({ actor: 'alice', scopes: [parseScope('order:steward')], createdBy: 'test', now: new Date() });
    alice = `Bearer ${created.secret}`;
    const held = await t.registry.erase({ namespace: ORDER, identifier: { value: legacy(3) } }, { actor: 'steward-bot', reason: 'GDPR 7' });
    changeId = held.pending as number;
  });
  after(() => t.close());

  it('refuses a write that breaks a rule with 409 POLICY_VIOLATION naming it, writing nothing', async () => {
    const response = await t.app.inject({ method: 'POST', url: `${identifierUrl(legacy(3))}/deprecation`, headers: { authorization: t.bearer.steward }, payload: { sunset: '2030-01-01' } });
    assert.equal(response.statusCode, 409);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.deepEqual([body(response)['code'], body(response)['rule']], ['POLICY_VIOLATION', 'identifier-min-active']);
    assert.equal((await t.registry.resolve(ORDER, { value: legacy(3) })).identifier.state, 'active');
  });

  it('lists the namespace’s change requests to a reader', async () => {
    const response = await t.app.inject({ url: `/v1/namespaces/${ORDER}/changes?status=pending`, headers: { authorization: t.bearer.read } });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(
      body<{ changes: { id: number; kind: string; requester: string }[] }>(response).changes.map((c) => [c.id, c.kind, c.requester]),
      [[changeId, 'erase', 'steward-bot']],
    );
  });

  it('lets only a steward of the namespace other than the requester decide', async () => {
    const approve = (authorization: string, namespace = ORDER) =>
      t.app.inject({ method: 'POST', url: `/v1/namespaces/${namespace}/changes/${changeId}/approve`, headers: { authorization } });
    assert.equal((await approve(t.bearer.read)).statusCode, 403, 'no steward scope');
    const self = await approve(t.bearer.steward);
    assert.deepEqual([self.statusCode, body(self)['code']], [403, 'FORBIDDEN'], 'steward-bot is not among the namespace’s stewards');
    assert.equal((await approve(t.bearer.admin, 'sku')).statusCode, 403, 'no scope on sku');
    const approved = await approve(alice);
    assert.equal(approved.statusCode, 200, approved.body);
    assert.deepEqual(
      [body<{ change: { status: string; decidedBy: string }; outcome: { changed: boolean } }>(approved).change.status, body<{ outcome: { changed: boolean } }>(approved).outcome.changed],
      ['approved', true],
    );
    const again = await approve(alice);
    assert.deepEqual([again.statusCode, body(again)['code']], [409, 'STATE_CONFLICT']);
    const elsewhere = await t.app.inject({ method: 'POST', url: `/v1/namespaces/sku/changes/${changeId}/reject`, headers: { authorization: alice, 'x-reason': 'no' } });
    assert.equal(elsewhere.statusCode, 403);
  });
});
