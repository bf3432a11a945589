import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Registry as PromRegistry } from 'prom-client';
import type { StableIdClient } from '../../src/client/index.js';
import { StableIdError, isStableIdError } from '../../src/model/errors.js';
import { formatPointer, locate, mapAt, parsePath } from '../../src/shim/json-path.js';
import { rewriteUrl } from '../../src/shim/request-url.js';
import {
  type ShimRequest,
  StableIdShim,
  type Translator,
  UsageCounter,
  compileShimRoute,
  deprecationHeaders,
  problemAnswer,
} from '../../src/shim/index.js';
import type { LiveService } from '../client/fixtures.js';
import { ORDER, legacy, typeId } from '../registry/fixtures.js';
import { CUSTOMER, CUSTOMER_SUNSET_HTTP, customerLegacy, customerV2, openShimService, testClient } from './fixtures.js';

describe('shim core: paths', () => {
  it('parses dotted paths with lists', () => {
    assert.deepEqual(parsePath('id'), [{ kind: 'member', name: 'id' }]);
    assert.deepEqual(parsePath('items[].customer.id'), [{ kind: 'member', name: 'items' }, { kind: 'each' }, { kind: 'member', name: 'customer' }, { kind: 'member', name: 'id' }]);
    assert.deepEqual(parsePath('[].id'), [{ kind: 'each' }, { kind: 'member', name: 'id' }]);
    assert.deepEqual(parsePath('matrix[][]'), [{ kind: 'member', name: 'matrix' }, { kind: 'each' }, { kind: 'each' }]);
    for (const bad of ['', 'a..b', 'a.', 'items[0]', 'items[', 'a.[]', '__proto__.x', 'a.constructor']) {
      assert.throws(() => parsePath(bad), (error) => isStableIdError(error, 'INVALID_ARGUMENT'), bad);
    }
  });

  it('locates every value a path leads to, the missing ones and the non-lists included', () => {
    const body = { items: [{ id: 'a' }, {}, { id: 7 }], one: 'x' };
    const found = locate(body, parsePath('items[].id'));
    assert.deepEqual(
      found.map((o) => [formatPointer(o.pointer), o.value, o.expected]),
      [
        ['items[0].id', 'a', 'value'],
        ['items[1].id', undefined, 'value'],
        ['items[2].id', 7, 'value'],
      ],
    );
    assert.deepEqual(locate(body, parsePath('one[].id')), [{ pointer: ['one'], value: 'x', expected: 'array' }]);
    assert.deepEqual(locate(undefined, parsePath('a.b')), [{ pointer: ['a', 'b'], value: undefined, expected: 'value' }]);
    assert.deepEqual(formatPointer([0, 'id']), '[0].id');
  });

  it('replaces values copy-on-write, sharing what it does not change', () => {
    const body = { items: [{ id: 'a' }, { id: 'b' }], other: { deep: true } };
    const frozen = structuredClone(body);
    const next = mapAt(body, parsePath('items[].id'), (value) => (value === 'a' ? 'A' : value)) as typeof body;
    assert.deepEqual(next, { items: [{ id: 'A' }, { id: 'b' }], other: { deep: true } });
    assert.deepEqual(body, frozen, 'the original is untouched');
    assert.equal(next.other, body.other);
    assert.equal(next.items[1], body.items[1]);
    assert.equal(mapAt(body, parsePath('items[].id'), (value) => value), body, 'nothing changed, nothing copied');
    const params = Object.assign(Object.create(null) as Record<string, unknown>, { id: 'a' });
    assert.equal(Object.getPrototypeOf(mapAt(params, parsePath('id'), () => 'b')), null, 'a null-prototype object stays so');
  });
});

