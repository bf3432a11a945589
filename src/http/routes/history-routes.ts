import { operation } from '../openapi.js';
import { HistoryQuery, HistorySchema, NamespaceParams } from '../schemas.js';
import type { HttpApp, RouteContext } from './route-context.js';

const DEFAULT_LIMIT = 100;

export function historyRoutes(app: HttpApp, { registry }: RouteContext): void {
  const history = operation({
    id: 'namespaceHistory',
    latency: 'page',
    summary: "The namespace's events, oldest first, a page at a time",
    tag: 'history',
    guarantees:
      'Read-only, safe and idempotent. Events are append-only and ordered by seq: a page, once full, never changes; ' +
      'follow `next` (as `after`) until it is null. Identifier values appear only as salted commitments.',
    errors: ['NAMESPACE_NOT_FOUND'],
  });
  app.get(
    '/v1/namespaces/:namespace/history',
    {
      config: { cache: true, access: 'history' },
      schema: { ...history.doc, params: NamespaceParams, querystring: HistoryQuery, response: { 200: HistorySchema, ...history.errors } },
    },
    async (request) => {
      const limit = request.query.limit ?? DEFAULT_LIMIT;
      const events = await registry.history(request.params.namespace, request.query.after ?? 0, limit);
      return { events, next: events.length === limit ? (events.at(-1)?.seq ?? null) : null };
    },
  );
}
