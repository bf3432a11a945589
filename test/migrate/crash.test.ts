import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { WaveRecord } from '../../src/migrate/runner.js';
import { type BeforeImage, type RunRecord, openRunStore } from '../../src/migrate/runs/index.js';
import { type JsonObject, type Source, openSource } from '../../src/migrate/source/index.js';
import type { IdentifierView } from '../../src/model/types.js';
import { openRegistry } from '../../src/open.js';
import type { Registry } from '../../src/registry/registry.js';
import { ORDER, allEvents, defineOrder, legacy, typeId } from '../registry/fixtures.js';
import { dropPrefix, freshPrefix, rawRedis, redisSkip, redisUrl } from '../sources/redis-env.js';
import { type DynamoDbLocal, LOCAL_AWS_ENV, startDynamoDbLocal } from '../sources/dynamodb-local.js';
import { createTable, rawDynamo } from '../sources/dynamodb-source-kind.js';
import { contents, insertOrders, order, rekey } from './fixtures.js';
import { seededRandom } from '../support/seeded-random.js';

/**
 * The crash test: a runner process (test/migrate/crash-runner.ts) is killed
 * with SIGKILL at a random instant — while it plans and registers, in the
 * middle of a wave or of a batch, at a gate — and then run again until it
 * finishes. The end state must be the one an uninterrupted run leaves:
 * every document once, under its new key, with the same body; every
 * identifier resolving to one entity bound to that key, its new identifier
 * derived from it; the same registry events; the registry verifying clean;
 * one completed run with one record per wave; one before-image per
 * document. After each kill, too, every document is in the source exactly
 * once (under its old key or its new one).
 *
 * Kills are aimed by a seeded generator (CRASH_SEED; a random seed by
 * default, printed): a phase (start-up and planning, a gate, a batch of a
 * wave) and a delay after the runner's n-th checkpointed batch, so a
 * failing trial can be replayed — though where exactly a delay lands
 * depends on the machine's speed. Each trial reports the phase its kills
 * hit, read from what the runner left behind. It runs on every kind of
 * source: SQLite (20 trials), Redis and DynamoDB (10 each; Redis skips with
 * a line saying why where there is none). CRASH_TRIALS sets the number of
 * trials of each, CRASH_KEEP=1 keeps their files.
 */
