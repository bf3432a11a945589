import assert from 'node:assert/strict';
import { type IncomingMessage, type RequestListener, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { type ShimmedHandler, nodeHttpShim } from '../../src/shim/index.js';
import { ORDER, legacy, typeId } from '../registry/fixtures.js';
import { customerLegacy, customerV2, useShim } from './fixtures.js';
import { ROUTES, type RouteName, type Seen, type ShimApp, answer, assertProblem, call, shimSuite } from './shim.suite.js';

async function listen(listener: RequestListener): Promise<ShimApp> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

const json = (response: ServerResponse, status: number, document: unknown): void => {
  const text = JSON.stringify(document);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
};

const handler =
  (route: RouteName, seen: Seen[]): ShimmedHandler =>
  (_request, response, shimmed) => {
    const got: Seen = { route, params: shimmed.params, query: shimmed.query, body: shimmed.body };
    seen.push(got);
    json(response, 200, answer(got));
  };

shimSuite({
  name: 'node-http',
  shimParsesBody: true,
  start(shim, seen) {
    const customer = nodeHttpShim(shim, { ...ROUTES.customer, pattern: '/customers/:id' }, handler('customer', seen));
    const order = nodeHttpShim(shim, { ...ROUTES.order, pattern: '/orders/:id' }, handler('order', seen));
    const search = nodeHttpShim(shim, ROUTES.search, handler('search', seen));
    const cart = nodeHttpShim(shim, ROUTES.cart, handler('cart', seen));
    return listen((request, response) => {
      const path = (request.url ?? '/').split('?')[0] ?? '/';
      if (path.startsWith('/customers/')) void customer(request, response);
      else if (path.startsWith('/orders/')) void order(request, response);
      else if (path === '/search') void search(request, response);
      else if (path === '/carts' && request.method === 'POST') void cart(request, response);
      else json(response, 404, {});
    });
  },
});

describe('shim over node:http: its own plumbing', () => {
  const own = useShim();

  it('rewrites req.url for a plain (req, res) handler', async () => {
    const urls: (string | undefined)[] = [];
    const plain = (request: IncomingMessage, response: ServerResponse): void => {
      urls.push(request.url);
      json(response, 200, { url: request.url });
    };
    const served = await listen(nodeHttpShim(own.shim, { ...ROUTES.order, pattern: '/orders/:id', response: [] }, plain));
    try {
      const reply = await call(served, `/orders/${legacy(1)}?expand=lines`);
      assert.equal(reply.status, 200);
      assert.deepEqual(urls, [`/orders/${typeId(1)}?expand=lines`]);
      await call(served, `/orders/${typeId(1)}`);
      assert.deepEqual(urls.at(-1), `/orders/${typeId(1)}`);
    } finally {
      await served.close();
    }
  });

  it('keeps a handler status and headers while rewriting its JSON', async () => {
    const served = await listen(
      nodeHttpShim(own.shim, { ...ROUTES.customer, pattern: '/customers/:id' }, (_request, response, shimmed) => {
        response.statusCode = 202;
        response.setHeader('content-type', 'application/vnd.example+json; charset=utf-8');
        response.setHeader('x-handler', 'yes');
        response.write('{"id":');
        response.end(`${JSON.stringify(shimmed.params['id'])}}`);
      }),
    );
    try {
      const reply = await call(served, `/customers/${customerLegacy(1)}`);
      assert.equal(reply.status, 202);
      assert.equal(reply.headers.get('x-handler'), 'yes');
      assert.deepEqual(reply.body, { id: customerLegacy(1) });
      assert.equal(reply.headers.get('sunset') !== null, true);
    } finally {
      await served.close();
    }
  });

  it('answers a request that does not fit the pattern 400, a body over the limit 413, a handler that throws 500', async () => {
    let called = 0;
    const orders = nodeHttpShim(own.shim, { ...ROUTES.order, pattern: '/orders/:id' }, () => {
      called += 1;
      throw new Error('boom');
    });
    const carts = nodeHttpShim(own.shim, ROUTES.cart, () => {
      called += 1;
    }, { bodyLimit: 32 });
    const served = await listen((request, response) => void (request.method === 'POST' ? carts : orders)(request, response));
    try {
      assertProblem(await call(served, `/orders/${legacy(1)}/lines`), 400, 'INVALID_ARGUMENT');
      assert.equal(assertProblem(await call(served, '/carts', { body: { customerId: customerV2(1), items: [{ orderId: typeId(1) }] } }), 413, 'INVALID_ARGUMENT')['rule'], 'body.size');
      assert.equal(called, 0);
      const thrown = assertProblem(await call(served, `/orders/${legacy(1)}`), 500, 'INTERNAL');
      assert.doesNotMatch(String(thrown['detail']), /boom/, 'an internal failure keeps its message to the logs');
      assert.equal(called, 1);
    } finally {
      await served.close();
    }
  });

  it('refuses a pattern that does not name the params the route reads', () => {
    assert.throws(() => nodeHttpShim(own.shim, { ...ROUTES.order }, () => undefined), /pattern is missing/);
    assert.throws(() => nodeHttpShim(own.shim, { ...ROUTES.order, pattern: '/orders/:orderId' }, () => undefined), /not a parameter/);
    assert.throws(() => nodeHttpShim(own.shim, { namespace: ORDER, identifiers: [{ in: 'query', path: 'id' }] }, () => undefined), /scheme/);
  });
});
