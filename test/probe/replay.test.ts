import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseScope } from '../../src/auth/scopes.js';
import { SqliteTokenStore } from '../../src/auth/sqlite-token-store.js';
import {
  type Probe,
  type ProbeReport,
  type ProbeTarget,
  RegistryTarget,
  SdkTarget,
  ServiceTarget,
  ShimTarget,
  recordProbe,
  replayProbe,
} from '../../src/probe/index.js';
import { deadEndpoint, type LiveService, openLiveService } from '../client/fixtures.js';
import { ORDER, SKU, legacy, rejectsWith, typeId } from '../registry/fixtures.js';
import { type FakeShim, openFakeShim, remap } from './fixtures.js';

/** Each target's [name, checked, passed, missing, changed, errors]. */
const counts = (report: ProbeReport): (string | number)[][] => report.targets.map((t) => [t.target, t.checked, t.passed, t.missing, t.changed, t.errors]);

/** Each target's failing identifiers as "kind value". */
const failing = (report: ProbeReport): Record<string, string[]> =>
  Object.fromEntries(report.targets.map((t) => [t.target, t.failures.map((f) => `${f.kind} ${f.value}`)]));

describe('probe replay through the registry, the service, the SDK and a shim', () => {
  let service: LiveService;
  let shim: FakeShim;
  let probe: Probe;
  const opened: ProbeTarget[] = [];
  const targets = (): ProbeTarget[] => {
    const all = [new RegistryTarget(service.registry), new ServiceTarget({ url: service.url }), new SdkTarget({ endpoints: service.url }), new ShimTarget({ template: shim.template })];
    opened.push(...all);
    return all;
  };

  before(async () => {
    service = await openLiveService();
    shim = await openFakeShim(service.registry, { entityHeader: true });
    probe = await recordProbe(service.registry, { seed: 'replay' });
  });
  after(async () => {
    await Promise.all(opened.map((target) => target.close()));
    await shim.close();
    await service.close();
  });

  it('passes on every target while nothing changed, with latency figures', async () => {
    assert.equal(probe.records.length, 6);
    // The shim fronts order only, the way an application's endpoint does.
    const report = await replayProbe(probe, targets(), { namespaces: [ORDER] });
    assert.equal(report.ok, true, JSON.stringify(report.targets.map((t) => t.failures)));
    assert.equal(report.records, 4);
    assert.deepEqual(counts(report), [
      ['registry', 4, 4, 0, 0, 0],
      ['service', 4, 4, 0, 0, 0],
      ['sdk', 4, 4, 0, 0, 0],
      ['shim', 4, 4, 0, 0, 0],
    ]);
    for (const target of report.targets) {
      assert.equal(target.latencyMs.count, 4);
      assert.ok(target.latencyMs.p50 <= target.latencyMs.p95 && target.latencyMs.p95 <= target.latencyMs.p99 && target.latencyMs.p99 <= target.latencyMs.max);
    }
    assert.ok(shim.asked.includes(`/order/${typeId(1)}`));
  });

  it('replays an identifier that needs its scheme with its scheme, and without when it was found without', async () => {
    service.received.length = 0;
    const report = await replayProbe(probe, [new ServiceTarget({ url: `${service.url}/v1` })], { namespaces: [SKU] });
    assert.equal(report.ok, true);
    assert.deepEqual(service.received.map((r) => r.url).sort(), ['/v1/namespaces/sku/identifiers/7?scheme=catalog', '/v1/namespaces/sku/identifiers/7?scheme=legacy']);
    service.received.length = 0;
    await replayProbe(probe, [new ServiceTarget({ url: service.url })], { namespaces: [ORDER] });
    assert.ok(service.received.every((r) => !r.url.includes('?scheme=')));
  });

  it('fails, naming the identifiers, when one resolves to another entity and one is gone', async () => {
    await remap(service.registry, ORDER, legacy(3));
    await service.registry.erase({ namespace: ORDER, identifier: { value: legacy(2) } }, { reason: 'test: lose one' });
    const report = await replayProbe(probe, targets(), { namespaces: [ORDER] });
    assert.equal(report.ok, false);
    assert.deepEqual(counts(report), [
      ['registry', 4, 2, 1, 1, 0],
      ['service', 4, 2, 1, 1, 0],
      ['sdk', 4, 2, 1, 1, 0],
      ['shim', 4, 2, 1, 1, 0],
    ]);
    const expected = [`missing ${legacy(2)}`, `changed ${legacy(3)}`];
    assert.deepEqual(failing(report), { registry: expected, service: expected, sdk: expected, shim: expected });
    const [changed] = report.targets[1]?.failures.filter((f) => f.kind === 'changed') ?? [];
    const now = await service.registry.resolve(ORDER, { value: legacy(3) });
    assert.deepEqual(changed?.actual, { entity: now.entity, state: 'active' });
    assert.notEqual(changed?.expected.entity, now.entity);
    const [missing] = report.targets[2]?.failures ?? [];
    assert.equal((missing?.actual as { code: string }).code, 'IDENTIFIER_NOT_FOUND');
  });

  it('takes a shim that does not name the entity at its word: recognized passes', async () => {
    const plain = await openFakeShim(service.registry, { entityHeader: false });
    try {
      const report = await replayProbe(probe, [new ShimTarget({ template: plain.template })], { namespaces: [ORDER] });
      assert.deepEqual(failing(report), { shim: [`missing ${legacy(2)}`] });
    } finally {
      await plain.close();
    }
  });

  it("judges a shim's problem answers by their code: a value its URL cannot name the scheme of is not recognized", async () => {
    const report = await replayProbe(probe, [new ShimTarget({ template: shim.template })], { namespaces: [SKU] });
    assert.deepEqual(failing(report), { shim: ['missing 7', 'missing 7'] });
    assert.equal((report.targets[0]?.failures[0]?.actual as { code: string }).code, 'AMBIGUOUS_IDENTIFIER');
  });

  it('counts a target that does not answer as errors, not as missing identifiers', async () => {
    const dead = await deadEndpoint();
    const unreachable = [
      new ServiceTarget({ url: dead, timeoutMs: 500 }),
      new SdkTarget({ endpoints: dead, timeoutMs: 500 }),
      new ShimTarget({ template: `${dead}/{value}`, timeoutMs: 500 }),
    ];
    opened.push(...unreachable);
    const report = await replayProbe(probe, unreachable, { namespaces: [SKU] });
    assert.deepEqual(counts(report), [
      ['service', 2, 0, 0, 0, 2],
      ['sdk', 2, 0, 0, 0, 2],
      ['shim', 2, 0, 0, 0, 2],
    ]);
    assert.ok(report.targets.every((t) => t.failures.every((f) => 'code' in f.actual && f.actual.code === 'SERVICE_UNAVAILABLE')));
  });

  it('refuses bad targets and options', async () => {
    await rejectsWith(async () => new ShimTarget({ template: 'http://host/orders/' }), 'INVALID_ARGUMENT');
    await rejectsWith(async () => new ServiceTarget({ url: 'ftp://host' }), 'INVALID_ARGUMENT');
    await rejectsWith(async () => new SdkTarget({ endpoints: 'not a url' }), 'INVALID_ARGUMENT');
    await rejectsWith(replayProbe(probe, []), 'INVALID_ARGUMENT');
    await rejectsWith(replayProbe(probe, [new RegistryTarget(service.registry)], { concurrency: 0 }), 'INVALID_ARGUMENT');
  });
});

describe('probe replay through a service that needs a token', () => {
  it('sends the token to the service and the SDK; without it, every lookup is an error', async () => {
    const tokens = SqliteTokenStore.open(':memory:');
    const { secret } = await tokens.create({ actor: 'probe-bot', scopes: [parseScope('*:read')], createdBy: 'test', now: new Date() });
    const service = await openLiveService({ tokens });
    const targets = [new ServiceTarget({ url: service.url, token: secret }), new SdkTarget({ endpoints: service.url, token: secret }), new ServiceTarget({ url: service.url })];
    try {
      const probe = await recordProbe(service.registry, { seed: 'token' });
      const report = await replayProbe(probe, targets);
      assert.deepEqual(counts(report), [
        ['service', 6, 6, 0, 0, 0],
        ['sdk', 6, 6, 0, 0, 0],
        ['service', 6, 0, 0, 0, 6],
      ]);
      assert.equal((report.targets[2]?.failures[0]?.actual as { code: string }).code, 'UNAUTHENTICATED');
    } finally {
      await Promise.all(targets.map((target) => target.close()));
      await service.close();
      await tokens.close();
    }
  });
});
