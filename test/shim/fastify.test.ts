import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyShimHooks, registerFastifyShim } from '../../src/shim/index.js';
import { ORDER, legacy, typeId } from '../registry/fixtures.js';
import { customerLegacy, customerV2, useShim } from './fixtures.js';
import { ROUTES, type RouteName, type Seen, type ShimApp, answer, shimSuite } from './shim.suite.js';

/** The test routes on a Fastify app, through `config.stableIdShim`. */
function routes(app: FastifyInstance, seen: Seen[]): void {
  const paths: Record<RouteName, [method: 'GET' | 'POST', url: string]> = {
    customer: ['GET', '/customers/:id'],
    order: ['GET', '/orders/:id'],
    search: ['GET', '/search'],
    cart: ['POST', '/carts'],
  };
  for (const [route, [method, url]] of Object.entries(paths) as [RouteName, [method: 'GET' | 'POST', url: string]][]) {
    app.route({
      method,
      url,
      config: { stableIdShim: ROUTES[route] },
      handler: async (request) => {
        const got: Seen = { route, params: request.params, query: request.query, body: request.body };
        seen.push(got);
        return answer(got);
      },
    });
  }
}

shimSuite({
  name: 'fastify',
  shimParsesBody: false,
  async start(shim, seen): Promise<ShimApp> {
    const app = Fastify();
    registerFastifyShim(app, shim);
    routes(app, seen);
    await app.listen({ host: '127.0.0.1', port: 0 });
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
  },
});

describe('shim over fastify: its own hooks', () => {
  const own = useShim();

  it('translates before validation, so a schema that knows only the new scheme accepts a legacy caller', async () => {
    const app = Fastify();
    const seen: unknown[] = [];
    app.get(
      '/orders/:id',
      {
        schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^ord_' } }, required: ['id'] } },
        ...fastifyShimHooks(own.shim, ROUTES.order),
      },
      async (request) => {
        seen.push((request.params as { id: string }).id);
        return { id: (request.params as { id: string }).id, related: [] };
      },
    );
    try {
      const old = await app.inject({ method: 'GET', url: `/orders/${legacy(1)}` });
      assert.equal(old.statusCode, 200, old.body);
      assert.deepEqual(old.json(), { id: legacy(1), related: [] });
      const current = await app.inject({ method: 'GET', url: `/orders/${typeId(1)}` });
      assert.deepEqual(current.json(), { id: typeId(1), related: [] });
      assert.deepEqual(seen, [typeId(1), typeId(1)]);
    } finally {
      await app.close();
    }
  });

  it('leaves routes without the config alone', async () => {
    const app = Fastify();
    registerFastifyShim(app, own.shim);
    app.get('/plain/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    try {
      const reply = await app.inject({ method: 'GET', url: `/plain/${legacy(42)}` });
      assert.deepEqual(reply.json(), { id: legacy(42) });
      assert.equal(reply.headers['deprecation'], undefined);
    } finally {
      await app.close();
    }
  });

  it('keeps the handler status and headers and lets later onSend hooks see the rewritten response', async () => {
    const app = Fastify();
    registerFastifyShim(app, own.shim);
    const sent: unknown[] = [];
    app.post(
      '/customers',
      {
        config: { stableIdShim: { ...ROUTES.customer, identifiers: [{ in: 'body', path: 'id' }] } },
        onSend: async (_request, _reply, payload) => {
          sent.push(payload);
          return payload;
        },
      },
      async (request, reply) => {
        reply.code(201).header('x-handler', 'yes');
        return { id: (request.body as { id: string }).id, created: true };
      },
    );
    try {
      const reply = await app.inject({ method: 'POST', url: '/customers', payload: { id: customerLegacy(2) } });
      assert.equal(reply.statusCode, 201);
      assert.equal(reply.headers['x-handler'], 'yes');
      assert.deepEqual(reply.json(), { id: customerLegacy(2), created: true });
      assert.deepEqual(sent, [JSON.stringify({ id: customerLegacy(2), created: true })]);
      assert.ok(reply.headers['deprecation']);
      const current = await app.inject({ method: 'POST', url: '/customers', payload: { id: customerV2(2) } });
      assert.deepEqual(current.json(), { id: customerV2(2), created: true });
    } finally {
      await app.close();
    }
  });

  it('refuses a misconfigured route when it is registered', async () => {
    const app = Fastify();
    registerFastifyShim(app, own.shim);
    assert.throws(
      () => app.get('/bad/:id', { config: { stableIdShim: { identifiers: [{ in: 'params', path: 'id' }] } } }, async () => ({})),
      (error: unknown) => (error as { code?: string }).code === 'INVALID_ARGUMENT' && /namespace/.test((error as Error).message),
    );
    assert.throws(() => fastifyShimHooks(own.shim, { namespace: ORDER, scheme: 'v2', identifiers: [{ in: 'body', path: 'items[.id' }] }), /bracket/);
    await app.close();
  });
});
