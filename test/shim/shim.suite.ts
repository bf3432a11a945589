import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Registry as PromRegistry } from 'prom-client';
import type { StableIdClient } from '../../src/client/index.js';
import { type ShimRoute, StableIdShim } from '../../src/shim/index.js';
import { type LiveService, deadEndpoint } from '../client/fixtures.js';
import { ORDER, legacy, typeId } from '../registry/fixtures.js';
import { CUSTOMER, CUSTOMER_SUNSET_HTTP, customerLegacy, customerV2, openShimService, testClient } from './fixtures.js';

/** The page the customer routes name about the deprecation of customer/legacy. */
export const DOCS = 'https://docs.example.com/customer-v2';

/** The routes every framework's test app serves, each handler wanting v2. */
export const ROUTES = {
  customer: { namespace: CUSTOMER, scheme: 'v2', identifiers: [{ in: 'params', path: 'id' }], response: ['id'], deprecationLink: DOCS },
  order: { namespace: ORDER, scheme: 'v2', identifiers: [{ in: 'params', path: 'id' }], response: ['id', 'related[]'] },
  search: {
    scheme: 'v2',
    identifiers: [
      { in: 'query', path: 'order', namespace: ORDER },
      { in: 'query', path: 'customer', namespace: CUSTOMER, required: false },
    ],
    response: [
      { path: 'order', namespace: ORDER },
      { path: 'customer', namespace: CUSTOMER },
    ],
  },
  cart: {
    scheme: 'v2',
    identifiers: [
      { in: 'body', path: 'customerId', namespace: CUSTOMER },
      { in: 'body', path: 'items[].orderId', namespace: ORDER },
    ],
    response: [
      { path: 'customerId', namespace: CUSTOMER },
      { path: 'items[].orderId', namespace: ORDER },
    ],
    deprecationLink: DOCS,
  },
} as const satisfies Record<string, ShimRoute>;

export type RouteName = keyof typeof ROUTES;

/** What a handler got. */
export interface Seen {
  readonly route: RouteName;
  readonly params: unknown;
  readonly query: unknown;
  readonly body: unknown;
}

const field = (part: unknown, name: string): unknown => (typeof part === 'object' && part !== null ? (part as Record<string, unknown>)[name] : undefined);

/** What each route's handler answers, from what it got: the identifiers as it got them, and some of its own. */
export function answer(seen: Seen): unknown {
  switch (seen.route) {
    case 'customer':
      return { id: field(seen.params, 'id'), name: 'Ada' };
    case 'order':
      return { id: field(seen.params, 'id'), related: [typeId(10), typeId(11)] };
    case 'search':
      return { order: field(seen.query, 'order'), customer: field(seen.query, 'customer') ?? null };
    case 'cart': {
      const items = field(seen.body, 'items');
      return { customerId: field(seen.body, 'customerId'), items, count: Array.isArray(items) ? items.length : 0 };
    }
  }
}

/** A test app serving {@link ROUTES} behind the shim, listening on 127.0.0.1. */
export interface ShimApp {
  readonly url: string;
  close(): Promise<void>;
}