describe('shim core: route configuration', () => {
  it('applies the defaults and freezes', () => {
    const route = compileShimRoute({
      namespace: ORDER,
      scheme: 'v2',
      identifiers: [{ in: 'params', path: 'id' }, { in: 'body', path: 'customer', namespace: CUSTOMER, required: false }],
      response: ['id', { path: 'customer', namespace: CUSTOMER }],
    });
    assert.deepEqual(
      route.identifiers.map((l) => [l.in, l.path, l.namespace, l.scheme, l.required]),
      [
        ['params', 'id', ORDER, 'v2', true],
        ['body', 'customer', CUSTOMER, 'v2', false],
      ],
    );
    assert.deepEqual(route.response.map((l) => [l.path, l.namespace, l.scheme]), [['id', ORDER, 'v2'], ['customer', CUSTOMER, 'v2']]);
    assert.equal(route.readsBody, true);
    assert.ok(Object.isFrozen(route) && Object.isFrozen(route.identifiers) && Object.isFrozen(route.identifiers[0]));
    const byLocation = compileShimRoute({ identifiers: [{ in: 'query', path: 'c', namespace: CUSTOMER, scheme: 'v2' }], response: [{ path: 'c', namespace: CUSTOMER }] });
    assert.equal(byLocation.response[0]?.scheme, 'v2', 'the response scheme defaults to the one the route wants there');
  });

  it('refuses a misconfigured route, naming the field', () => {
    const field = (route: unknown): unknown => {
      try {
        compileShimRoute(route as Parameters<typeof compileShimRoute>[0]);
      } catch (error) {
        assert.ok(isStableIdError(error, 'INVALID_ARGUMENT'));
        return error.context.field;
      }
      return assert.fail('accepted');
    };
    assert.equal(field({ namespace: ORDER, scheme: 'v2', identifiers: [] }), 'identifiers');
    assert.equal(field({ scheme: 'v2', identifiers: [{ in: 'params', path: 'id' }] }), 'identifiers[0].namespace');
    assert.equal(field({ namespace: ORDER, identifiers: [{ in: 'params', path: 'id' }] }), 'identifiers[0].scheme');
    assert.equal(field({ namespace: ORDER, scheme: 'v2', identifiers: [{ in: 'headers', path: 'id' }] }), 'identifiers[0].in');
    assert.equal(field({ namespace: ORDER, scheme: 'v2', identifiers: [{ in: 'body', path: 'a..b' }] }), 'identifiers[0].path');
    assert.equal(field({ namespace: ORDER, scheme: 'v2', identifiers: [{ in: 'body', path: 'a', required: 'yes' }] }), 'identifiers[0].required');
    assert.equal(field({ scheme: 'v2', identifiers: [{ in: 'body', path: 'a', namespace: ORDER }], response: ['a'] }), 'response[0].namespace');
    assert.equal(field({ namespace: ORDER, scheme: 'v2', identifiers: [{ in: 'body', path: 'a' }], deprecationLink: 'two words' }), 'deprecationLink');
  });
});

describe('shim core: headers and URLs', () => {
  it('rewrites the identifiers of a URL path and query, nothing else', () => {
    assert.equal(rewriteUrl('/orders/ORD-000001/lines?x=1', [{ in: 'params', from: 'ORD-000001', to: 'ord_1' }]), '/orders/ord_1/lines?x=1');
    assert.equal(rewriteUrl('/a%20b/c', [{ in: 'params', from: 'a b', to: 'x/y' }]), '/x%2Fy/c');
    assert.equal(rewriteUrl('/search?order=ORD-1&q=ORD', [{ in: 'query', from: 'ORD-1', to: 'ord_1' }]), '/search?order=ord_1&q=ORD');
    assert.equal(rewriteUrl('/search?q=a+b', [{ in: 'query', from: 'x', to: 'x' }]), '/search?q=a+b', 'unchanged identifiers leave the URL as written');
  });

  it('formats Deprecation, the earliest Sunset and the links', () => {
    const now = Date.parse('2026-01-02T03:04:05.678Z');
    assert.deepEqual(deprecationHeaders(['2028-01-01', '2027-12-31', null], { now, successor: '/orders/ord_1', documentation: 'https://docs.example.com/x' }), {
      deprecation: `@${Math.floor(now / 1000)}`,
      sunset: CUSTOMER_SUNSET_HTTP,
      link: '</orders/ord_1>; rel="successor-version", <https://docs.example.com/x>; rel="deprecation"',
    });
    assert.deepEqual(deprecationHeaders([null], { now, successor: null, documentation: null }), { deprecation: `@${Math.floor(now / 1000)}` });
  });
});

