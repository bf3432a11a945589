import { after, before } from 'node:test';
import { StableIdClient } from '../../src/client/index.js';
import { StableIdShim } from '../../src/shim/index.js';
import { ORDER, legacy, typeId } from '../registry/fixtures.js';
import { type LiveService, openLiveService } from '../client/fixtures.js';

export const CUSTOMER = 'customer';

/** The n-th customer number of the deprecated `legacy` scheme, e.g. CUST-0001. */
export const customerLegacy = (n: number): string => `CUST-${String(n).padStart(4, '0')}`;
/** The n-th customer TypeID of the `v2` scheme (prefix `cus`). */
export const customerV2 = (n: number): string => typeId(n).replace(/^ord_/, 'cus_');

/** The sunset of customer/legacy, and its HTTP-date. */
export const CUSTOMER_SUNSET = '2027-12-31';
export const CUSTOMER_SUNSET_HTTP = 'Fri, 31 Dec 2027 00:00:00 GMT';

/**
 * The live service of test/client/fixtures.ts, its registry holding besides
 * the seeded `order` and `sku` namespaces (see test/http/fixtures.ts):
 * - order: ORD-000010 (v1) aliased to typeId(10) (v2), both active; typeId(11) in v2 only;
 * - customer: `legacy` (CUST-\d{4}) deprecated with sunset 2027-12-31 and replacement `v2`
 *   (TypeID `cus`); CUST-0001 ↔ customerV2(1), CUST-0002 ↔ customerV2(2), CUST-0003 in
 *   legacy only, customerV2(4) in v2 only.
 */
export async function openShimService(): Promise<LiveService> {
  const service = await openLiveService();
  const { registry } = service;
  await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(10) });
  await registry.alias({ namespace: ORDER, from: { value: legacy(10) }, scheme: 'v2', value: typeId(10) });
  await registry.register({ namespace: ORDER, scheme: 'v2', value: typeId(11) });
  await registry.createNamespace({ name: CUSTOMER, owner: 'crm-team' });
  await registry.addScheme(CUSTOMER, 'legacy', { kind: 'pattern', pattern: 'CUST-\\d{4}', maxLength: 9 });
  await registry.addScheme(CUSTOMER, 'v2', { kind: 'typeid', prefix: 'cus' });
  for (const n of [1, 2]) {
    await registry.register({ namespace: CUSTOMER, scheme: 'legacy', value: customerLegacy(n) });
    await registry.alias({ namespace: CUSTOMER, from: { value: customerLegacy(n) }, scheme: 'v2', value: customerV2(n) });
  }
  await registry.register({ namespace: CUSTOMER, scheme: 'legacy', value: customerLegacy(3) });
  await registry.register({ namespace: CUSTOMER, scheme: 'v2', value: customerV2(4) });
  await registry.deprecateScheme(CUSTOMER, 'legacy', CUSTOMER_SUNSET, 'v2');
  return service;
}

/** A client of `url` without cache or retries: every lookup reaches the service, and a dead one fails at once. */
export const testClient = (url: string): StableIdClient => new StableIdClient({ endpoints: url, cache: false, retries: 0, timeoutMs: 2000 });

/**
 * A shim over its own {@link openShimService}, opened before the enclosing
 * suite's tests and closed after them; read `.shim` inside a test.
 */
export function useShim(): { readonly shim: StableIdShim } {
  let service: LiveService | undefined;
  let client: StableIdClient | undefined;
  let shim: StableIdShim | undefined;
  before(async () => {
    service = await openShimService();
    client = testClient(service.url);
    shim = new StableIdShim({ translator: client });
  });
  after(async () => {
    await client?.close();
    await service?.close();
  });
  return {
    get shim(): StableIdShim {
      if (shim === undefined) throw new Error('useShim: the shim exists only inside the suite’s tests');
      return shim;
    },
  };
}
