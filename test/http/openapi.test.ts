import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, body, openTestApp } from './fixtures.js';

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  responses: Record<string, { content?: Record<string, unknown> }>;
}
interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

const ROUTES = [
  ['get', '/healthz'],
  ['get', '/readyz'],
  ['get', '/metrics'],
  ['get', '/v1/namespaces'],
  ['get', '/v1/namespaces/{namespace}'],
  ['get', '/v1/namespaces/{namespace}/identifiers/{value}'],
  ['get', '/v1/namespaces/{namespace}/identifiers/{value}/translations/{to}'],
  ['get', '/v1/namespaces/{namespace}/identifiers/{value}/lineage'],
  ['get', '/v1/namespaces/{namespace}/identifiers/{value}/proof'],
  ['get', '/v1/namespaces/{namespace}/history'],
  ['get', '/v1/namespaces/{namespace}/changes'],
  ['post', '/v1/namespaces/{namespace}/changes/{id}/approve'],
  ['post', '/v1/namespaces/{namespace}/changes/{id}/reject'],
  ['get', '/v1/namespaces/{namespace}/flags'],
  ['put', '/v1/namespaces/{namespace}/flags/stage/{consumer}'],
  ['put', '/v1/namespaces/{namespace}/flags/exposure/{scheme}/{consumer}'],
  ['post', '/v1/namespaces/{namespace}/resolve'],
  ['post', '/v1/namespaces/{namespace}/translate'],
  ['get', '/v1/problems/{code}'],
  ['post', '/v1/namespaces/{namespace}/identifiers'],
  ['post', '/v1/namespaces/{namespace}/identifiers/{value}/aliases'],
  ['put', '/v1/namespaces/{namespace}/identifiers/{value}/binding'],
  ['post', '/v1/namespaces/{namespace}/identifiers/{value}/deprecation'],
  ['post', '/v1/namespaces/{namespace}/identifiers/{value}/archive'],
  ['post', '/v1/namespaces/{namespace}/import'],
] as const;

describe('http openapi', () => {
  let t: TestApp;
  let doc: OpenApi;
  before(async () => {
    t = await openTestApp();
    const response = await t.app.inject('/v1/openapi.json');
    assert.equal(response.statusCode, 200);
    doc = body<OpenApi>(response);
  });
  after(async () => t.close());

  it('is an OpenAPI 3.1 document listing every route, and only those', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.title, 'stableid identity service');
    assert.match(doc.info.version, /^\d+\.\d+\.\d+/);
    const listed = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`));
    assert.deepEqual(listed.sort(), ROUTES.map(([method, path]) => `${method} ${path}`).sort());
  });

  it('gives every operation an id, a summary, its guarantees, expected latency and its error codes as problem+json', () => {
    const ids = new Set<string>();
    for (const [method, path] of ROUTES) {
      const operation = doc.paths[path]?.[method] as Operation;
      assert.ok(operation.operationId && !ids.has(operation.operationId), `${path}: unique operationId`);
      ids.add(operation.operationId);
      assert.ok(operation.summary, `${path}: summary`);
      assert.ok(operation.responses['200'], `${path}: 200`);
      if (path.startsWith('/v1/namespaces')) {
        assert.match(operation.description ?? '', /\*\*Guarantees\.\*\*.*idempotent/s, `${path}: guarantees`);
        assert.match(operation.description ?? '', /\*\*Expected latency\.\*\* \S/, `${path}: latency`);
        assert.match(operation.description ?? '', /- 400: INVALID_ARGUMENT/, `${path}: errors`);
        assert.ok(operation.responses['503']?.content?.['application/problem+json'], `${path}: 503 problem`);
      }
    }
    const resolve = doc.paths['/v1/namespaces/{namespace}/identifiers/{value}']?.['get'] as Operation;
    assert.match(resolve.description ?? '', /404: NAMESPACE_NOT_FOUND, SCHEME_NOT_FOUND, IDENTIFIER_NOT_FOUND/);
    assert.match(resolve.description ?? '', /422: INVALID_IDENTIFIER, AMBIGUOUS_IDENTIFIER/);
    assert.match(resolve.description ?? '', /Deprecation/);
    assert.ok((doc.paths['/v1/namespaces/{namespace}/resolve']?.['post'] as Operation).responses['413']);
    const proof = doc.paths['/v1/namespaces/{namespace}/identifiers/{value}/proof']?.['get'] as Operation;
    assert.match(proof.description ?? '', /404: NAMESPACE_NOT_FOUND, SCHEME_NOT_FOUND, IDENTIFIER_NOT_FOUND, CHECKPOINT_NOT_FOUND/);
    assert.match(proof.description ?? '', /\*\*Expected latency\.\*\* Built from a store snapshot/);
    assert.deepEqual(proof.responses['200']?.content?.['application/json'], { schema: { $ref: '#/components/schemas/MappingProof' } });
  });

  it('names the shared schemas as components, and every reference resolves', () => {
    for (const name of ['Namespace', 'Scheme', 'Identifier', 'Resolution', 'Translation', 'Deprecation', 'Problem', 'MappingProof']) {
      assert.ok(doc.components.schemas[name], name);
    }
    for (const [, ref] of JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)) {
      assert.match(ref as string, /^#\/components\/schemas\//);
      assert.ok(doc.components.schemas[(ref as string).split('/').at(-1) as string], ref);
    }
  });

  it('serves the docs page', async () => {
    const response = await t.app.inject('/v1/docs/');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /text\/html/);
    assert.match(response.body, /swagger/i);
  });
});