describe('shim core: usage counter', () => {
  it('counts per namespace, scheme and caller, folding callers past the cap into "other"', async () => {
    const usage = new UsageCounter({ maxCallers: 2 });
    usage.record({ namespace: ORDER, scheme: 'v1', caller: 'a', deprecated: false });
    usage.record({ namespace: ORDER, scheme: 'v1', caller: 'b', deprecated: true });
    const metrics = new PromRegistry();
    usage.register(metrics, 'app_');
    usage.record({ namespace: ORDER, scheme: 'v1', caller: 'c', deprecated: false });
    usage.record({ namespace: ORDER, scheme: 'v1', caller: 'd', deprecated: true });
    usage.record({ namespace: ORDER, scheme: 'v2', caller: 'a', deprecated: false });
    assert.deepEqual(usage.snapshot(), [
      { namespace: ORDER, scheme: 'v1', caller: 'a', requests: 1, deprecated: 0 },
      { namespace: ORDER, scheme: 'v1', caller: 'b', requests: 1, deprecated: 1 },
      { namespace: ORDER, scheme: 'v1', caller: 'other', requests: 2, deprecated: 1 },
      { namespace: ORDER, scheme: 'v2', caller: 'a', requests: 1, deprecated: 0 },
    ]);
    const text = await metrics.metrics();
    assert.match(text, /app_scheme_requests_total\{namespace="order",scheme="v1",caller="b"\} 1/);
    assert.match(text, /app_scheme_requests_total\{namespace="order",scheme="v1",caller="other"\} 2/);
    assert.match(text, /app_deprecated_requests_total\{namespace="order",scheme="v1",caller="other"\} 1/);
    assert.doesNotMatch(text, /caller="[cd]"/);
    assert.throws(() => new UsageCounter({ maxCallers: 0 }), (error) => isStableIdError(error, 'INVALID_ARGUMENT'));
  });
});

