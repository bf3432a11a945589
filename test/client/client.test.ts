import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry as PromRegistry } from 'prom-client';
import { StableIdClient } from '../../src/client/index.js';
import { isStableIdError } from '../../src/model/errors.js';
import { openAuthTestApp } from '../http/fixtures.js';
import { ORDER, SKU, legacy, typeId } from '../registry/fixtures.js';
import { type LiveService, ManualClock, openLiveService } from './fixtures.js';

describe('client: lookups against a live service', () => {
  let service: LiveService;
  let clock: ManualClock;
  let client: StableIdClient;

  before(async () => {
    service = await openLiveService();
  });
  beforeEach(async () => {
    await client?.close();
    clock = new ManualClock();
    client = new StableIdClient({ endpoints: service.url, clock: clock.now, retries: 0, cache: { ttlMs: 1000, staleWhileRevalidateMs: 1000, staleIfErrorMs: 60_000, negativeTtlMs: 500 } });
    service.received.length = 0;
  });
  after(async () => {
    await client.close();
    await service.close();
  });

  it('resolves and translates, typed, from the service then from the cache', async () => {
    const first = await client.resolve(ORDER, legacy(1), { scheme: 'v1' });
    assert.equal(first.source, 'canonical');
    assert.equal(first.value.entity, 'ent_000001');
    assert.deepEqual(first.value.identifiers.map((i) => i.value), [legacy(1), typeId(1)]);
    const again = await client.resolve(ORDER, legacy(1), { scheme: 'v1' });
    assert.equal(again.source, 'fresh');
    assert.deepEqual(again.value, first.value);
    const translation = await client.translate(ORDER, legacy(1), 'v2');
    assert.equal(translation.source, 'canonical');
    assert.equal(translation.value.to.value, typeId(1));
    assert.equal(service.received.length, 2, 'the second resolve came from the cache');
  });

  it('turns a problem into a StableIdError with its code and context', async () => {
    await assert.rejects(client.resolve(ORDER, 'ORD-12', { scheme: 'v1' }), (error) => {
      assert.ok(isStableIdError(error, 'INVALID_IDENTIFIER'));
      assert.equal(error.context['rule'], 'pattern.match');
      assert.equal(error.context['scheme'], 'v1');
      assert.equal(error.context['status'], 422);
      assert.equal(error.context['source'], 'canonical');
      assert.equal(typeof error.context['correlationId'], 'string');
      return true;
    });
    await assert.rejects(client.resolve(SKU, '7'), (error) => isStableIdError(error, 'AMBIGUOUS_IDENTIFIER'));
    await assert.rejects(client.translate(ORDER, legacy(3), 'v2'), (error) => isStableIdError(error, 'TRANSLATION_NOT_FOUND'));
    await assert.rejects(client.resolve('nope', legacy(1)), (error) => isStableIdError(error, 'NAMESPACE_NOT_FOUND'));
  });

  it('answers batches item by item, in order', async () => {
    const resolved = await client.resolveMany(ORDER, [{ value: legacy(1) }, { value: legacy(42) }, { value: typeId(1), scheme: 'v2' }]);
    assert.deepEqual(resolved.map((item) => item.ok), [true, false, true]);
    const [one, missing, alias] = resolved;
    assert.ok(one?.ok && alias?.ok && missing && !missing.ok);
    assert.equal(one.value.entity, alias.value.entity);
    assert.equal(missing.error.code, 'IDENTIFIER_NOT_FOUND');
    const translated = await client.translateMany(ORDER, [{ value: legacy(1) }, { value: legacy(3) }], 'v2');
    assert.deepEqual(translated.map((item) => (item.ok ? item.value.to.value : item.error.code)), [typeId(1), 'TRANSLATION_NOT_FOUND']);
    assert.deepEqual(service.received.map((r) => `${r.method} ${r.url}`), [`POST /v1/namespaces/${ORDER}/resolve`, `POST /v1/namespaces/${ORDER}/translate`]);
    const none = await client.resolveMany('nope', [{ value: 'a' }, { value: 'b' }]);
    assert.deepEqual(none.map((item) => (item.ok ? 'ok' : item.error.code)), ['NAMESPACE_NOT_FOUND', 'NAMESPACE_NOT_FOUND']);
  });

  it('answers batch items from the cache where it can, asking the service for the rest only', async () => {
    await client.resolve(ORDER, legacy(1));
    service.received.length = 0;
    const items = await client.resolveMany(ORDER, [{ value: legacy(1) }, { value: legacy(3) }]);
    assert.deepEqual(items.map((item) => item.ok && item.source), ['fresh', 'canonical']);
    assert.deepEqual(service.received.map((r) => `${r.method} ${r.url}`), [`GET /v1/namespaces/${ORDER}/identifiers/${legacy(3)}`]);
  });

  it('makes exactly one request for 100 concurrent lookups of one identifier', async () => {
    const answers = await Promise.all(Array.from({ length: 100 }, () => client.resolve(ORDER, legacy(1))));
    assert.equal(service.received.length, 1);
    assert.ok(answers.every((answer) => answer.source === 'canonical' && answer.value.entity === 'ent_000001'));
  });

  it('sends single lookups made within the window as one batch request', async () => {
    const [one, two, missing, three] = await Promise.allSettled([
      client.resolve(ORDER, legacy(1)),
      client.resolve(ORDER, legacy(2)),
      client.resolve(ORDER, legacy(42)),
      client.resolve(ORDER, legacy(3), { scheme: 'v1' }),
    ]);
    assert.deepEqual(service.received.map((r) => `${r.method} ${r.url}`), [`POST /v1/namespaces/${ORDER}/resolve`]);
    assert.equal(one?.status === 'fulfilled' && one.value.value.identifier.value, legacy(1));
    assert.equal(two?.status === 'fulfilled' && two.value.value.identifier.state, 'deprecated');
    assert.equal(three?.status === 'fulfilled' && three.value.source, 'canonical');
    assert.ok(missing?.status === 'rejected' && isStableIdError(missing.reason, 'IDENTIFIER_NOT_FOUND'));
  });

  it('splits a window at the batch limit', async () => {
    const small = new StableIdClient({ endpoints: service.url, batchLimit: 2, batchWindowMs: 50 });
    try {
      await Promise.all([1, 2, 3].map((n) => small.resolve(ORDER, legacy(n))));
      assert.deepEqual(service.received.map((r) => r.method), ['POST', 'GET'], 'two full, then the rest');
    } finally {
      await small.close();
    }
  });

  it('remembers a not-found for the negative TTL only', async () => {
    await assert.rejects(client.resolve(ORDER, legacy(42)), (error) => isStableIdError(error, 'IDENTIFIER_NOT_FOUND') && error.context['source'] === 'canonical');
    await assert.rejects(client.resolve(ORDER, legacy(42)), (error) => isStableIdError(error, 'IDENTIFIER_NOT_FOUND') && error.context['source'] === 'negative');
    assert.equal(service.received.length, 1);
    clock.advance(500);
    await assert.rejects(client.resolve(ORDER, legacy(42)), (error) => isStableIdError(error, 'IDENTIFIER_NOT_FOUND') && error.context['source'] === 'canonical');
    assert.equal(service.received.length, 2);
    await assert.rejects(client.resolve(ORDER, 'ORD-12'), (error) => isStableIdError(error, 'INVALID_IDENTIFIER'));
    await assert.rejects(client.resolve(ORDER, 'ORD-12'), (error) => isStableIdError(error, 'INVALID_IDENTIFIER') && error.context['source'] === 'canonical');
    assert.equal(service.received.length, 4, 'only not-found is remembered');
  });

  it('serves a stale answer past the TTL and refreshes it in the background', async () => {
    await client.resolve(ORDER, legacy(3));
    clock.advance(1000);
    const stale = await client.resolve(ORDER, legacy(3));
    assert.equal(stale.source, 'stale');
    await client.idle();
    assert.equal(service.received.length, 2, 'one background refresh');
    assert.equal((await client.resolve(ORDER, legacy(3))).source, 'fresh');
  });

  it('never writes back a fetch whose key was invalidated while it was in flight (generation)', async () => {
    const inFlight = client.resolve(ORDER, legacy(1));
    assert.equal(client.invalidate(ORDER, legacy(1)), 0, 'nothing cached yet, but the fetch in flight is covered');
    assert.equal((await inFlight).source, 'canonical', 'its callers still get the answer');
    assert.equal((await client.resolve(ORDER, legacy(1))).source, 'canonical', 'but it was not cached');
    assert.equal((await client.resolve(ORDER, legacy(1))).source, 'fresh');

    clock.advance(1000);
    assert.equal((await client.resolve(ORDER, legacy(1))).source, 'stale', 'a background refresh is now in flight');
    client.invalidate(ORDER);
    await client.idle();
    assert.equal((await client.resolve(ORDER, legacy(1))).source, 'canonical', 'the refresh did not resurrect the invalidated entry');
  });

  it('invalidates by any identifier value an answer names', async () => {
    await client.resolve(ORDER, legacy(1));
    await client.resolve(ORDER, legacy(3));
    assert.equal(client.invalidate(ORDER, typeId(1)), 1, 'the alias names the resolution of the legacy value');
    assert.equal((await client.resolve(ORDER, legacy(3))).source, 'fresh');
    assert.equal(client.invalidate(ORDER), 1);
  });

  it('counts sources and the canonical share, into a Prometheus registry too', async () => {
    const registry = new PromRegistry();
    const counted = new StableIdClient({ endpoints: service.url, clock: clock.now, metrics: { registry } });
    try {
      await counted.resolve(ORDER, legacy(1));
      await counted.resolve(ORDER, legacy(1));
      await counted.resolve(ORDER, legacy(1));
      await assert.rejects(counted.resolve(ORDER, legacy(42)));
      await assert.rejects(counted.resolve(ORDER, legacy(42)));
      assert.deepEqual(counted.stats.counts(), { fresh: 2, stale: 0, negative: 1, canonical: 2, errors: 0 });
      assert.equal(counted.stats.canonicalShare(), 2 / 5);
      const text = await registry.metrics();
      assert.match(text, /^stableid_client_lookups_total\{source="fresh"\} 2$/m);
      assert.match(text, /^stableid_client_lookups_total\{source="canonical"\} 2$/m);
      assert.match(text, /^stableid_client_errors_total 0$/m);
      await counted.resolve(ORDER, legacy(1));
      const again = await registry.metrics();
      assert.match(again, /^stableid_client_lookups_total\{source="fresh"\} 3$/m, 'read at each scrape, never counted twice');
      assert.match(again, /^stableid_client_lookups_total\{source="canonical"\} 2$/m);
    } finally {
      await counted.close();
    }
  });
});

