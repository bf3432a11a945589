import { StableIdClient } from '../src/client/index.js';
import { METRIC_NAMES } from '../src/http/metrics.js';
import { type Bench, type BenchResult, envInteger, formatNumber, median } from './bench.js';
import { MAX_ORDERS, NAMESPACE, orderNumber, registryFile } from './http-fixture.js';
import { type LoadRequest, type LoadResult, type ServerProcess, load, startServerProcess, unanswered } from './http-load.js';

/** The warm-cache figure must reach this many resolves per second. */
const WARM_TARGET = 5_000_000;
/** Identifiers in the warm cache: the client's default cache size. */
const WARM = 10_000;
/** The few ids of a hot set, reported beside the main figure. */
const HOT = 100;
/** Measured runs of each in-process loop, each at least this long. */
const WARM_RUNS = 5;
const WARM_RUN_MS = 1000;
const BATCH_SIZE = 1000;
/** Keep-alive connections of the service's own batch figure, as in the http bench. */
const BATCH_CONNECTIONS = 10;
/** Callers awaiting single resolves at once, end to end: as many full batches in flight as the baseline has connections. */
const CALLERS = BATCH_CONNECTIONS * BATCH_SIZE;
const END_TO_END_RUNS = 3;
const WARM_UP_SECONDS = 2;

/**
 * The client SDK (stableid/client), in two figures.
 *
 * Warm cache, in process: one StableIdClient whose cache holds WARM orders
 * (fetched from the service first), resolved one after another, each resolve
 * awaited before the next — as a caller's loop issues them — for WARM_RUNS
 * runs of at least a second; beside a plain `Map.get` loop over the same
 * identifiers, run between them, and the target of 5,000,000 resolves/s.
 * Every one of those answers must come from the cache (`fresh`). Progress
 * lines add the same figures per second of this process's CPU time (the
 * machine may be shared), resolves issued 1,000 at a time and awaited
 * together, the 100 hottest ids alone, each Map.get awaited (what awaiting
 * costs by itself), and a cache holding every id of the registry.
 *
 * End to end: CALLERS callers each awaiting single resolves (a different
 * order each time) through one client with its cache off, so that each
 * lookup reaches the service, gathered by the client's micro-batching into
 * batch requests; the service is `stableid serve --open-reads` in a process
 * of its own (bench/http-server.ts) over a SQLite registry of BENCH_CLIENT_N
 * orders (default 100,000; built once into the temp directory, shared with
 * the http bench). Beside it, the service's own batch figure: POST
 * /v1/namespaces/order/resolve of 1,000 orders with autocannon, against the
 * same server in the same run. Each load runs BENCH_CLIENT_SECONDS (default
 * 5) after a 2 s warm-up. A lookup that fails, or a batch item that does,
 * fails the bench.
 */
const bench: Bench = {
  name: 'client',
  async run(log) {
    const n = envInteger('BENCH_CLIENT_N', 100_000, Math.max(WARM, BATCH_SIZE), MAX_ORDERS);
    const seconds = envInteger('BENCH_CLIENT_SECONDS', 5, 1, 3600);
    const db = await registryFile(n, log);
    const values = Array.from({ length: n }, (_, i) => orderNumber(i + 1));
    const server = await startServerProcess(['stableid', db]);
    try {
      const warm = await warmCache(server.url, values.slice(0, WARM), values, log);
      const endToEnd = await viaService(server, values, seconds, log);
      return [warm, endToEnd];
    } finally {
      await server.stop();
    }
  },
};

export default bench;

/** A rate per second of wall-clock time, and per second of this process's CPU time (what it would be with a core to itself). */
interface Rate {
  readonly perSecond: number;
  readonly perCpuSecond: number;
}

