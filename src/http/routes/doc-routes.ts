import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from 'typebox';
import { ERROR_CODES, type ErrorCode, StableIdError } from '../../model/errors.js';
import { STATUS_BY_CODE } from '../errors.js';
import type { HttpApp } from './route-context.js';

/**
 * The OpenAPI 3.1 document, generated from the route schemas, at
 * /v1/openapi.json; the interactive docs at /v1/docs; and a page per problem
 * type (the `type` of every problem document) at /v1/problems/{code}.
 * Must be registered before the routes it documents.
 */
export async function docRoutes(app: HttpApp, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'stableid identity service',
        version,
        description:
          'Resolves and translates external identifiers through the stableid registry. Every error is an RFC 9457 problem document ' +
          '(application/problem+json) whose `code` is a stable stableid error code. Every response carries `X-Correlation-Id`.',
      },
      tags: [
        { name: 'namespaces', description: 'Namespaces and their schemes' },
        { name: 'identifiers', description: 'Resolve, translate and trace one identifier' },
        { name: 'batches', description: 'Resolve and translate many identifiers at once' },
        { name: 'history', description: 'The event log of a namespace' },
        { name: 'writes', description: 'Register, alias, rebind, deprecate, archive and import identifiers (bearer token with the write or steward role)' },
        { name: 'governance', description: 'Change requests held by the policy for a second steward (two-person rule)' },
        { name: 'flags', description: 'Transition stages and scheme exposure, per namespace and consumer (read role to read, steward role to set)' },
        { name: 'health', description: 'Liveness, readiness and metrics' },
        { name: 'problems', description: 'The problem types of error responses' },
      ],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (`stableid token create`): sid_<id>_<secret>.' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json['$id'] === 'string' ? json['$id'] : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/v1/docs' });

  app.get('/v1/openapi.json', { config: { cache: true }, schema: { hide: true } }, async () => app.swagger());

  app.get(
    '/v1/problems/:code',
    {
      config: { cache: true },
      schema: {
        operationId: 'problemType',
        security: [],
        summary: 'What a problem type (an error code) means, and its status',
        tags: ['problems'],
        params: Type.Object({ code: Type.String({ maxLength: 64 }) }),
        response: { 200: Type.Object({ code: Type.String(), title: Type.String(), status: Type.Integer() }) },
      },
    },
    async (request) => {
      const code = request.params.code as ErrorCode;
      if (!Object.hasOwn(ERROR_CODES, code)) {
        throw new StableIdError('INVALID_ARGUMENT', `no problem type ${JSON.stringify(request.params.code)}`, { rule: 'http.route', field: 'code' });
      }
      return { code, title: ERROR_CODES[code], status: STATUS_BY_CODE[code] };
    },
  );
}
