import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchItem, Registry } from '../../src/registry/registry.js';
import { ORDER, SKU, binding, defineOrder, defineSku, legacy, typeId, ulid } from '../registry/fixtures.js';

/** How many legacy orders {@link seedOrders} registers. */
export const ORDERS = 120;

/**
 * The `order` and `sku` namespaces with identifiers of every scheme and state:
 * ORD-000001…ORD-000120 in v1 (bound to orders/n); the first 40 aliased in v2
 * (TypeID) by migration m-v2, the first 6 in v3 (ULID); v1 numbers 101–110
 * deprecated and 111–113 archived; ORD-000120 erased. In sku, 1–20 in `legacy`
 * and 7 also in `catalog` (ambiguous without its scheme).
 */
export async function seedOrders(registry: Registry): Promise<void> {
  await defineOrder(registry);
  await defineSku(registry);
  const numbers = Array.from({ length: ORDERS }, (_, i) => i + 1);
  const items: BatchItem[] = [
    ...numbers.map((n) => ({ request: { op: 'register' as const, namespace: ORDER, scheme: 'v1', value: legacy(n), binding: binding(String(n)) } })),
    ...numbers.slice(0, 40).map((n) => ({ request: { op: 'alias' as const, namespace: ORDER, from: { value: legacy(n) }, scheme: 'v2', value: typeId(n), migration: 'm-v2' } })),
    ...numbers.slice(0, 6).map((n) => ({ request: { op: 'alias' as const, namespace: ORDER, from: { value: legacy(n) }, scheme: 'v3', value: ulid(n) } })),
    ...numbers.slice(100, 110).map((n) => ({ request: { op: 'deprecate' as const, namespace: ORDER, identifier: { value: legacy(n) }, sunset: '2027-06-30' } })),
    ...numbers.slice(110, 113).map((n) => ({ request: { op: 'archive' as const, namespace: ORDER, identifier: { value: legacy(n) } } })),
    ...Array.from({ length: 20 }, (_, i) => ({ request: { op: 'register' as const, namespace: SKU, scheme: 'legacy', value: String(i + 1) } })),
    { request: { op: 'register' as const, namespace: SKU, scheme: 'catalog', value: '7' } },
  ];
  await registry.writeMany(items);
  await registry.erase({ namespace: ORDER, identifier: { value: legacy(ORDERS) } }, { reason: 'test erasure' });
}

/**
 * Breaks a mapping on purpose, as a faulty migration or a bad restore would:
 * the identifier's value is erased and registered again, so that it now
 * resolves to a new entity.
 */
export async function remap(registry: Registry, namespace: string, value: string): Promise<void> {
  await registry.erase({ namespace, identifier: { value } }, { reason: 'test: break the mapping' });
  await registry.register({ namespace, scheme: 'v1', value });
}

/** A fresh directory for probe files, removed by `cleanup`. */
export function scratchDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'stableid-probe-'));
  return { dir, file: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An application endpoint behind a shim, as the probe sees one: GET /orders/{value}. */
export interface FakeShim {
  readonly template: string;
  /** The paths it was asked for. */
  readonly asked: string[];
  close(): Promise<void>;
}

/**
 * A stand-in for an application behind the stableid shim: it answers
 * `GET /{namespace}/{value}` with 200 when the registry resolves the value
 * (naming the entity in StableId-Entity when `entityHeader`), else with a
 * problem document: 404 when not found, 422 when invalid or ambiguous, 500 otherwise.
 */
export async function openFakeShim(registry: Registry, options: { entityHeader: boolean }): Promise<FakeShim> {
  const { createServer } = await import('node:http');
  const asked: string[] = [];
  const server = createServer((request, response) => {
    asked.push(request.url ?? '');
    const [, namespace = '', value = ''] = (request.url ?? '').split('/').map(decodeURIComponent);
    registry.resolve(namespace, { value }).then(
      (resolution) => {
        response.writeHead(200, { 'content-type': 'application/json', ...(options.entityHeader ? { 'stableid-entity': resolution.entity } : {}) });
        response.end(JSON.stringify({ id: value }));
      },
      (error: { code?: string; message?: string }) => {
        const status = error.code === 'IDENTIFIER_NOT_FOUND' ? 404 : error.code === 'INVALID_IDENTIFIER' || error.code === 'AMBIGUOUS_IDENTIFIER' ? 422 : 500;
        response.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status, code: error.code, detail: error.message }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    template: `http://127.0.0.1:${port}/{namespace}/{value}`,
    asked,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