describe('shim core: translating requests and responses through a StableIdClient', () => {
  let service: LiveService;
  let client: StableIdClient;
  let shim: StableIdShim;

  const request = (parts: Partial<ShimRequest>): ShimRequest => ({ method: 'GET', url: '/', headers: {}, params: {}, query: {}, body: undefined, ...parts });

  const cart = compileShimRoute({
    scheme: 'v2',
    identifiers: [
      { in: 'body', path: 'customerId', namespace: CUSTOMER },
      { in: 'body', path: 'items[].orderId', namespace: ORDER },
    ],
    response: [
      { path: 'customerId', namespace: CUSTOMER },
      { path: 'items[].orderId', namespace: ORDER },
      { path: 'suggested[]', namespace: ORDER },
    ],
  });

  before(async () => {
    service = await openShimService();
    client = testClient(service.url);
    const translator: Translator = client;
    shim = new StableIdShim({ translator, clock: () => Date.parse('2026-01-01T00:00:00Z') });
  });
  beforeEach(() => {
    service.received.length = 0;
  });
  after(async () => {
    await client.close();
    await service.close();
  });

  it('translates several identifiers of a namespace in one batch request', async () => {
    const exchange = await shim.translateRequest(
      cart,
      request({ method: 'POST', url: '/carts', body: { customerId: customerLegacy(1), items: [{ orderId: legacy(1) }, { orderId: legacy(10) }, { orderId: legacy(1) }] } }),
    );
    assert.deepEqual(exchange.body, { customerId: customerV2(1), items: [{ orderId: typeId(1) }, { orderId: typeId(10) }, { orderId: typeId(1) }] });
    assert.deepEqual(service.received.map((r) => `${r.method} ${r.url.split('/').slice(0, 4).join('/')}`).sort(), [
      `GET /v1/namespaces/${CUSTOMER}`,
      `POST /v1/namespaces/${ORDER}`,
    ]);
    assert.deepEqual(
      exchange.identifiers.map((i) => [i.field, i.value, i.scheme, i.translated, i.state]),
      [
        ['customerId', customerLegacy(1), 'legacy', customerV2(1), 'deprecated'],
        ['items[0].orderId', legacy(1), 'v1', typeId(1), 'active'],
        ['items[1].orderId', legacy(10), 'v1', typeId(10), 'active'],
        ['items[2].orderId', legacy(1), 'v1', typeId(1), 'active'],
      ],
    );
    assert.equal(exchange.deprecated, true);
    assert.deepEqual(exchange.headers, { deprecation: `@${Date.parse('2026-01-01T00:00:00Z') / 1000}`, sunset: CUSTOMER_SUNSET_HTTP });
  });

  it('answers the response back: the caller’s own values as sent, others translated, unknown ones as written', async () => {
    const exchange = await shim.translateRequest(cart, request({ body: { customerId: customerV2(2), items: [{ orderId: legacy(1) }] } }));
    assert.equal(exchange.rewritesResponse, true);
    assert.equal(exchange.callerScheme(ORDER, 'v2'), 'v1');
    assert.equal(exchange.callerScheme(CUSTOMER, 'v2'), null, 'the caller used v2 for customers');
    const document = { customerId: customerV2(2), items: [{ orderId: typeId(1) }], suggested: [typeId(10), typeId(11), 42] };
    const frozen = structuredClone(document);
    assert.deepEqual(await exchange.rewriteResponse(document), {
      customerId: customerV2(2),
      items: [{ orderId: legacy(1) }],
      suggested: [legacy(10), typeId(11), 42],
    });
    assert.deepEqual(document, frozen);
    assert.deepEqual(exchange.headers, {}, 'nothing deprecated was used');
  });

  it('leaves the response alone when the caller used the handler’s schemes', async () => {
    const exchange = await shim.translateRequest(cart, request({ body: { customerId: customerV2(1), items: [{ orderId: typeId(1) }] } }));
    assert.equal(exchange.rewritesResponse, false);
    const document = { suggested: [typeId(10)] };
    assert.equal(await exchange.rewriteResponse(document), document);
  });

  it('treats the first scheme other than the handler’s as the caller’s, when a caller mixes them', async () => {
    const exchange = await shim.translateRequest(cart, request({ body: { customerId: customerV2(1), items: [{ orderId: typeId(10) }, { orderId: legacy(1) }] } }));
    assert.deepEqual(await exchange.rewriteResponse({ items: [{ orderId: typeId(10) }, { orderId: typeId(1) }] }), { items: [{ orderId: legacy(10) }, { orderId: legacy(1) }] });
  });

  it('refuses a malformed request without asking the service', async () => {
    await assert.rejects(shim.translateRequest(cart, request({ body: { items: [] } })), (error) => isStableIdError(error, 'INVALID_ARGUMENT') && error.context.field === 'customerId');
    await assert.rejects(
      shim.translateRequest(cart, request({ body: { customerId: customerV2(1), items: [{ orderId: legacy(1) }, { orderId: ['x'] }] } })),
      (error) => isStableIdError(error, 'INVALID_ARGUMENT') && error.context.field === 'items[1].orderId' && error.context.rule === 'identifier.type',
    );
    assert.deepEqual(service.received, []);
  });

  it('fails a response whose translation cannot reach the service, and a request likewise', async () => {
    // A service and client of its own: stopping the shared service would break the others' connections.
    const own = await openShimService();
    const ownClient = testClient(own.url);
    try {
      const ownShim = new StableIdShim({ translator: ownClient });
      const exchange = await ownShim.translateRequest(cart, request({ body: { customerId: customerV2(1), items: [{ orderId: legacy(1) }] } }));
      await own.stop();
      await assert.rejects(exchange.rewriteResponse({ suggested: [typeId(10)] }), (error) => isStableIdError(error, 'SERVICE_UNAVAILABLE'));
      assert.deepEqual(await exchange.rewriteResponse({ items: [{ orderId: typeId(1) }] }), { items: [{ orderId: legacy(1) }] }, 'the caller’s own values need no lookup');
      await assert.rejects(ownShim.translateRequest(cart, request({ body: { customerId: customerV2(1), items: [] } })), (error) => isStableIdError(error, 'SERVICE_UNAVAILABLE'));
    } finally {
      await ownClient.close();
      await own.close();
    }
  });

  it('names the caller by the configured function, trimmed and cut, else anonymous', async () => {
    const route = compileShimRoute({ namespace: ORDER, scheme: 'v2', identifiers: [{ in: 'params', path: 'id' }] });
    const usage = new UsageCounter();
    const byToken = new StableIdShim({ translator: client, usage, caller: (r) => (typeof r.headers['x-app'] === 'string' ? `  ${r.headers['x-app']}  ` : undefined) });
    await byToken.translateRequest(route, request({ params: { id: legacy(1) }, headers: { 'x-app': 'billing' } }));
    await byToken.translateRequest(route, request({ params: { id: legacy(1) }, headers: { 'x-app': 'x'.repeat(100) } }));
    await byToken.translateRequest(route, request({ params: { id: typeId(1) } }));
    assert.deepEqual(
      usage.snapshot().map((row) => [row.scheme, row.caller, row.requests]),
      [
        ['v1', 'billing', 1],
        ['v1', 'x'.repeat(64), 1],
        ['v2', 'anonymous', 1],
      ],
    );
    assert.equal(shim.callerOf({ method: 'GET', url: '/', headers: { 'x-stableid-caller': 'crm' } }), 'crm');
  });

  it('refuses a translator that lacks a method', () => {
    assert.throws(() => new StableIdShim({ translator: { translate: client.translate.bind(client) } as unknown as Translator }), (error) => isStableIdError(error, 'INVALID_ARGUMENT'));
  });
});

