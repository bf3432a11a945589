import type { LightMyRequestResponse } from 'fastify';
import { parseScope } from '../../src/auth/scopes.js';
import { SqliteTokenStore } from '../../src/auth/sqlite-token-store.js';
import type { TokenStore } from '../../src/auth/token-store.js';
import { type AppOptions, buildApp } from '../../src/http/app.js';
import type { HttpApp } from '../../src/http/routes/route-context.js';
import { ORDER, SKU, type TestRegistry, binding, defineOrder, defineSku, legacy, openTestRegistry, typeId } from '../registry/fixtures.js';

export interface TestApp extends TestRegistry {
  readonly app: HttpApp;
}

/**
 * The service over a fresh registry holding:
 * - order: ORD-000001 (v1, bound to orders/1) aliased to typeId(1) in v2 by migration `m-v2`;
 *   ORD-000002 (v1) deprecated on its own with sunset 2027-06-30; ORD-000003 (v1) alone;
 * - sku: 7 registered in both `legacy` and `catalog` (ambiguous without a scheme).
 */
export async function openTestApp(options: Omit<AppOptions, 'registry'> = {}): Promise<TestApp> {
  const test = openTestRegistry();
  const { registry } = test;
  await defineOrder(registry);
  await defineSku(registry);
  await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('1') });
  await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1), migration: 'm-v2' });
  await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(2) });
  await registry.deprecate({ namespace: ORDER, identifier: { value: legacy(2) }, sunset: '2027-06-30' });
  await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(3) });
  await registry.register({ namespace: SKU, scheme: 'legacy', value: '7' });
  await registry.register({ namespace: SKU, scheme: 'catalog', value: '7' });
  const app = buildApp({ registry, ...options });
  await app.ready();
  return {
    ...test,
    app,
    close: async () => {
      await app.close();
      await test.close();
    },
  };
}

/** The parsed JSON body of a response. */
export const body = <T = Record<string, unknown>>(response: LightMyRequestResponse): T => JSON.parse(response.body) as T;

/** The URL of an identifier in the order namespace. */
export const identifierUrl = (value: string, namespace = ORDER): string => `/v1/namespaces/${namespace}/identifiers/${encodeURIComponent(value)}`;

/** The callers of an app with tokens: a role on order, write on another namespace only, write on every namespace. */
export const CALLERS = ['read', 'write', 'steward', 'admin', 'sku-write', 'any-write'] as const;
export type Caller = (typeof CALLERS)[number];

export interface AuthTestApp extends TestApp {
  readonly tokens: TokenStore;
  /** `Bearer <secret>` of each caller's token; its actor is `<caller>-bot`. */
  readonly bearer: Readonly<Record<Caller, string>>;
}

/** {@link openTestApp} with a token store holding one token per {@link CALLERS} entry. */
export async function openAuthTestApp(options: Omit<AppOptions, 'registry' | 'tokens'> = {}): Promise<AuthTestApp> {
  const tokens = SqliteTokenStore.open(':memory:');
  const scopesOf: Record<Caller, string> = { read: 'order:read', write: 'order:write', steward: 'order:steward', admin: 'order:admin', 'sku-write': 'sku:write', 'any-write': '*:write' };
  const bearer = {} as Record<Caller, string>;
  for (const caller of CALLERS) {
    const created = await tokens.create({ actor: `${caller}-bot`, scopes: [parseScope(scopesOf[caller])], createdBy: 'test', now: new Date() });
    bearer[caller] = `Bearer ${created.secret}`;
  }
  const test = await openTestApp({ ...options, tokens });
  return {
    ...test,
    tokens,
    bearer,
    close: async () => {
      await test.close();
      await tokens.close();
    },
  };
}
