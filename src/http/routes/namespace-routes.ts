import { Type } from 'typebox';
import { permits } from '../../auth/scopes.js';
import { READ_GUARANTEES, operation } from '../openapi.js';
import { NamespaceParams } from '../schemas.js';
import type { HttpApp, RouteContext } from './route-context.js';

export function namespaceRoutes(app: HttpApp, { registry }: RouteContext): void {
  const list = operation({
    id: 'listNamespaces',
    latency: 'lookup',
    summary: 'List the namespaces',
    tag: 'namespaces',
    guarantees: READ_GUARANTEES,
    errors: [],
  });
  app.get(
    '/v1/namespaces',
    {
      config: { cache: true, access: 'list' },
      schema: { ...list.doc, response: { 200: Type.Object({ namespaces: Type.Array(Type.Ref('Namespace')) }), ...list.errors } },
    },
    async (request) => {
      const { principal } = request;
      const namespaces = await registry.listNamespaces();
      // With a token, the namespaces it may read; without one (reads are open), all of them.
      return { namespaces: principal === null ? namespaces : namespaces.filter((n) => permits(principal.scopes, 'list', n.name)) };
    },
  );

  const show = operation({
    id: 'getNamespace',
    latency: 'lookup',
    summary: 'Show a namespace with its schemes and their states',
    tag: 'namespaces',
    guarantees: READ_GUARANTEES,
    errors: ['NAMESPACE_NOT_FOUND'],
  });
  app.get(
    '/v1/namespaces/:namespace',
    {
      config: { cache: true, access: 'list' },
      schema: {
        ...show.doc,
        params: NamespaceParams,
        response: { 200: Type.Object({ namespace: Type.Ref('Namespace'), schemes: Type.Array(Type.Ref('Scheme')) }), ...show.errors },
      },
    },
    async (request) => registry.getNamespace(request.params.namespace),
  );
}