describe('client: tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let service: LiveService;

  before(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    service = await openLiveService();
  });
  after(async () => {
    await service.close();
    trace.disable();
    context.disable();
    await provider.shutdown();
  });

  it('makes a span per lookup and sends its traceparent', async () => {
    const client = new StableIdClient({ endpoints: service.url });
    try {
      await client.resolve(ORDER, legacy(1));
      await client.resolve(ORDER, legacy(1));
      const spans = exporter.getFinishedSpans().filter((span) => span.instrumentationScope.name === 'stableid-client');
      assert.deepEqual(spans.map((span) => [span.name, span.attributes['stableid.source']]), [
        ['stableid.resolve', 'canonical'],
        ['stableid.resolve', 'fresh'],
      ]);
      const first = spans[0]?.spanContext();
      assert.equal(service.received[0]?.headers['traceparent'], `00-${first?.traceId}-${first?.spanId}-01`);
    } finally {
      await client.close();
    }
  });

  it('makes a span for a warm answer too: a child of the caller\'s, with the lookup\'s attributes, sending nothing', async () => {
    const client = new StableIdClient({ endpoints: service.url });
    try {
      await client.translate(ORDER, legacy(1), 'v2', { scheme: 'v1' });
      exporter.reset();
      service.received.length = 0;
      const parent = await trace.getTracer('caller').startActiveSpan('handler', async (span) => {
        try {
          assert.equal((await client.translate(ORDER, legacy(1), 'v2', { scheme: 'v1' })).source, 'fresh');
          return span.spanContext();
        } finally {
          span.end();
        }
      });
      assert.equal(service.received.length, 0);
      const [warm] = exporter.getFinishedSpans().filter((span) => span.instrumentationScope.name === 'stableid-client');
      assert.equal(warm?.name, 'stableid.translate');
      assert.equal(warm.parentSpanContext?.spanId, parent.spanId);
      assert.equal(warm.spanContext().traceId, parent.traceId);
      assert.deepEqual(warm.attributes, { 'stableid.namespace': ORDER, 'stableid.scheme': 'v1', 'stableid.to': 'v2', 'stableid.source': 'fresh' });
    } finally {
      await client.close();
    }
  });

  it('records the spans of a client made before the tracer provider was registered', async () => {
    trace.disable();
    const client = new StableIdClient({ endpoints: service.url });
    trace.setGlobalTracerProvider(provider);
    try {
      exporter.reset();
      await client.resolve(ORDER, legacy(3));
      await client.resolve(ORDER, legacy(3));
      const spans = exporter.getFinishedSpans().filter((span) => span.instrumentationScope.name === 'stableid-client');
      assert.deepEqual(spans.map((span) => span.attributes['stableid.source']), ['canonical', 'fresh']);
    } finally {
      await client.close();
    }
  });
});

describe('client: bearer token', () => {
  it('sends the token; without one a guarded service answers UNAUTHENTICATED', async () => {
    const auth = await openAuthTestApp();
    const service = await openLiveService({ tokens: auth.tokens });
    const anonymous = new StableIdClient({ endpoints: service.url });
    const reader = new StableIdClient({ endpoints: service.url, token: auth.bearer.read.replace(/^Bearer /, '') });
    try {
      await assert.rejects(anonymous.resolve(ORDER, legacy(1)), (error) => isStableIdError(error, 'UNAUTHENTICATED'));
      assert.equal((await reader.resolve(ORDER, legacy(1))).value.entity, 'ent_000001');
    } finally {
      await anonymous.close();
      await reader.close();
      await service.close();
      await auth.close();
    }
  });
});