/** A client whose cache holds the answers for `values`, fetched from the service in batches; `map` gets them too. */
async function warmClient(url: string, values: readonly string[], map: Map<string, unknown>): Promise<StableIdClient> {
  // A TTL longer than the bench, so that every answer measured is `fresh`.
  const client = new StableIdClient({ endpoints: url, cache: { maxEntries: values.length, ttlMs: 3_600_000 } });
  for (let from = 0; from < values.length; from += BATCH_SIZE) {
    const items = await client.resolveMany(
      NAMESPACE,
      values.slice(from, from + BATCH_SIZE).map((value) => ({ value })),
    );
    items.forEach((item, i) => {
      if (!item.ok) throw new Error(`client bench: warming the cache, ${values[from + i]} answered ${item.error.code}: ${item.error.message}`);
      map.set(values[from + i] as string, item.value);
    });
  }
  return client;
}

async function warmCache(url: string, values: readonly string[], all: readonly string[], log: (line: string) => void): Promise<BenchResult> {
  const map = new Map<string, unknown>();
  const client = await warmClient(url, values, map);
  try {
    const warmed = client.stats.counts();
    log(`  warm cache: ${formatNumber(values.length)} orders fetched in batches of ${formatNumber(BATCH_SIZE)}; each resolved in turn, each resolve awaited`);
    await awaitedResolves(client, values, WARM_RUN_MS / 4);
    await mapGets(map, values, WARM_RUN_MS / 4);
    const sdk: Rate[] = [];
    const plain: Rate[] = [];
    for (let run = 0; run < WARM_RUNS; run++) {
      sdk.push(await awaitedResolves(client, values, WARM_RUN_MS));
      plain.push(await mapGets(map, values, WARM_RUN_MS));
    }
    const gathered = await gatheredResolves(client, values, WARM_RUN_MS);
    const awaitedGets = await awaitedMapGets(map, values, WARM_RUN_MS);
    const hot = await awaitedResolves(client, values.slice(0, HOT), WARM_RUN_MS);
    const counts = client.stats.counts();
    if (counts.canonical !== warmed.canonical || counts.stale + counts.negative + counts.errors !== 0) {
      throw new Error(`client bench: the warm-cache loops were not all answered from the cache: ${JSON.stringify(counts)}`);
    }
    const perSecond = (rates: readonly Rate[]): string => rates.map((rate) => formatNumber(rate.perSecond)).join(' / ');
    const perCpuSecond = (rates: readonly Rate[]): string => formatNumber(median(rates.map((rate) => rate.perCpuSecond)));
    log(`  warm cache: ${formatNumber(counts.fresh - warmed.fresh)} resolves, every one fresh; ${perSecond(sdk)} resolves/s; Map.get ${perSecond(plain)} /s`);
    log(`    per second of this process's CPU time (the machine is shared): ${perCpuSecond(sdk)} resolves, ${perCpuSecond(plain)} Map.get`);
    log(
      `    for comparison: issued 1,000 at a time and awaited together (Promise.all) ${formatNumber(gathered.perSecond)} resolves/s; ` +
        `the ${HOT} hottest ids only ${formatNumber(hot.perSecond)} resolves/s; each Map.get awaited ${formatNumber(awaitedGets.perSecond)} /s`,
    );
    const large = await largeCache(url, all, log);
    if (large !== undefined) log(`    all ${formatNumber(all.length)} ids warm, each resolved in turn: ${formatNumber(large.perSecond)} resolves/s (a working set past the CPU caches)`);
    const value = median(sdk.map((rate) => rate.perSecond));
    return {
      name: `warm-cache resolve, in process, ${formatNumber(values.length)} ids, each awaited`,
      value,
      unit: 'resolves/s',
      runs: sdk.map((rate) => rate.perSecond),
      baseline: { name: 'Map.get loop', value: median(plain.map((rate) => rate.perSecond)), unit: 'gets/s' },
      verdict: `>= ${formatNumber(WARM_TARGET)}/s: ${value >= WARM_TARGET ? 'PASS' : 'FAIL'}`,
    };
  } finally {
    await client.close();
  }
}

/** One run over a cache holding every id of the registry, when it holds more than the main figure's. */
async function largeCache(url: string, all: readonly string[], log: (line: string) => void): Promise<Rate | undefined> {
  if (all.length <= WARM) return undefined;
  log(`  warm cache: fetching all ${formatNumber(all.length)} orders into a second client`);
  const client = await warmClient(url, all, new Map());
  try {
    await awaitedResolves(client, all, WARM_RUN_MS / 4);
    return await awaitedResolves(client, all, WARM_RUN_MS);
  } finally {
    await client.close();
  }
}

