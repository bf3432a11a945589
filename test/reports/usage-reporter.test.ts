import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { UsageReporter } from '../../src/client/usage-reporter.js';
import type { StableIdError } from '../../src/model/errors.js';
import { UsageCounter } from '../../src/shim/usage-counter.js';
import { SqliteUsageStore } from '../../src/usage/sqlite-usage-store.js';
import type { UsageStore } from '../../src/usage/usage-store.js';
import { type AuthTestApp, openAuthTestApp } from '../http/fixtures.js';

/** A fetch that reaches the app in process; `fail` decides, per call, to lose the request or its answer. */
function fetchOf(t: AuthTestApp, fail: (call: number) => 'request' | 'answer' | 'none' = () => 'none'): typeof fetch & { calls: string[] } {
  const calls: string[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const call = calls.length;
    const bodyText = String(init?.body);
    calls.push(bodyText);
    const mode = fail(call);
    if (mode === 'request') throw new TypeError('fetch failed: connection refused');
    const url = new URL(String(input));
    const response = await t.app.inject({ method: 'POST', url: url.pathname, payload: bodyText, headers: { ...(init?.headers as Record<string, string>) } });
    if (mode === 'answer') throw new TypeError('fetch failed: socket hang up');
    return new Response(response.body, { status: response.statusCode, headers: { 'content-type': String(response.headers['content-type']) } });
  };
  return Object.assign(fake as typeof fetch, { calls });
}

describe('usage reporter', () => {
  let usage: UsageStore;
  let t: AuthTestApp;
  let reporters: UsageReporter[];
  beforeEach(async () => {
    usage = SqliteUsageStore.open(':memory:');
    t = await openAuthTestApp({ usage });
    reporters = [];
  });
  afterEach(async () => {
    for (const reporter of reporters) await reporter.close();
    await t.close();
    await usage.close();
  });

  const reporter = (fetchFn: typeof fetch, extra: Partial<ConstructorParameters<typeof UsageReporter>[0]> = {}): UsageReporter => {
    let n = 0;
    const created = new UsageReporter({
      endpoint: 'http://stableid.test/',
      token: t.bearer.read.slice('Bearer '.length),
      service: 'checkout',
      serviceVersion: '2.3.1',
      intervalMs: 0,
      fetch: fetchFn,
      newReportId: () => `checkout-report-${(n += 1)}`,
      ...extra,
    });
    reporters.push(created);
    return created;
  };

  it("sends what the shim's counter and its own count gained since the last flush", async () => {
    const shim = new UsageCounter();
    const fetchFn = fetchOf(t);
    const r = reporter(fetchFn, { sources: [shim] });
    shim.record({ namespace: 'order', scheme: 'v1', caller: 'partner-x', deprecated: true });
    shim.record({ namespace: 'order', scheme: 'v1', caller: 'partner-x', deprecated: false });
    r.count({ namespace: 'order', scheme: 'v2' });
    r.count({ namespace: 'order', scheme: 'v2', requests: 4 });
    assert.deepEqual(await r.flush(), { sent: 1, dropped: 0, pending: 0 });
    assert.deepEqual(await r.flush(), { sent: 0, dropped: 0, pending: 0 }, 'nothing new: nothing sent');
    assert.equal(fetchFn.calls.length, 1);
    shim.record({ namespace: 'order', scheme: 'v1', caller: 'partner-x', deprecated: true });
    assert.deepEqual(await r.flush(), { sent: 1, dropped: 0, pending: 0 });
    const totals = await usage.totals();
    assert.deepEqual(totals.map((row) => [row.service, row.caller, row.scheme, row.requests, row.deprecated]), [
      ['checkout', 'partner-x', 'v1', 3, 2],
      ['checkout', 'checkout', 'v2', 5, 0],
    ]);
    const sent = JSON.parse(fetchFn.calls[0] as string) as Record<string, unknown>;
    assert.deepEqual(Object.keys(sent), ['reportId', 'service', 'serviceVersion', 'at', 'counts']);
  });

  it('resends a report whose answer was lost with the same id, so that it counts once', async () => {
    const errors: [string, boolean][] = [];
    const fetchFn = fetchOf(t, (call) => (call === 0 ? 'answer' : call === 1 ? 'request' : 'none'));
    const r = reporter(fetchFn, { onError: (error: StableIdError, report) => errors.push([error.code, report.kept]) });
    r.count({ namespace: 'order', scheme: 'v1', requests: 7 });
    assert.deepEqual(await r.flush(), { sent: 0, dropped: 0, pending: 1 });
    r.count({ namespace: 'order', scheme: 'v1', requests: 1 });
    assert.deepEqual(await r.flush(), { sent: 0, dropped: 0, pending: 2 }, 'still unreachable: both kept');
    assert.deepEqual(await r.flush(), { sent: 2, dropped: 0, pending: 0 });
    assert.equal(r.pending, 0);
    const ids = fetchFn.calls.map((call) => (JSON.parse(call) as { reportId: string }).reportId);
    assert.deepEqual(ids, ['checkout-report-1', 'checkout-report-1', 'checkout-report-1', 'checkout-report-2']);
    assert.equal(fetchFn.calls[0], fetchFn.calls[2], 'the retry repeats the body exactly');
    assert.deepEqual((await usage.totals()).map((row) => row.requests), [8], 'the first report counted once although sent twice');
    assert.deepEqual(errors, [
      ['SERVICE_UNAVAILABLE', true],
      ['SERVICE_UNAVAILABLE', true],
    ]);
  });

  it('drops a report the service refuses for good and goes on', async () => {
    const errors: string[] = [];
    const r = reporter(fetchOf(t), { onError: (error: StableIdError) => errors.push(error.code) });
    r.count({ namespace: 'order', scheme: 'v9' });
    assert.deepEqual(await r.flush(), { sent: 0, dropped: 1, pending: 0 });
    assert.deepEqual(errors, ['SCHEME_NOT_FOUND']);
    r.count({ namespace: 'order', scheme: 'v2' });
    assert.deepEqual(await r.flush(), { sent: 1, dropped: 0, pending: 0 });
  });

  it('splits large deltas into several reports and flushes on close', async () => {
    const fetchFn = fetchOf(t);
    const r = reporter(fetchFn, { maxRows: 2 });
    for (const caller of ['a', 'b', 'c', 'd', 'e']) r.count({ namespace: 'order', scheme: 'v2', caller });
    assert.deepEqual(await r.close(), { sent: 3, dropped: 0, pending: 0 });
    assert.deepEqual(await r.close(), { sent: 0, dropped: 0, pending: 0 }, 'idempotent');
    assert.equal((await usage.totals()).length, 5);
  });

  it('refuses bad options', () => {
    assert.throws(() => new UsageReporter({ endpoint: '', token: 'x', service: 's' }), (e: { code?: string }) => e.code === 'INVALID_ARGUMENT');
    assert.throws(() => new UsageReporter({ endpoint: 'http://x', token: 'x', service: ' s' }), (e: { code?: string }) => e.code === 'INVALID_ARGUMENT');
    assert.throws(() => new UsageReporter({ endpoint: 'http://x', token: 'x', service: 's', maxRows: 0 }), (e: { code?: string }) => e.code === 'INVALID_ARGUMENT');
  });
});
