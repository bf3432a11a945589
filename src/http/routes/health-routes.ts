import { Type } from 'typebox';
import { StableIdError } from '../../model/errors.js';
import { operation } from '../openapi.js';
import type { HttpApp, RouteContext } from './route-context.js';

/** How long /readyz waits for the store before calling it unavailable. */
const READY_TIMEOUT_MS = 2000;

const Status = Type.Object({ status: Type.String() });

export function healthRoutes(app: HttpApp, { registry }: RouteContext): void {
  const live = operation({
    id: 'healthz',
    latency: 'process',
    summary: 'Liveness: the process is up and serving',
    tag: 'health',
    guarantees: 'Touches nothing but the process; never cached.',
    errors: [],
  });
  app.get('/healthz', { schema: { ...live.doc, security: [], response: { 200: Status } } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });

  const ready = operation({
    id: 'readyz',
    latency: 'lookup',
    summary: 'Readiness: the store answers a read',
    tag: 'health',
    guarantees: `Reads the namespace list; answers 503 STORE_UNAVAILABLE when the store fails or takes longer than ${READY_TIMEOUT_MS} ms, and while the read index is still loading. Never cached.`,
    errors: ['STORE_UNAVAILABLE'],
  });
  app.get('/readyz', { schema: { ...ready.doc, security: [], response: { 200: Status, ...ready.errors } } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    if (registry.readIndex?.warming) throw new StableIdError('STORE_UNAVAILABLE', 'the read index is still loading the registry into memory');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StableIdError('STORE_UNAVAILABLE', `the store did not answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([registry.listNamespaces(), timeout]);
    } catch (error) {
      throw error instanceof StableIdError && error.code === 'STORE_UNAVAILABLE'
        ? error
        : new StableIdError('STORE_UNAVAILABLE', 'the store cannot answer a read', {}, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ready' };
  });
}