/**
 * How fast `chunk` runs, repeated for at least `ms`: each call does `size`
 * operations, starting at the running index it is given.
 */
async function rateOf(ms: number, size: number, chunk: (from: number) => unknown): Promise<Rate> {
  let done = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let elapsed = 0;
  do {
    await chunk(done);
    done += size;
    elapsed = performance.now() - started;
  } while (elapsed < ms);
  const used = process.cpuUsage(cpu);
  return { perSecond: (done * 1000) / elapsed, perCpuSecond: (done * 1e6) / Math.max(1, used.user + used.system) };
}

/** A loop awaiting each resolve before the next, as a caller's loop issues them. */
function awaitedResolves(client: StableIdClient, values: readonly string[], ms: number): Promise<Rate> {
  const size = 100_000;
  return rateOf(ms, size, async (from) => {
    for (let i = from; i < from + size; i++) await client.resolve(NAMESPACE, values[i % values.length] as string);
  });
}

/** Resolves issued 1,000 at a time and awaited together. */
function gatheredResolves(client: StableIdClient, values: readonly string[], ms: number): Promise<Rate> {
  const group = 1000;
  const size = 100 * group;
  const pending = new Array<Promise<unknown>>(group);
  return rateOf(ms, size, async (from) => {
    for (let start = from; start < from + size; start += group) {
      for (let i = 0; i < group; i++) pending[i] = client.resolve(NAMESPACE, values[(start + i) % values.length] as string);
      await Promise.all(pending);
    }
  });
}

/** A plain loop of `Map.get` over the same identifiers. */
async function mapGets(map: ReadonlyMap<string, unknown>, values: readonly string[], ms: number): Promise<Rate> {
  const size = 1_000_000;
  let found = 0;
  const rate = await rateOf(ms, size, (from) => {
    for (let i = from; i < from + size; i++) if (map.get(values[i % values.length] as string) !== undefined) found++;
  });
  if (found === 0) throw new Error('client bench: the Map.get baseline found nothing');
  return rate;
}

/** A loop awaiting each `Map.get`: what awaiting alone costs. */
async function awaitedMapGets(map: ReadonlyMap<string, unknown>, values: readonly string[], ms: number): Promise<Rate> {
  const size = 100_000;
  let found = 0;
  const rate = await rateOf(ms, size, async (from) => {
    for (let i = from; i < from + size; i++) if ((await map.get(values[i % values.length] as string)) !== undefined) found++;
  });
  if (found === 0) throw new Error('client bench: the awaited Map.get found nothing');
  return rate;
}