export interface ShimHarness {
  readonly name: string;
  /** Whether a malformed JSON body is answered by the shim (problem+json), rather than by the framework's own parser. */
  readonly shimParsesBody: boolean;
  /** Serves {@link ROUTES} behind `shim`, each handler recording what it got in `seen` and answering {@link answer}. */
  start(shim: StableIdShim, seen: Seen[]): Promise<ShimApp>;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

/** Calls `app` over a real socket; a body that is not a string is sent as JSON. */
export async function call(app: ShimApp, path: string, options: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const response = await fetch(`${app.url}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    body,
  });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = text.length === 0 ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    parsed = { text };
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Asserts a problem+json answer of `status` and `code`, and returns its document. */
export function assertProblem(reply: Reply, status: number, code: string): Record<string, unknown> {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(reply.body['code'], code);
  assert.equal(reply.body['status'], status);
  assert.equal(typeof reply.body['correlationId'], 'string');
  return reply.body;
}

const assertNoDeprecation = (reply: Reply): void => {
  for (const name of ['deprecation', 'sunset', 'link']) assert.equal(reply.headers.get(name), null, `no ${name} header`);
};

/** The behaviour every framework's shim shares, over real sockets. */
export function shimSuite(harness: ShimHarness): void {
  describe(`shim over ${harness.name}: shared behaviour`, () => {
    let service: LiveService;
    let client: StableIdClient;
    let shim: StableIdShim;
    let app: ShimApp;
    const seen: Seen[] = [];

    before(async () => {
      service = await openShimService();
      client = testClient(service.url);
      shim = new StableIdShim({ translator: client });
      app = await harness.start(shim, seen);
    });
    beforeEach(() => {
      seen.length = 0;
    });
    after(async () => {
      await app.close();
      await client.close();
      await service.close();
    });

    it('hands a legacy and a new identifier both to the handler as the new one', async () => {
      const old = await call(app, `/orders/${legacy(1)}`);
      const current = await call(app, `/orders/${typeId(1)}`);
      assert.equal(old.status, 200);
      assert.equal(current.status, 200);
      assert.deepEqual(
        seen.map((s) => field(s.params, 'id')),
        [typeId(1), typeId(1)],
      );
    });

    it('answers in the scheme the caller used', async () => {
      const old = await call(app, `/orders/${legacy(1)}`);
      assert.deepEqual(old.body, { id: legacy(1), related: [legacy(10), typeId(11)] }, 'typeId(11) has no v1 identifier: it stays as written');
      const current = await call(app, `/orders/${typeId(1)}`);
      assert.deepEqual(current.body, { id: typeId(1), related: [typeId(10), typeId(11)] });
      const entity = old.headers.get('stableid-entity');
      assert.match(entity ?? '', /^ent_/, 'the one entity the request named');
      assert.equal(current.headers.get('stableid-entity'), entity);
      assertNoDeprecation(old);
      assertNoDeprecation(current);
    });

    it('adds Deprecation, Sunset and Link when the caller used a deprecated scheme, and only then', async () => {
      const old = await call(app, `/customers/${customerLegacy(1)}`);
      assert.equal(old.status, 200);
      assert.deepEqual(old.body, { id: customerLegacy(1), name: 'Ada' });
      assert.match(old.headers.get('deprecation') ?? '', /^@\d+$/);
      assert.equal(old.headers.get('sunset'), CUSTOMER_SUNSET_HTTP);
      assert.equal(old.headers.get('link'), `</customers/${customerV2(1)}>; rel="successor-version", <${DOCS}>; rel="deprecation"`);
      const current = await call(app, `/customers/${customerV2(1)}`);
      assert.deepEqual(current.body, { id: customerV2(1), name: 'Ada' });
      assertNoDeprecation(current);
      assert.deepEqual(
        seen.map((s) => field(s.params, 'id')),
        [customerV2(1), customerV2(1)],
      );
    });

    it('translates query identifiers, optional ones included, and links the successor request', async () => {
      const one = await call(app, `/search?order=${legacy(1)}`);
      assert.deepEqual(one.body, { order: legacy(1), customer: null });
      assertNoDeprecation(one);
      const two = await call(app, `/search?order=${legacy(1)}&customer=${customerLegacy(2)}`);
      assert.deepEqual(two.body, { order: legacy(1), customer: customerLegacy(2) });
      assert.equal(two.headers.get('link'), `</search?order=${typeId(1)}&customer=${customerV2(2)}>; rel="successor-version"`);
      assert.equal(two.headers.get('sunset'), CUSTOMER_SUNSET_HTTP);
      assert.deepEqual(
        seen.map((s) => [field(s.query, 'order'), field(s.query, 'customer')]),
        [
          [typeId(1), undefined],
          [typeId(1), customerV2(2)],
        ],
      );
    });

    it('translates identifiers in JSON body lists and answers them back', async () => {
      const reply = await call(app, '/carts', {
        body: { customerId: customerLegacy(1), items: [{ orderId: legacy(1), qty: 1 }, { orderId: legacy(10), qty: 2 }] },
      });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.deepEqual(seen[0]?.body, { customerId: customerV2(1), items: [{ orderId: typeId(1), qty: 1 }, { orderId: typeId(10), qty: 2 }] });
      assert.deepEqual(reply.body, { customerId: customerLegacy(1), items: [{ orderId: legacy(1), qty: 1 }, { orderId: legacy(10), qty: 2 }], count: 2 });
      assert.match(reply.headers.get('deprecation') ?? '', /^@\d+$/);
      assert.equal(reply.headers.get('link'), `<${DOCS}>; rel="deprecation"`, 'no successor URL: the identifiers travelled in the body');
      const current = await call(app, '/carts', { body: { customerId: customerV2(1), items: [{ orderId: typeId(10) }] } });
      assert.deepEqual(current.body, { customerId: customerV2(1), items: [{ orderId: typeId(10) }], count: 1 });
      assertNoDeprecation(current);
    });

    it('answers an unknown identifier 404 without calling the handler', async () => {
      const unknown = assertProblem(await call(app, `/orders/${legacy(42)}`), 404, 'IDENTIFIER_NOT_FOUND');
      assert.equal(unknown['in'], 'params');
      assert.equal(unknown['field'], 'id');
      assert.equal(unknown['namespace'], ORDER);
      assertProblem(await call(app, `/orders/${legacy(3)}`), 404, 'TRANSLATION_NOT_FOUND');
      assertProblem(await call(app, `/customers/${customerLegacy(3)}`), 404, 'TRANSLATION_NOT_FOUND');
      const item = assertProblem(await call(app, '/carts', { body: { customerId: customerV2(1), items: [{ orderId: legacy(1) }, { orderId: legacy(42) }] } }), 404, 'IDENTIFIER_NOT_FOUND');
      assert.equal(item['field'], 'items[1].orderId');
      assert.deepEqual(seen, []);
    });

    it('answers an invalid identifier 400 (INVALID_IDENTIFIER), a malformed request 400, without calling the handler', async () => {
      const invalid = assertProblem(await call(app, '/orders/ORD-12'), 400, 'INVALID_IDENTIFIER');
      assert.equal(invalid['field'], 'id');
      const missing = assertProblem(await call(app, '/carts', { body: { items: [] } }), 400, 'INVALID_ARGUMENT');
      assert.equal(missing['field'], 'customerId');
      assert.equal(missing['rule'], 'identifier.missing');
      const item = assertProblem(await call(app, '/carts', { body: { customerId: customerV2(1), items: [{ qty: 1 }] } }), 400, 'INVALID_ARGUMENT');
      assert.equal(item['field'], 'items[0].orderId');
      const typed = assertProblem(await call(app, '/carts', { body: { customerId: 7, items: [] } }), 400, 'INVALID_ARGUMENT');
      assert.equal(typed['rule'], 'identifier.type');
      assertProblem(await call(app, '/carts', { body: { customerId: customerV2(1), items: 'all' } }), 400, 'INVALID_ARGUMENT');
      assertProblem(await call(app, '/search'), 400, 'INVALID_ARGUMENT');
      const malformed = await call(app, '/carts', { body: '{"customerId": ' });
      if (harness.shimParsesBody) assert.equal(assertProblem(malformed, 400, 'INVALID_ARGUMENT')['rule'], 'body.json');
      else assert.equal(malformed.status, 400);
      assert.deepEqual(seen, []);
    });

    it('counts use per scheme and per caller', async () => {
      const as = (caller: string): { headers: Record<string, string> } => ({ headers: { 'x-stableid-caller': caller } });
      await call(app, `/orders/${legacy(1)}`, as(`${harness.name}-billing`));
      await call(app, `/orders/${legacy(10)}`, as(`${harness.name}-billing`));
      await call(app, `/orders/${typeId(1)}`, as(`${harness.name}-billing`));
      await call(app, '/carts', { body: { customerId: customerLegacy(1), items: [{ orderId: legacy(1) }, { orderId: legacy(10) }] }, ...as(`${harness.name}-crm`) });
      await call(app, `/orders/${legacy(42)}`, as(`${harness.name}-crm`));
      const mine = shim.usage.snapshot().filter((row) => row.caller.startsWith(`${harness.name}-`));
      assert.deepEqual(mine, [
        { namespace: CUSTOMER, scheme: 'legacy', caller: `${harness.name}-crm`, requests: 1, deprecated: 1 },
        { namespace: ORDER, scheme: 'v1', caller: `${harness.name}-billing`, requests: 2, deprecated: 0 },
        { namespace: ORDER, scheme: 'v1', caller: `${harness.name}-crm`, requests: 1, deprecated: 0 },
        { namespace: ORDER, scheme: 'v2', caller: `${harness.name}-billing`, requests: 1, deprecated: 0 },
      ]);
      const metrics = new PromRegistry();
      shim.usage.register(metrics);
      const text = await metrics.metrics();
      assert.match(text, new RegExp(`stableid_shim_scheme_requests_total\\{namespace="order",scheme="v1",caller="${harness.name}-billing"\\} 2`));
      assert.match(text, new RegExp(`stableid_shim_deprecated_requests_total\\{namespace="customer",scheme="legacy",caller="${harness.name}-crm"\\} 1`));
    });

    it('answers 503 without calling the handler when the identity service cannot be reached', async () => {
      const deadClient = testClient(await deadEndpoint());
      const deadApp = await harness.start(new StableIdShim({ translator: deadClient }), seen);
      try {
        assertProblem(await call(deadApp, `/orders/${legacy(1)}`), 503, 'SERVICE_UNAVAILABLE');
        assert.deepEqual(seen, []);
      } finally {
        await deadApp.close();
        await deadClient.close();
      }
    });
  });
}
