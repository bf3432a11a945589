import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { remoteSpanContextOf } from '../../src/http/tracing.js';
import { legacy } from '../registry/fixtures.js';
import { type TestApp, identifierUrl, openTestApp } from './fixtures.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('http tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();
  const lines: string[] = [];
  let t: TestApp;

  /** The server spans ended so far; a span ends as its response finishes, which may be just after inject resolves. */
  const serverSpans = async (count: number): Promise<ReadableSpan[]> => {
    for (let tries = 0; tries < 100; tries++) {
      const spans = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
      if (spans.length >= count) return spans;
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.fail(`expected ${count} server spans, got ${exporter.getFinishedSpans().length} spans`);
  };
  const onlySpan = async (): Promise<ReadableSpan> => {
    const spans = await serverSpans(1);
    assert.equal(spans.length, 1);
    return spans[0] as ReadableSpan;
  };

  before(async () => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
    t = await openTestApp({ logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } });
  });
  beforeEach(() => {
    exporter.reset();
    lines.length = 0;
  });
  after(async () => {
    await t.close();
    trace.disable();
    context.disable();
    await provider.shutdown();
  });

  it('makes a SERVER span, child of the caller’s traceparent, named and attributed by the HTTP conventions', async () => {
    const response = await t.app.inject({ url: `${identifierUrl(legacy(1))}?scheme=v1`, headers: { traceparent: TRACEPARENT, tracestate: 'vendor=value' } });
    assert.equal(response.statusCode, 200);
    const span = await onlySpan();
    assert.equal(span.kind, SpanKind.SERVER);
    assert.equal(span.name, 'GET /v1/namespaces/:namespace/identifiers/:value');
    assert.equal(span.spanContext().traceId, TRACE_ID);
    assert.equal(span.parentSpanContext?.spanId, PARENT_ID);
    assert.equal(span.parentSpanContext?.isRemote, true);
    assert.equal(span.spanContext().traceState?.get('vendor'), 'value');
    assert.equal(span.instrumentationScope.name, 'stableid');
    assert.equal(span.instrumentationScope.version, VERSION);
    assert.deepEqual(span.attributes, {
      'http.request.method': 'GET',
      'url.path': identifierUrl(legacy(1)),
      'http.route': '/v1/namespaces/:namespace/identifiers/:value',
      'stableid.operation': 'resolveIdentifier',
      'stableid.namespace': 'order',
      'http.response.status_code': 200,
    });
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.equal(response.headers['traceparent'], `00-${TRACE_ID}-${span.spanContext().spanId}-01`);
    assert.equal(response.headers['x-correlation-id'], TRACE_ID, 'the correlation id is still the trace id');
  });

  it('starts a new trace without a traceparent, and says so in the response', async () => {
    const response = await t.app.inject('/v1/namespaces');
    const span = await onlySpan();
    assert.equal(span.parentSpanContext, undefined);
    assert.notEqual(span.spanContext().traceId, TRACE_ID);
    assert.equal(span.name, 'GET /v1/namespaces');
    assert.equal(response.headers['traceparent'], `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
  });

  it('ignores a malformed traceparent, never refusing the request', async () => {
    const malformed = [
      TRACEPARENT.toUpperCase(),
      `ff-${TRACE_ID}-${PARENT_ID}-01`,
      `00-${'0'.repeat(32)}-${PARENT_ID}-01`,
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
      `00-${TRACE_ID}-${PARENT_ID}-01-extra`,
      `00-${TRACE_ID}-${PARENT_ID}`,
      'garbage',
      '',
    ];
    for (const traceparent of malformed) {
      exporter.reset();
      const response = await t.app.inject({ url: '/healthz', headers: { traceparent } });
      assert.equal(response.statusCode, 200, traceparent);
      const span = await onlySpan();
      assert.equal(span.parentSpanContext, undefined, traceparent);
      assert.notEqual(span.spanContext().traceId, TRACE_ID, traceparent);
    }
    // A later version may add fields; its first four are read as version 00's.
    assert.equal(remoteSpanContextOf({ traceparent: `01-${TRACE_ID}-${PARENT_ID}-01-more` })?.traceId, TRACE_ID);
  });

  it('marks a 4xx with its error code but not as an error', async () => {
    const response = await t.app.inject({ url: identifierUrl(legacy(99)), headers: { traceparent: TRACEPARENT } });
    assert.equal(response.statusCode, 404);
    const span = await onlySpan();
    assert.equal(span.attributes['http.response.status_code'], 404);
    assert.equal(span.attributes['stableid.error.code'], 'IDENTIFIER_NOT_FOUND');
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.equal(response.headers['traceparent'], `00-${TRACE_ID}-${span.spanContext().spanId}-01`, 'errors carry it too');
  });

  it('names a span of no route by its method alone', async () => {
    assert.equal((await t.app.inject({ method: 'DELETE', url: '/nowhere?x=1' })).statusCode, 404);
    const span = await onlySpan();
    assert.equal(span.name, 'DELETE');
    assert.equal(span.attributes['http.route'], undefined);
    assert.equal(span.attributes['url.path'], '/nowhere');
    assert.equal(span.attributes['stableid.error.code'], 'INVALID_ARGUMENT');
  });

  it('sets ERROR status on a 5xx', async () => {
    const original = t.registry.listNamespaces;
    t.registry.listNamespaces = async () => {
      throw new TypeError('boom');
    };
    try {
      assert.equal((await t.app.inject('/v1/namespaces')).statusCode, 500);
    } finally {
      t.registry.listNamespaces = original;
    }
    const span = await onlySpan();
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes['stableid.error.code'], 'INTERNAL');
    assert.equal(span.attributes['error.type'], 'INTERNAL');
    assert.equal(span.attributes['http.response.status_code'], 500);
  });

  it('runs the handler’s registry calls inside the server span', async () => {
    const original = t.registry.resolve.bind(t.registry);
    let active: string | undefined;
    t.registry.resolve = async (...args) => {
      active = trace.getActiveSpan()?.spanContext().spanId;
      // A span the registry (or a driver's instrumentation) would start nests under the request's.
      trace.getTracer('test').startSpan('registry.resolve').end();
      await new Promise((resolve) => setImmediate(resolve));
      return original(...args);
    };
    try {
      assert.equal((await t.app.inject({ url: identifierUrl(legacy(1)), headers: { traceparent: TRACEPARENT } })).statusCode, 200);
    } finally {
      t.registry.resolve = original;
    }
    const server = await onlySpan();
    assert.equal(active, server.spanContext().spanId);
    const inner = exporter.getFinishedSpans().find((span) => span.name === 'registry.resolve');
    assert.equal(inner?.parentSpanContext?.spanId, server.spanContext().spanId);
    assert.equal(inner?.spanContext().traceId, TRACE_ID);
  });

  it('puts trace_id and span_id on the request’s log lines', async () => {
    await t.app.inject({ url: '/v1/namespaces/nope', headers: { traceparent: TRACEPARENT, 'x-correlation-id': 'req-traced' } });
    const span = await onlySpan();
    const mine = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry['correlationId'] === 'req-traced');
    const traced = mine.filter((entry) => entry['trace_id'] !== undefined);
    assert.ok(traced.some((entry) => entry['code'] === 'NAMESPACE_NOT_FOUND'), 'the error line');
    assert.ok(traced.some((entry) => entry['msg'] === 'request completed'), 'the completion line');
    for (const entry of traced) {
      assert.equal(entry['trace_id'], TRACE_ID);
      assert.equal(entry['span_id'], span.spanContext().spanId);
    }
  });

  it('ends the span of a request whose client went away before the answer, as an error', async () => {
    const original = t.registry.listNamespaces;
    let asked: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => {
      asked = resolve;
    });
    let release: () => void = () => undefined;
    t.registry.listNamespaces = async () => {
      asked();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return original.call(t.registry);
    };
    try {
      const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const answered = await onlySpan();
      assert.equal(answered.status.code, SpanStatusCode.UNSET, 'a connection closing after the answer is no abort');
      assert.equal(answered.attributes['error.type'], undefined);
      exporter.reset();
      const controller = new AbortController();
      const gone = fetch(`${base}/v1/namespaces`, { signal: controller.signal }).then(
        () => 'answered',
        () => 'aborted',
      );
      await inHandler;
      controller.abort();
      assert.equal(await gone, 'aborted');
      const span = await onlySpan();
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.equal(span.attributes['error.type'], 'aborted');
    } finally {
      release();
      t.registry.listNamespaces = original;
    }
  });
});

describe('http tracing: no SDK registered', () => {
  let t: TestApp;
  before(async () => {
    t = await openTestApp();
  });
  after(async () => t.close());

  it('adds no traceparent of its own, and echoes a caller’s', async () => {
    const plain = await t.app.inject('/healthz');
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.headers['traceparent'], undefined);
    const traced = await t.app.inject({ url: identifierUrl(legacy(1)), headers: { traceparent: TRACEPARENT } });
    assert.equal(traced.statusCode, 200);
    assert.equal(traced.headers['traceparent'], TRACEPARENT, 'no span of its own: the caller’s context goes on');
  });

  it('sends spans to the tracerProvider option instead, leaving the global one alone', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const own = await openTestApp({ tracerProvider: provider });
    try {
      const response = await own.app.inject({ url: '/healthz', headers: { traceparent: TRACEPARENT } });
      assert.equal((await t.app.inject('/healthz')).headers['traceparent'], undefined);
      for (let tries = 0; tries < 100 && exporter.getFinishedSpans().length === 0; tries++) await new Promise((resolve) => setImmediate(resolve));
      const [span] = exporter.getFinishedSpans();
      assert.equal(span?.name, 'GET /healthz');
      assert.equal(span?.attributes['stableid.operation'], 'healthz');
      assert.equal(response.headers['traceparent'], `00-${TRACE_ID}-${span?.spanContext().spanId}-01`);
    } finally {
      await own.close();
      await provider.shutdown();
    }
  });
});
