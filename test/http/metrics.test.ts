import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { METRIC_NAMES } from '../../src/http/metrics.js';
import { ORDER, legacy, typeId } from '../registry/fixtures.js';
import { type AuthTestApp, type TestApp, body, identifierUrl, openAuthTestApp, openTestApp } from './fixtures.js';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function samplesOf(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(match, `a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key as string, value as string]));
      return { name: match[1] as string, labels, value: Number(match[3]) };
    });
}

/** The value of the one sample with that name and (at least) those labels; 0 when there is none. */
function valueOf(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value));
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)}: one sample, got ${found.length}`);
  return found[0]?.value ?? 0;
}

const DURATION_COUNT = `${METRIC_NAMES.requestDuration}_count`;

describe('http metrics', () => {
  let t: TestApp;
  const scrape = async (): Promise<Sample[]> => {
    const response = await t.app.inject('/metrics');
    assert.equal(response.statusCode, 200);
    return samplesOf(response.body);
  };
  before(async () => {
    t = await openTestApp();
  });
  after(async () => t.close());

  it('answers the Prometheus text format, with the process metrics, never cached', async () => {
    const response = await t.app.inject('/metrics');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.match(response.body, new RegExp(`^# TYPE ${METRIC_NAMES.requestDuration} histogram$`, 'm'));
    assert.match(response.body, /^# TYPE stableid_resolve_outcomes_total counter$/m);
    const samples = samplesOf(response.body);
    assert.ok(samples.some((s) => s.name === 'process_cpu_user_seconds_total'), 'default process metrics');
    assert.ok(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes'), 'default Node.js metrics');
    const types = response.body.split('\n').filter((line) => line.startsWith('# TYPE '));
    assert.equal(new Set(types).size, types.length, 'each metric once');
  });

  it('counts resolve outcomes: found, deprecated, archived and not found, single and batched', async () => {
    await t.registry.archive({ namespace: ORDER, identifier: { value: legacy(3) } });
    const before = await scrape();
    assert.equal((await t.app.inject(identifierUrl(legacy(1)))).statusCode, 200);
    assert.equal((await t.app.inject(identifierUrl(legacy(2)))).statusCode, 200);
    assert.equal((await t.app.inject(identifierUrl(legacy(3)))).statusCode, 200);
    assert.equal((await t.app.inject(identifierUrl(legacy(99)))).statusCode, 404);
    const batch = await t.app.inject({
      method: 'POST',
      url: '/v1/namespaces/order/resolve',
      payload: { identifiers: [{ value: legacy(1) }, { value: typeId(1) }, { value: legacy(2) }, { value: legacy(98) }, { value: 'not an order' }] },
    });
    assert.equal(batch.statusCode, 200);
    // Translating an identifier whose entity has no v2 identifier: not found too.
    assert.equal((await t.app.inject(`${identifierUrl(legacy(2))}/translations/v2`)).statusCode, 404);
    assert.equal((await t.app.inject(`${identifierUrl(legacy(1))}/translations/v2`)).statusCode, 200);
    const translated = await t.app.inject({ method: 'POST', url: '/v1/namespaces/order/translate', payload: { to: 'v2', identifiers: [{ value: legacy(1) }, { value: legacy(3) }] } });
    assert.equal(translated.statusCode, 200);
    const after = await scrape();

    const grew = (labels: Record<string, string>): number =>
      valueOf(after, METRIC_NAMES.resolveOutcomes, { namespace: ORDER, ...labels }) - valueOf(before, METRIC_NAMES.resolveOutcomes, { namespace: ORDER, ...labels });
    assert.deepEqual(
      ['found', 'deprecated', 'archived', 'not_found'].map((outcome) => grew({ operation: 'resolveIdentifier', outcome })),
      [1, 1, 1, 1],
    );
    // The invalid value is a problem of its own (INVALID_IDENTIFIER), not an outcome.
    assert.deepEqual(
      ['found', 'deprecated', 'archived', 'not_found'].map((outcome) => grew({ operation: 'resolveBatch', outcome })),
      [2, 1, 0, 1],
    );
    assert.equal(grew({ operation: 'translateIdentifier', outcome: 'not_found' }), 1);
    assert.equal(grew({ operation: 'translateIdentifier', outcome: 'found' }), 1);
    // The archived legacy(3) has no v2 identifier: TRANSLATION_NOT_FOUND.
    assert.deepEqual(body<{ results: { error?: { code: string } }[] }>(translated).results.map((item) => item.error?.code ?? 'ok'), ['ok', 'TRANSLATION_NOT_FOUND']);
    assert.equal(grew({ operation: 'translateBatch', outcome: 'found' }), 1);
    assert.equal(grew({ operation: 'translateBatch', outcome: 'not_found' }), 1);
  });

  it('times every request by operation, namespace and status, and sizes batches', async () => {
    const before = await scrape();
    await t.app.inject(identifierUrl(legacy(1)));
    await t.app.inject({ method: 'POST', url: '/v1/namespaces/order/resolve', payload: { identifiers: [{ value: legacy(1) }, { value: legacy(2) }, { value: legacy(3) }] } });
    await t.app.inject('/healthz');
    await t.app.inject('/no/such/route');
    const after = await scrape();
    const grew = (name: string, labels: Record<string, string>): number => valueOf(after, name, labels) - valueOf(before, name, labels);
    assert.equal(grew(DURATION_COUNT, { operation: 'resolveIdentifier', namespace: ORDER, status: '200' }), 1);
    assert.equal(grew(DURATION_COUNT, { operation: 'resolveBatch', namespace: ORDER, status: '200' }), 1);
    assert.equal(grew(DURATION_COUNT, { operation: 'healthz', namespace: '-', status: '200' }), 1);
    assert.equal(grew(DURATION_COUNT, { operation: 'unknown', namespace: '-', status: '404' }), 1);
    assert.ok(grew(`${METRIC_NAMES.requestDuration}_sum`, { operation: 'resolveIdentifier', namespace: ORDER, status: '200' }) > 0);
    assert.equal(grew(`${METRIC_NAMES.batchSize}_count`, { operation: 'resolveBatch' }), 1);
    assert.equal(grew(`${METRIC_NAMES.batchSize}_sum`, { operation: 'resolveBatch' }), 3);
    assert.equal(grew(`${METRIC_NAMES.batchSize}_bucket`, { operation: 'resolveBatch', le: '1' }), 0);
    assert.equal(grew(`${METRIC_NAMES.batchSize}_bucket`, { operation: 'resolveBatch', le: '5' }), 1);
  });

  it('counts errors by code and status, and keeps unknown namespaces out of the labels', async () => {
    const before = await scrape();
    assert.equal((await t.app.inject(identifierUrl(legacy(1), 'nope-1'))).statusCode, 404);
    assert.equal((await t.app.inject('/v1/namespaces/nope-2/history')).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'POST', url: '/v1/namespaces/nope-3/resolve', payload: { identifiers: [{ value: legacy(1) }] } })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'POST', url: '/v1/namespaces/nope-4/resolve', payload: { identifiers: 'none' } })).statusCode, 400);
    assert.equal((await t.app.inject({ method: 'POST', url: '/v1/namespaces/nope-5/identifiers', payload: {} })).statusCode, 401);
    assert.equal((await t.app.inject(`${identifierUrl(legacy(1))}?asOf=yesterday`)).statusCode, 400);
    const after = await scrape();
    const grew = (name: string, labels: Record<string, string>): number => valueOf(after, name, labels) - valueOf(before, name, labels);
    assert.equal(grew(METRIC_NAMES.errors, { code: 'NAMESPACE_NOT_FOUND', status: '404' }), 3);
    assert.equal(grew(METRIC_NAMES.errors, { code: 'INVALID_ARGUMENT', status: '400' }), 2);
    assert.equal(grew(METRIC_NAMES.errors, { code: 'UNAUTHENTICATED', status: '401' }), 1);
    assert.equal(grew(DURATION_COUNT, { operation: 'resolveIdentifier', namespace: '-', status: '404' }), 1);
    assert.equal(grew(DURATION_COUNT, { operation: 'resolveIdentifier', namespace: '-', status: '400' }), 1, 'a malformed request proves nothing of its namespace');
    assert.equal(grew(DURATION_COUNT, { operation: 'registerIdentifier', namespace: '-', status: '401' }), 1);
    const namespaces = new Set(after.flatMap((s) => (s.labels['namespace'] === undefined ? [] : [s.labels['namespace']])));
    assert.deepEqual([...namespaces].sort(), ['-', ORDER]);
  });
});