async function viaService(server: ServerProcess, values: readonly string[], seconds: number, log: (line: string) => void): Promise<BenchResult> {
  const client = new StableIdClient({ endpoints: server.url, cache: false, batchLimit: BATCH_SIZE });
  const sdk: number[] = [];
  try {
    log(`  end to end: ${formatNumber(CALLERS)} callers awaiting single resolves through one client (cache off, micro-batching up to ${formatNumber(BATCH_SIZE)}), ${seconds} s per run after a ${WARM_UP_SECONDS} s warm-up`);
    let next = 0;
    const nextValue = (): string => values[next++ % values.length] as string;
    await concurrentResolves(client, nextValue, WARM_UP_SECONDS);
    for (let run = 0; run < END_TO_END_RUNS; run++) {
      const before = await batchSizes(server.url);
      const serverBefore = await server.cpuMicros();
      const ownBefore = process.cpuUsage();
      const { rate, answered, elapsed } = await concurrentResolves(client, nextValue, seconds);
      const own = process.cpuUsage(ownBefore);
      const serverCpu = (await server.cpuMicros()) - serverBefore;
      const after = await batchSizes(server.url);
      const requests = after.count - before.count;
      sdk.push(rate);
      log(
        `  end to end: ${formatNumber(rate)} lookups/s in ${formatNumber(requests)} batch requests of ${formatNumber((after.sum - before.sum) / Math.max(1, requests))} on average; ` +
          `CPU per lookup: this process ${cpuPer(own.user + own.system, answered, elapsed)}, the server ${cpuPer(serverCpu, answered, elapsed)}`,
      );
    }
    if (client.stats.counts().errors !== 0) throw new Error(`client bench: ${client.stats.counts().errors} lookups failed`);
  } finally {
    await client.close();
  }

  const bodies = Array.from({ length: Math.min(100, Math.floor(values.length / BATCH_SIZE)) }, (_, b): LoadRequest => {
    const identifiers = values.slice(b * BATCH_SIZE, (b + 1) * BATCH_SIZE).map((value) => ({ value }));
    return { method: 'POST', path: `/v1/namespaces/${NAMESPACE}/resolve`, body: Buffer.from(JSON.stringify({ identifiers })) };
  });
  let body = 0;
  const spec = {
    url: server.url,
    connections: BATCH_CONNECTIONS,
    next: () => bodies[body++ % bodies.length] as LoadRequest,
    // Each item succeeds or fails on its own inside a 200: a failed one is a bad answer too.
    check: (text: string) => !text.includes('"ok":false'),
  };
  const loadOrFail = async (phase: string, length: number): Promise<LoadResult> => {
    const result = await load({ ...spec, seconds: length });
    const problem = unanswered(result);
    if (problem !== undefined) throw new Error(`client bench: POST resolve x${BATCH_SIZE} (${phase}) got ${problem}. The bench measures nothing.`);
    return result;
  };
  await loadOrFail('warm-up', WARM_UP_SECONDS);
  const direct: number[] = [];
  for (let run = 0; run < END_TO_END_RUNS; run++) {
    const serverBefore = await server.cpuMicros();
    const result = await loadOrFail('measured', seconds);
    const serverCpu = (await server.cpuMicros()) - serverBefore;
    const ids = result.answered * BATCH_SIZE;
    direct.push(result.requestsPerSecond * BATCH_SIZE);
    log(
      `  service batch: ${formatNumber(result.requestsPerSecond * BATCH_SIZE)} ids/s (${formatNumber(result.requestsPerSecond)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms); ` +
        `CPU per id: the server ${cpuPer(serverCpu, ids, result.seconds * 1000)}`,
    );
  }
  const value = median(sdk);
  const baseline = median(direct);
  return {
    name: `SDK single resolves, micro-batched, ${formatNumber(CALLERS)} callers, ${formatNumber(values.length)} ids`,
    value,
    unit: 'lookups/s',
    runs: sdk,
    baseline: { name: `service POST resolve x${BATCH_SIZE}, ${BATCH_CONNECTIONS} conn`, value: baseline, unit: 'ids/s' },
    verdict: `no target; ${((100 * value) / baseline).toFixed(0)}% of baseline`,
  };
}

/** Lookups/s of CALLERS callers each awaiting one resolve after another for `seconds`; any failure fails the bench. */
async function concurrentResolves(client: StableIdClient, nextValue: () => string, seconds: number): Promise<{ rate: number; answered: number; elapsed: number }> {
  let answered = 0;
  let failed = false;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const caller = async (): Promise<void> => {
    while (!failed && performance.now() < deadline) {
      const value = nextValue();
      try {
        const answer = await client.resolve(NAMESPACE, value);
        if (answer.value.identifier.value !== value) throw new Error(`client bench: ${value} resolved to ${answer.value.identifier.value}`);
      } catch (error) {
        failed = true;
        throw error;
      }
      answered++;
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, caller));
  const elapsed = performance.now() - started;
  return { rate: (answered * 1000) / elapsed, answered, elapsed };
}

/** The service's resolve batches so far: how many, and how many identifiers they named (from its /metrics). */
async function batchSizes(url: string): Promise<{ count: number; sum: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (series: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${METRIC_NAMES.batchSize}_${series}{`) && l.includes('operation="resolveBatch"'));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return { count: read('count'), sum: read('sum') };
}

/** CPU microseconds per item, and the share of a core they took over `elapsedMs`. */
const cpuPer = (micros: number, items: number, elapsedMs: number): string =>
  `${(micros / Math.max(1, items)).toFixed(1)} µs (${((micros / 10) / elapsedMs).toFixed(0)}% of a core)`;