const N = 300;
const BATCH = 7;
const TRIALS = process.env['CRASH_TRIALS'] === undefined ? undefined : Number(process.env['CRASH_TRIALS']);
/** Short, so that a resumed runner does not wait long for its killed predecessor's lease. */
const LEASE_MS = 300;
const SEED = Number(process.env['CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const numbers = Array.from({ length: N }, (_, i) => i + 1);
const RUNNER = fileURLToPath(new URL('./crash-runner.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Place {
  readonly registry: string;
  /** The source as the runner opens it: a SQLite file, or a source URL. */
  readonly source: string;
  /** What the runner's environment needs to reach the source. */
  readonly env: Readonly<Record<string, string>>;
}

/** Where a kind of source keeps one trial's documents: a fresh, empty place the runner opens by reference, removed afterwards. */
interface CrashSource {
  readonly name: string;
  readonly skip: string | false;
  /** Trials by default (CRASH_TRIALS overrides): the service-backed sources run fewer than the embedded one. */
  readonly trials: number;
  /** What the runner's environment needs besides the test's own. */
  readonly env?: Readonly<Record<string, string>>;
  place(dir: string, label: string): Promise<{ readonly reference: string; drop(): Promise<void> }>;
  /** Stops what the kind started for its trials, once they are done. */
  stop?(): Promise<void>;
}

const sqliteCrash: CrashSource = {
  name: 'sqlite',
  skip: false,
  trials: 20,
  place: async (dir) => ({ reference: join(dir, 'source.db'), drop: async () => undefined }),
};

async function redisCrash(): Promise<CrashSource> {
  const run = freshPrefix().slice(0, -1);
  return {
    name: 'redis',
    skip: await redisSkip(),
    trials: 10,
    async place(_dir, label) {
      const prefix = `crash_${run}_${label}:`;
      return {
        reference: redisUrl({ prefix }),
        async drop() {
          const raw = rawRedis();
          try {
            await dropPrefix(raw, prefix);
          } finally {
            raw.disconnect();
          }
        },
      };
    },
  };
}

/** DynamoDB: one local endpoint (dynalite behind the transaction proxy) in this process for all trials, each trial's table under a prefix of its own. */
function dynamoCrash(): CrashSource {
  // This process opens the source by reference too, to seed and inspect it, as the runner does: with the same credentials.
  for (const [name, value] of Object.entries(LOCAL_AWS_ENV)) process.env[name] ??= value;
  let local: Promise<DynamoDbLocal> | undefined;
  return {
    name: 'dynamodb',
    skip: false,
    trials: 10,
    env: LOCAL_AWS_ENV,
    async place(_dir, label) {
      local ??= startDynamoDbLocal();
      const endpoint = await local;
      const prefix = `${label}_`;
      const raw = rawDynamo(endpoint);
      try {
        await createTable(raw, `${prefix}${rekey.collection}`);
      } finally {
        raw.destroy();
      }
      // Tables live in the endpoint's memory, gone when it stops.
      return { reference: endpoint.url({ prefix }), drop: async () => undefined };
    },
    async stop() {
      await (await local)?.stop();
    },
  };
}

const SOURCES: CrashSource[] = [sqliteCrash, await redisCrash(), dynamoCrash()];

/** A registry file with the `order` namespace and its schemes, and a source with N legacy orders. */
async function prepare(dir: string, sourceReference: string, env: Readonly<Record<string, string>>): Promise<Place> {
  mkdirSync(dir, { recursive: true });
  const place = { registry: join(dir, 'registry.db'), source: sourceReference, env };
  const registry = openRegistry(place.registry, { actor: 'crash-test' });
  try {
    await defineOrder(registry);
  } finally {
    await registry.close();
  }
  const source = openSource(place.source);
  try {
    const collection = await source.collection(rekey.collection);
    await insertOrders(
      collection,
      numbers.map((n) => ({ key: legacy(n), body: order(n) })),
    );
  } finally {
    await source.close();
  }
  return place;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where a kill aims: a delay after the runner's n-th checkpointed batch, or (n = 0) after it said "ready", while it plans, registers and takes digests or picks its run up again. */
interface Aim {
  readonly afterBatches: number;
  readonly delayMs: number;
}

interface Runner {
  /** Resolves when the runner said "ready": stores open, migration about to start. */
  readonly ready: Promise<void>;
  /** The instants (performance.now()) of "ready" and of each batch's progress line. */
  readonly times: { ready: number; batches: { wave: number; at: number }[] };
  readonly exit: Promise<Exit>;
  /** Whether the aimed kill was sent. */
  readonly killed: () => boolean;
}

function startRunner(place: Place, aim?: Aim): Runner {
  const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, place.registry, place.source, String(BATCH)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...place.env, CRASH_LEASE_MS: String(LEASE_MS) },
  });
  let stdout = '';
  let stderr = '';
  let pending = '';
  let killed = false;
  let timer: NodeJS.Timeout | undefined;
  const times = { ready: Number.NaN, batches: [] as { wave: number; at: number }[] };
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const aimAt = (batches: number): void => {
    if (aim?.afterBatches !== batches) return;
    timer = setTimeout(() => {
      killed = child.kill('SIGKILL');
    }, aim.delayMs);
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const at = performance.now();
      if (line === 'ready') {
        times.ready = at;
        onReady();
        aimAt(0);
      } else if (line.startsWith('progress ')) {
        times.batches.push({ wave: Number(line.split(' ')[1]), at });
        aimAt(times.batches.length);
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return {
    ready: Promise.race([ready, exit.then((e) => Promise.reject(new Error(`the runner ended before it was ready (${e.code ?? e.signal}): ${e.stderr}`)))]),
    times,
    exit,
    killed: () => killed,
  };
}

/** Runs the runner to its end, which must be success. */
async function runToEnd(place: Place): Promise<{ run: string; status: string }> {
  const exit = await startRunner(place).exit;
  assert.equal(exit.code, 0, `the runner failed (${exit.code ?? exit.signal}): ${exit.stderr}`);
  return JSON.parse(exit.stdout.trim().split('\n').at(-1) as string) as { run: string; status: string };
}

/** How an uninterrupted run spends its time: before its first batch, per batch, and the batches of each wave. */
interface Profile {
  readonly planningMs: number;
  readonly batchMs: number;
  /** How many batches end each wave, cumulatively (the gate follows). */
  readonly waveEnds: readonly number[];
  /** The time from each wave's last batch to the next wave's first (or to the end): the gate, mostly. */
  readonly gateMs: readonly number[];
}

function profileOf(times: Runner['times'], end: number): Profile {
  const { batches } = times;
  const waveEnds = [...new Set(batches.map((b) => b.wave))].map((wave) => batches.filter((b) => b.wave <= wave).length);
  const gaps = batches.slice(1).map((b, index) => ({ same: b.wave === batches[index]?.wave, ms: b.at - (batches[index]?.at ?? 0) }));
  const within = gaps.filter((g) => g.same).map((g) => g.ms).sort((a, b) => a - b);
  return {
    planningMs: (batches[0]?.at ?? end) - times.ready,
    batchMs: within[Math.floor(within.length / 2)] ?? 5,
    waveEnds,
    gateMs: waveEnds.map((n) => (batches[n]?.at ?? end) - (batches[n - 1]?.at ?? end)),
  };
}

/**
 * A kill aimed at one phase: a quarter while planning and registering, a
 * sixth at a gate, the rest at a random batch of a random wave, somewhere
 * within the batch that follows it. A resumed runner has fewer batches
 * left: it is killed while it picks its run up, or within its first ten.
 */
function aim(profile: Profile, next: () => number, resumed: boolean): Aim {
  const phase = next();
  const u = next();
  if (resumed) {
    return phase < 0.3 ? { afterBatches: 0, delayMs: Math.round(u * profile.planningMs) } : { afterBatches: 1 + Math.floor(u * 10), delayMs: Math.round(next() * profile.batchMs) };
  }
  if (phase < 0.25) return { afterBatches: 0, delayMs: Math.round(u * profile.planningMs) };
  if (phase < 0.4) {
    const wave = Math.floor(u * profile.waveEnds.length);
    // The last gate is followed by the end of the run: aim early enough not to miss.
    const gateMs = (profile.gateMs[wave] ?? 0) * (wave === profile.waveEnds.length - 1 ? 0.6 : 1);
    return { afterBatches: profile.waveEnds[wave] ?? 1, delayMs: Math.round(next() * gateMs) };
  }
  const total = profile.waveEnds.at(-1) ?? 1;
  return { afterBatches: 1 + Math.floor(u * total), delayMs: Math.round(next() * profile.batchMs) };
}

async function withStores<T>(place: Place, fn: (registry: Registry, runs: ReturnType<typeof openRunStore>, source: Source) => Promise<T>): Promise<T> {
  const registry = openRegistry(place.registry, { actor: 'crash-test' });
  const runs = openRunStore(place.registry);
  const source = openSource(place.source);
  try {
    return await fn(registry, runs, source);
  } finally {
    await source.close();
    await runs.close();
    await registry.close();
  }
}

const describeRuns = (runs: readonly RunRecord[]): string =>
  runs.map((run) => `${run.id} (${run.status}, wave ${run.wave + 1}, created ${run.createdAt}, ${((run.details['waves'] as unknown[] | undefined) ?? []).length} waves recorded)`).join(', ');

async function documentsOf(source: Source): Promise<Map<string, JsonObject>> {
  return contents(await source.collection(rekey.collection));
}

async function beforeImagesOf(runs: ReturnType<typeof openRunStore>, run: string): Promise<BeforeImage[]> {
  const images: BeforeImage[] = [];
  for (;;) {
    const page = await runs.beforeImages(run, images.at(-1)?.key ?? null, 1000);
    if (page.length === 0) return images;
    images.push(...page);
  }
}

/** Every order is in the source exactly once: under its legacy key or under its new one, never both, never neither. */
function assertEachDocumentOnce(documents: ReadonlyMap<string, JsonObject>, when: string): void {
  const wrong = numbers.filter((n) => Number(documents.has(legacy(n))) + Number(documents.has(typeId(n))) !== 1);
  assert.deepEqual(wrong, [], `${when}: orders lost or duplicated`);
  assert.equal(documents.size, N, `${when}: the source holds ${documents.size} documents`);
}

/**
 * Where a killed runner stopped, read from what it left behind: no run yet
 * (planning, registering, taking digests), or the wave, batch and the steps
 * of the batch under way (before-images saved, documents moved, versions recorded).
 */
async function phaseOf(place: Place): Promise<string> {
  return withStores(place, async (registry, runs, source) => {
    const documents = await documentsOf(source);
    assertEachDocumentOnce(documents, 'after a kill');
    // The newest run: an earlier one is there only when a kill came too late and the migration had finished.
    const [run] = await runs.listRuns(rekey.id);
    if (!run) {
      const resolved = await registry.resolveMany(
        ORDER,
        numbers.map((n) => ({ scheme: 'v1', value: legacy(n) })),
      );
      const registered = resolved.filter((r) => r.ok).length;
      return registered === 0 ? 'planning' : registered < N ? `registering (${registered}/${N})` : 'digests before the run (all registered, no run record)';
    }
    if (run.status === 'completed') return 'after the run completed';
    const images = await beforeImagesOf(runs, run.id);
    const moved = numbers.filter((n) => documents.has(typeId(n))).length;
    const versions = images.filter((image) => image.afterVersion !== null).length;
    const steps = `[${images.length} before-images, ${moved} moved, ${versions} versions recorded]`;
    const recorded = ((run.details['waves'] as unknown as WaveRecord[] | undefined) ?? []).length;
    if (recorded > run.wave) return `after gate ${run.wave + 1}, before wave ${run.wave + 2} ${steps}`;
    const checkpoints = await runs.checkpoints(run.id, run.wave);
    const seen = checkpoints.reduce((sum, c) => sum + (c.counts['seen'] ?? 0), 0);
    if (checkpoints.length > 0 && checkpoints.every((c) => c.done)) return `gate ${run.wave + 1} ${steps}`;
    return `wave ${run.wave + 1}, batch ${Math.round(seen / BATCH) + 1} ${steps}`;
  });
}

/** What the end state is made of, with what differs between registries by chance (entity ids, run ids, paths, instants) named by its role. */
interface Snapshot {
  readonly documents: readonly (readonly [string, JsonObject])[];
  readonly identifiers: readonly unknown[];
  readonly entities: number;
  readonly events: Readonly<Record<string, number>>;
  readonly verified: boolean;
  readonly run: { readonly status: string; readonly waves: readonly unknown[] };
  readonly beforeImages: readonly unknown[];
}

async function snapshot(place: Place): Promise<Snapshot & { readonly versionsMissing: number }> {
  return withStores(place, async (registry, runs, source) => {
    const documents = await documentsOf(source);
    assertEachDocumentOnce(documents, 'at the end');
    // One run did the work. When a kill came too late, the next runner found the migration finished and recorded a run that wrote nothing.
    const all = await runs.listRuns(rekey.id);
    const run = all.at(-1);
    assert.ok(run, 'a run was recorded');
    for (const again of all.slice(0, -1)) {
      const written = ((again.details['waves'] as unknown as WaveRecord[] | undefined) ?? []).reduce((sum, w) => sum + w.counts.written, 0);
      assert.ok(again.status === 'completed' && written === 0 && (await runs.beforeImages(again.id, null, 1)).length === 0, `one run did the work, found ${describeRuns(all)}`);
    }
    const role = (value: string | null): string | null => (value === run.id ? '<run>' : value === source.description ? '<source>' : value);
    const view = (i: IdentifierView): unknown => ({ scheme: i.scheme, value: i.value, state: i.state, derivedFrom: i.derivedFrom, migration: role(i.migration) });
    const v1 = numbers.map((n) => ({ scheme: 'v1', value: legacy(n) }));
    const resolved = await registry.resolveMany(ORDER, v1);
    const byV2 = await registry.resolveMany(
      ORDER,
      numbers.map((n) => ({ scheme: 'v2', value: typeId(n) })),
    );
    const translated = await registry.translateMany(ORDER, v1, 'v2');
    const entities = new Set<string>();
    const identifiers = numbers.map((n, index) => {
      const r = resolved[index];
      const v2 = byV2[index];
      const t = translated[index];
      assert.ok(r?.ok && v2?.ok && t?.ok, `order ${n} resolves in v1 and v2 and translates`);
      entities.add(r.result.entity);
      const binding = r.result.binding;
      return {
        sameEntity: r.result.entity === v2.result.entity && r.result.entity === t.result.entity,
        binding: binding && { store: role(binding.store), collection: binding.collection, key: binding.key, version: binding.version, migration: role(binding.migration) },
        translated: t.result.to.value,
        identifiers: r.result.identifiers.map(view),
      };
    });
    const events: Record<string, number> = {};
    for (const event of await allEvents(registry, ORDER)) events[event.type] = (events[event.type] ?? 0) + 1;
    const images = await beforeImagesOf(runs, run.id);
    return {
      documents: [...documents].sort(([a], [b]) => (a < b ? -1 : 1)),
      identifiers,
      entities: entities.size,
      events,
      verified: (await registry.verify()).ok,
      run: {
        status: run.status,
        waves: ((run.details['waves'] as unknown as WaveRecord[] | undefined) ?? []).map((w) => ({ wave: w.wave, percent: w.percent, gate: w.gate.ok })),
      },
      // What rollback would work from: one image per document, under its old key, with its binding before the run.
      beforeImages: images.map((image) => ({ key: image.key, newKey: image.newKey, before: image.before, binding: image.binding && { ...image.binding, store: role(String(image.binding['store'])) } })),
      versionsMissing: images.filter((image) => image.afterVersion === null).length,
    };
  });
}

for (const kind of SOURCES) {
  describe(`a migration runner killed (SIGKILL) at random points and resumed, on the ${kind.name} source`, { concurrency: 2, skip: kind.skip }, () => {
    let dir: string;
    let expected: Snapshot;
    let profile: Profile;
    const phases: string[] = [];

    const drops: (() => Promise<void>)[] = [];
    /** A fresh registry and source for one run of the migration. */
    const fresh = async (label: string): Promise<Place> => {
      const source = await kind.place(join(dir, label), label);
      drops.push(() => source.drop());
      return prepare(join(dir, label), source.reference, kind.env ?? {});
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'stableid-crash-'));
      const place = await fresh('uninterrupted');
      const runner = startRunner(place);
      const exit = await runner.exit;
      assert.equal(exit.code, 0, exit.stderr);
      profile = profileOf(runner.times, performance.now());
      const { versionsMissing, ...uninterrupted } = await snapshot(place);
      // The uninterrupted run itself is right: each order under its TypeID, migrated, resolvable both ways, bound to its new key.
      assert.equal(versionsMissing, 0);
      assert.deepEqual(
        uninterrupted.documents.map(([key]) => key),
        numbers.map((n) => typeId(n)).sort(),
      );
      for (const [key, body] of uninterrupted.documents) {
        assert.deepEqual(body['_stableid'], { migrations: [rekey.id] }, `${key} is marked`);
        assert.equal(body['publicId'], key);
      }
      assert.equal(uninterrupted.entities, N);
      uninterrupted.identifiers.forEach((identifier, index) => {
        const n = numbers[index] as number;
        assert.deepEqual(identifier, {
          sameEntity: true,
          binding: { store: '<source>', collection: 'orders', key: typeId(n), version: 2, migration: '<run>' },
          translated: typeId(n),
          identifiers: [
            { scheme: 'v1', value: legacy(n), state: 'active', derivedFrom: null, migration: null },
            { scheme: 'v2', value: typeId(n), state: 'active', derivedFrom: { scheme: 'v1', value: legacy(n) }, migration: '<run>' },
          ],
        });
      });
      assert.equal(uninterrupted.verified, true);
      assert.deepEqual(uninterrupted.run, {
        status: 'completed',
        waves: [
          { wave: 1, percent: 10, gate: true },
          { wave: 2, percent: 50, gate: true },
          { wave: 3, percent: 100, gate: true },
        ],
      });
      expected = uninterrupted;
      process.stdout.write(
        `# crash test on ${kind.name}: seed ${SEED} (CRASH_SEED=${SEED} replays the aims), ${TRIALS ?? kind.trials} trials; uninterrupted run: ${Math.round(profile.planningMs)} ms to its first batch, ` +
          `${profile.waveEnds.join('/')} batches by the end of each wave, ${Math.round(profile.batchMs)} ms a batch\n`,
      );
    });

    after(async () => {
      if (phases.length > 0) process.stdout.write(`# crash test on ${kind.name} (seed ${SEED}) killed at:\n${phases.map((p) => `#   ${p}`).join('\n')}\n`);
      // CRASH_KEEP=1 keeps the trials' files to look into.
      if (process.env['CRASH_KEEP']) process.stdout.write(`# crash test files kept in ${dir}\n`);
      else {
        for (const drop of drops) await drop();
        rmSync(dir, { recursive: true, force: true });
      }
      await kind.stop?.();
    });

    const trials = TRIALS ?? kind.trials;
    for (let trial = 1; trial <= trials; trial++) {
      it(`trial ${trial}: ends as an uninterrupted run does`, async (t) => {
        const next = seededRandom(SEED * 1000 + trial);
        const place = await fresh(`trial-${trial}`);
        // Most trials are killed once; some again while resuming.
        const kills = next() < 0.3 ? 2 : 1;
        const hit: string[] = [];
        for (let kill = 1; kill <= kills; kill++) {
          const target = aim(profile, next, kill > 1);
          const runner = startRunner(place, target);
          const exit = await runner.exit;
          const aimed = `kill ${kill} ${target.delayMs} ms after ${target.afterBatches === 0 ? 'start-up' : `batch ${target.afterBatches}`}`;
          // A kill sent as the runner was already finishing may find it gone: that trial simply missed.
          if (runner.killed() && exit.signal !== null) {
            assert.equal(exit.signal, 'SIGKILL', `the runner ended on a signal other than the kill: ${exit.stderr}`);
            hit.push(`${aimed}: ${await phaseOf(place)}`);
          } else {
            assert.equal(exit.code, 0, `the runner failed before its kill (${exit.code ?? exit.signal}): ${exit.stderr}`);
            hit.push(`${aimed}: missed, the runner finished first`);
          }
        }
        const finished = await runToEnd(place);
        assert.equal(finished.status, 'completed');
        const { versionsMissing, ...state } = await snapshot(place);
        const where = `seed ${SEED}, trial ${trial}, ${hit.join('; ')}`;
        t.diagnostic(where);
        phases.push(`trial ${trial}: ${hit.join('; ')}${versionsMissing > 0 ? ` — ${versionsMissing} before-image(s) left without the version the run wrote` : ''}`);
        assert.deepEqual(state.documents, expected.documents, `${where}: documents`);
        assert.equal(state.entities, N, `${where}: one entity per order`);
        assert.deepEqual(state.identifiers, expected.identifiers, `${where}: identifiers, entities and bindings`);
        assert.equal(state.verified, true, `${where}: verify`);
        assert.deepEqual(state.run, expected.run, `${where}: the run record`);
        assert.deepEqual(state.beforeImages, expected.beforeImages, `${where}: before-images`);
        assert.deepEqual(state.events, expected.events, `${where}: the registry's events, by type`);
      });
    }
  });
}