describe('http metrics: access and options', () => {
  let t: AuthTestApp;
  before(async () => {
    t = await openAuthTestApp();
  });
  after(async () => t.close());

  it('serves /metrics without a token while reads need one', async () => {
    assert.equal((await t.app.inject(identifierUrl(legacy(1)))).statusCode, 401);
    assert.equal((await t.app.inject('/metrics')).statusCode, 200);
    const forbidden = samplesOf((await t.app.inject('/metrics')).body);
    assert.equal(valueOf(forbidden, METRIC_NAMES.errors, { code: 'UNAUTHENTICATED', status: '401' }), 1);
  });

  it('keeps each app’s metrics to itself', async () => {
    const other = await openTestApp();
    try {
      await other.app.inject(identifierUrl(legacy(1)));
      const mine = samplesOf((await t.app.inject('/metrics')).body);
      assert.equal(valueOf(mine, DURATION_COUNT, { operation: 'resolveIdentifier', namespace: ORDER, status: '200' }), 0);
      const theirs = samplesOf((await other.app.inject('/metrics')).body);
      assert.equal(valueOf(theirs, DURATION_COUNT, { operation: 'resolveIdentifier', namespace: ORDER, status: '200' }), 1);
    } finally {
      await other.close();
    }
  });

  it('serves no /metrics with metrics: false, and answers as usual', async () => {
    const off = await openTestApp({ metrics: false });
    try {
      const response = await off.app.inject('/metrics');
      assert.equal(response.statusCode, 404);
      assert.equal(body(response)['code'], 'INVALID_ARGUMENT');
      assert.equal((await off.app.inject(identifierUrl(legacy(1)))).statusCode, 200);
      const doc = body<{ paths: Record<string, unknown> }>(await off.app.inject('/v1/openapi.json'));
      assert.equal(doc.paths['/metrics'], undefined);
    } finally {
      await off.close();
    }
  });
});