describe('shim core: problem documents', () => {
  it('answers with the status of the one table (400 for an identifier the endpoint cannot use), the app’s correlation id and the caller’s context only', () => {
    const cases: [StableIdError, number][] = [
      [new StableIdError('IDENTIFIER_NOT_FOUND', 'no such', { namespace: ORDER, value: 'x', source: 'canonical', status: 404, correlationId: 'svc-1' }), 404],
      [new StableIdError('TRANSLATION_NOT_FOUND', 'none', { namespace: ORDER }), 404],
      [new StableIdError('INVALID_IDENTIFIER', 'bad', { rule: 'pattern.match' }), 400],
      [new StableIdError('INVALID_ARGUMENT', 'missing', { rule: 'identifier.missing' }), 400],
      [new StableIdError('INVALID_ARGUMENT', 'big', { rule: 'body.size' }), 413],
      [new StableIdError('SERVICE_UNAVAILABLE', 'down'), 503],
    ];
    for (const [error, status] of cases) {
      const problem = problemAnswer(error, { 'x-correlation-id': 'app-7' });
      assert.equal(problem.status, status, error.code);
      assert.equal(problem.contentType, 'application/problem+json; charset=utf-8');
      const document = JSON.parse(problem.body) as Record<string, unknown>;
      assert.equal(document['code'], error.code);
      assert.equal(document['status'], status);
      assert.equal(document['type'], `/v1/problems/${error.code}`);
      assert.equal(document['correlationId'], 'app-7');
      assert.equal(document['source'], undefined);
    }
    const [first] = cases[0] ?? [];
    assert.equal(JSON.parse(problemAnswer(first, {}).body)['serviceCorrelationId'], 'svc-1');
    const internal = JSON.parse(problemAnswer(new Error('secret'), {}).body) as Record<string, unknown>;
    assert.equal(internal['status'], 500);
    assert.doesNotMatch(String(internal['detail']), /secret/);
  });
});
