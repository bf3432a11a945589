import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import express, { type Express, type Request } from 'express';
import { expressShim } from '../../src/shim/index.js';
import { legacy, typeId } from '../registry/fixtures.js';
import { customerLegacy, customerV2, useShim } from './fixtures.js';
import { ROUTES, type RouteName, type Seen, type ShimApp, answer, assertProblem, call, shimSuite } from './shim.suite.js';

async function listen(app: Express): Promise<ShimApp> {
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

const record = (seen: Seen[], route: RouteName, request: Request): Seen => {
  const got: Seen = { route, params: request.params, query: request.query, body: request.body as unknown };
  seen.push(got);
  return got;
};

shimSuite({
  name: 'express',
  shimParsesBody: true,
  start(shim, seen) {
    const app = express();
    app.get('/customers/:id', expressShim(shim, ROUTES.customer), (req, res) => {
      res.json(answer(record(seen, 'customer', req)));
    });
    app.get('/orders/:id', expressShim(shim, ROUTES.order), (req, res) => {
      res.json(answer(record(seen, 'order', req)));
    });
    app.get('/search', expressShim(shim, ROUTES.search), (req, res) => {
      res.json(answer(record(seen, 'search', req)));
    });
    // No body parser: the shim reads the JSON body itself.
    app.post('/carts', expressShim(shim, ROUTES.cart), (req, res) => {
      res.json(answer(record(seen, 'cart', req)));
    });
    return listen(app);
  },
});

describe('shim over express: its own plumbing', () => {
  const own = useShim();

  it('takes the body express.json() parsed, and rewrites what res.status().send() answers', async () => {
    const app = express();
    const seen: unknown[] = [];
    app.post('/carts', express.json(), expressShim(own.shim, ROUTES.cart), (req, res) => {
      seen.push(req.body);
      res.status(201).set('x-handler', 'yes').send({ ...(req.body as object), accepted: true });
    });
    const served = await listen(app);
    try {
      const reply = await call(served, '/carts', { body: { customerId: customerLegacy(2), items: [{ orderId: legacy(10) }] } });
      assert.equal(reply.status, 201);
      assert.equal(reply.headers.get('x-handler'), 'yes');
      assert.equal(reply.headers.get('etag'), null, 'the ETag of the handler bytes is dropped');
      assert.deepEqual(reply.body, { customerId: customerLegacy(2), items: [{ orderId: legacy(10) }], accepted: true });
      assert.deepEqual(seen, [{ customerId: customerV2(2), items: [{ orderId: typeId(10) }] }]);
      assert.ok(reply.headers.get('deprecation'));
    } finally {
      await served.close();
    }
  });

  it('rewrites a JSON response written in pieces with writeHead, write and end', async () => {
    const app = express();
    app.get('/orders/:id', expressShim(own.shim, ROUTES.order), (req, res) => {
      const text = JSON.stringify({ id: req.params.id, related: [typeId(10)] });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      res.write(text.slice(0, 10));
      res.end(text.slice(10));
    });
    const served = await listen(app);
    try {
      const reply = await call(served, `/orders/${legacy(1)}`);
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { id: legacy(1), related: [legacy(10)] });
      assert.equal(reply.headers.get('content-length'), String(Buffer.byteLength(JSON.stringify(reply.body))));
    } finally {
      await served.close();
    }
  });

  it('leaves a response that is not JSON as written', async () => {
    const app = express();
    app.get('/orders/:id', expressShim(own.shim, ROUTES.order), (req, res) => {
      res.type('text/plain').send(`order ${req.params.id}`);
    });
    const served = await listen(app);
    try {
      const response = await fetch(`${served.url}/orders/${legacy(1)}`);
      assert.equal(await response.text(), `order ${typeId(1)}`);
    } finally {
      await served.close();
    }
  });

  it('answers a body over the limit 413 without calling the handler', async () => {
    const app = express();
    let called = false;
    app.post('/carts', expressShim(own.shim, ROUTES.cart, { bodyLimit: 64 }), (_req, res) => {
      called = true;
      res.json({});
    });
    const served = await listen(app);
    try {
      const reply = await call(served, '/carts', { body: { customerId: customerV2(1), items: Array.from({ length: 10 }, () => ({ orderId: typeId(1) })) } });
      assert.equal(assertProblem(reply, 413, 'INVALID_ARGUMENT')['rule'], 'body.size');
      assert.equal(called, false);
    } finally {
      await served.close();
    }
  });
});
