import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { STATUS_BY_CODE, toHttpError } from '../../src/http/errors.js';
import { ERROR_CODES } from '../../src/model/errors.js';
import { legacy } from '../registry/fixtures.js';
import { type TestApp, body, identifierUrl, openTestApp } from './fixtures.js';

/** Asserts a problem+json answer with this status and code, and returns its document. */
function problem(response: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const doc = body(response);
  assert.equal(doc['status'], status);
  assert.equal(doc['code'], code);
  assert.equal(doc['type'], `/v1/problems/${code}`);
  assert.equal(doc['title'], ERROR_CODES[code as keyof typeof ERROR_CODES]);
  assert.equal(typeof doc['detail'], 'string');
  assert.equal(doc['correlationId'], response.headers['x-correlation-id']);
  assert.doesNotMatch(response.body, /\n\s+at /, 'no stack trace');
  return doc;
}

describe('http errors', () => {
  let t: TestApp;
  before(async () => {
    t = await openTestApp({ batchLimit: 3, bodyLimit: 4096 });
  });
  after(async () => t.close());

  it('maps every error code to a status, and only server failures to 5xx', () => {
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
      const status = STATUS_BY_CODE[code];
      assert.ok(status >= 400 && status < 600, code);
      const serverSide = ['STORE_UNAVAILABLE', 'SERVICE_UNAVAILABLE', 'STORE_BUSY', 'STORE_SCHEMA', 'VERIFY_FAILED', 'IMMUTABLE_ROW', 'INTERNAL'];
      assert.equal(status >= 500, serverSide.includes(code), `${code} → ${status}`);
    }
  });

  it('answers an unknown namespace with 404', async () => {
    problem(await t.app.inject('/v1/namespaces/nope'), 404, 'NAMESPACE_NOT_FOUND');
    problem(await t.app.inject(identifierUrl(legacy(1), 'nope')), 404, 'NAMESPACE_NOT_FOUND');
    problem(await t.app.inject('/v1/namespaces/nope/history'), 404, 'NAMESPACE_NOT_FOUND');
    const batch = await t.app.inject({ method: 'POST', url: '/v1/namespaces/nope/resolve', payload: { identifiers: [{ value: 'x' }] } });
    assert.equal(problem(batch, 404, 'NAMESPACE_NOT_FOUND')['namespace'], 'nope');
  });

  it('answers an unknown identifier or scheme with 404', async () => {
    problem(await t.app.inject(identifierUrl(legacy(42))), 404, 'IDENTIFIER_NOT_FOUND');
    problem(await t.app.inject(`${identifierUrl(legacy(1))}?scheme=v9`), 404, 'SCHEME_NOT_FOUND');
  });

  it('answers an invalid identifier with 422 naming the rule', async () => {
    const doc = problem(await t.app.inject(`${identifierUrl('ORD-12')}?scheme=v1`), 422, 'INVALID_IDENTIFIER');
    assert.equal(doc['rule'], 'pattern.match');
    assert.equal(doc['scheme'], 'v1');
  });

  it('answers an ambiguous value with 422 listing the schemes', async () => {
    const doc = problem(await t.app.inject(identifierUrl('7', 'sku')), 422, 'AMBIGUOUS_IDENTIFIER');
    assert.deepEqual(doc['schemes'], ['legacy', 'catalog']);
    assert.equal((await t.app.inject(`${identifierUrl('7', 'sku')}?scheme=catalog`)).statusCode, 200);
  });

  it('answers a missing translation with 404', async () => {
    const doc = problem(await t.app.inject(`${identifierUrl(legacy(3))}/translations/v2`), 404, 'TRANSLATION_NOT_FOUND');
    assert.equal(doc['scheme'], 'v2');
    problem(await t.app.inject(`${identifierUrl(legacy(3))}/translations/v9`), 404, 'SCHEME_NOT_FOUND');
  });

  it('answers a bad asOf with 400 naming the field', async () => {
    assert.equal(problem(await t.app.inject(`${identifierUrl(legacy(1))}?asOf=yesterday`), 400, 'INVALID_ARGUMENT')['field'], 'asOf');
  });

  it('refuses a batch over the limit with 413, doing nothing', async () => {
    const identifiers = [1, 2, 3, 4].map((n) => ({ value: legacy(n) }));
    const doc = problem(await t.app.inject({ method: 'POST', url: '/v1/namespaces/order/resolve', payload: { identifiers } }), 413, 'INVALID_ARGUMENT');
    assert.equal(doc['rule'], 'batch.limit');
    assert.equal(doc['limit'], 3);
    const translate = await t.app.inject({ method: 'POST', url: '/v1/namespaces/order/translate', payload: { to: 'v2', identifiers } });
    problem(translate, 413, 'INVALID_ARGUMENT');
  });

  it('answers malformed JSON with 400', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/v1/namespaces/order/resolve', headers: { 'content-type': 'application/json' }, payload: '{"identifiers": [' });
    assert.equal(problem(response, 400, 'INVALID_ARGUMENT')['rule'], 'body.json');
  });

  it('answers an oversize body with 413', async () => {
    const payload = JSON.stringify({ identifiers: [{ value: 'x'.repeat(5000) }] });
    assert.equal(problem(await t.app.inject({ method: 'POST', url: '/v1/namespaces/order/resolve', headers: { 'content-type': 'application/json' }, payload }), 413, 'INVALID_ARGUMENT')['rule'], 'body.size');
  });

  it('answers another media type with 415', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/v1/namespaces/order/resolve', headers: { 'content-type': 'text/csv' }, payload: 'a,b' });
    problem(response, 415, 'INVALID_ARGUMENT');
  });

  it('answers a validation error with 400 naming the field', async () => {
    const post = (payload: unknown) => t.app.inject({ method: 'POST', url: '/v1/namespaces/order/translate', payload: payload as Record<string, unknown> });
    assert.equal(problem(await post({ identifiers: [{ value: 'x' }] }), 400, 'INVALID_ARGUMENT')['field'], 'to');
    assert.equal(problem(await post({ to: 'v2', identifiers: [{ value: 42 }] }), 400, 'INVALID_ARGUMENT')['field'], 'identifiers[0].value');
    assert.equal(problem(await post({ to: 'v2', identifiers: [{ value: 'x' }], asof: 'now' }), 400, 'INVALID_ARGUMENT')['field'], 'asof');
    assert.equal(problem(await post({ to: 'v2', identifiers: [] }), 400, 'INVALID_ARGUMENT')['field'], 'identifiers');
    const query = problem(await t.app.inject('/v1/namespaces/order/history?limit=0'), 400, 'INVALID_ARGUMENT');
    assert.equal(query['field'], 'limit');
    assert.equal(query['in'], 'querystring');
    assert.equal(problem(await t.app.inject(`${identifierUrl(legacy(1))}?sheme=v1`), 400, 'INVALID_ARGUMENT')['field'], 'sheme');
  });

  it('answers an unknown route or method with a 404 problem', async () => {
    assert.equal(problem(await t.app.inject('/v2/namespaces'), 404, 'INVALID_ARGUMENT')['rule'], 'http.route');
    problem(await t.app.inject({ method: 'DELETE', url: '/v1/namespaces/order' }), 404, 'INVALID_ARGUMENT');
  });

  it('answers a malformed URL with 400, and an overlong value with 414', async () => {
    problem(await t.app.inject('/v1/namespaces/order/identifiers/%E0%A4%A'), 400, 'INVALID_ARGUMENT');
    problem(await t.app.inject(identifierUrl('x'.repeat(3000))), 414, 'INVALID_ARGUMENT');
  });

  it('hides the message of an internal failure', async () => {
    const error = toHttpError(new TypeError('secret detail at /etc/passwd'));
    assert.equal(error.code, 'INTERNAL');
    const original = t.registry.listNamespaces;
    t.registry.listNamespaces = async () => {
      throw new TypeError('secret detail at /etc/passwd');
    };
    try {
      const doc = problem(await t.app.inject('/v1/namespaces'), 500, 'INTERNAL');
      assert.doesNotMatch(JSON.stringify(doc), /secret|passwd/);
    } finally {
      t.registry.listNamespaces = original;
    }
  });
});

describe('http errors: store down', () => {
  it('answers 503 from readyz and reads once the store is closed', async () => {
    const t = await openTestApp();
    try {
      await t.registry.close();
      const ready = await t.app.inject('/readyz');
      problem(ready, 503, 'STORE_UNAVAILABLE');
      assert.equal(ready.headers['retry-after'], '1');
      problem(await t.app.inject(identifierUrl(legacy(1))), 503, 'STORE_UNAVAILABLE');
      assert.equal((await t.app.inject('/healthz')).statusCode, 200, 'the process is still up');
    } finally {
      await t.close();
    }
  });
});
