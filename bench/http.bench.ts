import { join } from 'node:path';
import { type Bench, type BenchResult, envInteger, formatNumber } from './bench.js';
import { MAX_ORDERS, NAMESPACE, SCHEMES, orderNumber, registryFile } from './http-fixture.js';
import { orderTypeId } from './order-files.js';
import { type LoadOptions, type LoadRequest, type LoadResult, load, startServerProcess, unanswered } from './http-load.js';
import { seededRandom } from '../test/support/seeded-random.js';

/** Concurrent keep-alive connections: many small reads, fewer large batches (each is 1,000 reads). */
const CONNECTIONS = { single: 50, batch: 10 } as const;
const BATCH_SIZE = 1000;
/** Single resolve must serve at least this share of the bare Fastify baseline's requests per second. */
const RESOLVE_SHARE_FLOOR = 0.5;
/** Batch translate must turn at least this many identifiers per second. */
const TRANSLATE_FLOOR = 300_000;
const WARM_UP_SECONDS = 2;
/** Distinct identifiers the single resolves ask for, in random order; more than a run asks for at this machine's rates. */
const SINGLE_SAMPLE = 300_000;
/** Distinct 1,000-identifier bodies the batch translates cycle through. */
const BATCH_BODIES = 300;

/**
 * The identity service over HTTP, each server in a child process of its own
 * with autocannon in this one: a bare Fastify app (GET /ping → { ok: true })
 * as the baseline, then `stableid serve --open-reads` over a SQLite registry
 * of BENCH_HTTP_N orders (default 1,000,000; built once into the temp
 * directory, then reused) answering single resolves (GET
 * /v1/namespaces/order/identifiers/{value}, a different order each time) and
 * batch translates of 1,000 orders into scheme v2 (POST
 * /v1/namespaces/order/translate). Each runs BENCH_HTTP_SECONDS (default 10)
 * after a 2 s warm-up. Any answer other than a 200 (or a batch item that
 * failed) fails the bench: a load of 404s measures nothing. Beside each
 * load, the server's CPU time over it (all its threads), which tells a
 * server that set the pace from one that waited for the load generator.
 * BENCH_HTTP_CPU_PROF=<dir> writes each server's CPU profile there.
 */
const bench: Bench = {
  name: 'http',
  async run(log) {
    const n = envInteger('BENCH_HTTP_N', 1_000_000, BATCH_SIZE, MAX_ORDERS);
    const seconds = envInteger('BENCH_HTTP_SECONDS', 10, 1, 3600);
    const profileDir = process.env['BENCH_HTTP_CPU_PROF'];
    const db = await registryFile(n, log);

    const random = seededRandom(0x5eed);
    const singles = Array.from(shuffled(n, random).subarray(0, SINGLE_SAMPLE)).map((i): LoadRequest => ({ method: 'GET', path: `/v1/namespaces/${NAMESPACE}/identifiers/${orderNumber(i)}` }));
    const order = shuffled(n, random);
    const batches = Array.from({ length: Math.min(BATCH_BODIES, Math.floor(n / BATCH_SIZE)) }, (_, b) => {
      const ids = Array.from(order.subarray(b * BATCH_SIZE, (b + 1) * BATCH_SIZE));
      const body = Buffer.from(JSON.stringify({ to: SCHEMES.current, identifiers: ids.map((i) => ({ value: orderNumber(i) })) }));
      return { ids, request: { method: 'POST', path: `/v1/namespaces/${NAMESPACE}/translate`, body } satisfies LoadRequest };
    });
    log(`  ${formatNumber(n)} orders; ${seconds} s per load after a ${WARM_UP_SECONDS} s warm-up; ${formatNumber(singles.length)} distinct single resolves, ${batches.length} distinct batch bodies`);

    const targets = {
      ping: { key: 'baseline', label: 'bare Fastify GET /ping', args: ['baseline'] },
      resolve: { key: 'resolve', label: 'stableid GET resolve', args: ['stableid', db] },
      translate: { key: 'translate', label: `stableid POST translate x${BATCH_SIZE}`, args: ['stableid', db] },
    } as const satisfies Record<string, Target>;

    /** Starts the target's server, checks one answer by hand, warms up, then measures; the server is stopped whatever happens. */
    const measure = async (target: Target, spec: Omit<LoadOptions, 'url' | 'seconds'>, check: (url: string) => Promise<void>): Promise<Measured> => {
      const server = await startServerProcess(target.args, profileDir === undefined ? undefined : join(profileDir, target.key));
      try {
        await check(server.url);
        const loadOrFail = async (phase: string, length: number): Promise<LoadResult> => {
          const result = await load({ ...spec, url: server.url, seconds: length });
          const problem = unanswered(result);
          if (problem !== undefined) throw new Error(`http bench: ${target.label} (${phase}) got ${problem}. The bench measures nothing.`);
          return result;
        };
        await loadOrFail('warm-up', WARM_UP_SECONDS);
        const cpuBefore = await server.cpuMicros();
        const result = await loadOrFail('measured', seconds);
        const serverCpu = (await server.cpuMicros()) - cpuBefore;
        const measured: Measured = { ...result, serverBusy: serverCpu / (result.seconds * 1e6), serverCpuPerRequestMicros: serverCpu / Math.max(1, result.answered) };
        log(
          `  ${target.label}: ${formatNumber(result.requestsPerSecond)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms; ` +
            `server CPU ${(measured.serverBusy * 100).toFixed(0)}% of a core, ${formatNumber(measured.serverCpuPerRequestMicros)} µs per request`,
        );
        return measured;
      } finally {
        await server.stop();
      }
    };

    const ping = await measure(targets.ping, { connections: CONNECTIONS.single, next: () => PING }, async (url) => {
      await expectJson(await fetch(`${url}/ping`), (body) => (body as { ok?: unknown }).ok === true, 'GET /ping');
    });
    const resolve = await measure(targets.resolve, { connections: CONNECTIONS.single, next: cycle(singles) }, async (url) => {
      const path = singles[0]?.path ?? '';
      const value = path.split('/').at(-1);
      await expectJson(await fetch(`${url}${path}`), (body) => (body as { identifier?: { value?: unknown } }).identifier?.value === value, `GET ${path}`);
    });
    const translate = await measure(
      targets.translate,
      {
        connections: CONNECTIONS.batch,
        next: cycle(batches.map((batch) => batch.request)),
        // Each item succeeds or fails on its own inside a 200: a failed one is a bad answer too.
        check: (body) => !body.includes('"ok":false'),
      },
      async (url) => {
        const batch = batches[0];
        if (batch === undefined) throw new Error('no batch to send');
        const expected = batch.ids.map(orderTypeId);
        await expectJson(
          await fetch(`${url}${batch.request.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: batch.request.body }),
          (body) => {
            const results = (body as { results?: { ok: boolean; result?: { to?: { value?: unknown } } }[] }).results ?? [];
            return results.length === expected.length && results.every((item, i) => item.ok && item.result?.to?.value === expected[i]);
          },
          `POST ${batch.request.path}`,
        );
      },
    );

    const rows = [
      { target: targets.ping, connections: CONNECTIONS.single, result: ping, ids: 1 },
      { target: targets.resolve, connections: CONNECTIONS.single, result: resolve, ids: 1 },
      { target: targets.translate, connections: CONNECTIONS.batch, result: translate, ids: BATCH_SIZE },
    ];
    for (const line of sideBySide(rows, ping.requestsPerSecond)) log(line);
    if (ping.serverBusy < CLIENT_BOUND_BELOW) {
      log(
        `  note: the baseline server was busy only ${(ping.serverBusy * 100).toFixed(0)}% of a core: the load generator, not Fastify, set its pace ` +
          '(it shares the machine), so the baseline is understated and the resolve ratio flattered.',
      );
    }

    const baseline = { name: `bare Fastify GET /ping, ${CONNECTIONS.single} conn`, value: ping.requestsPerSecond, unit: 'req/s' };
    const share = resolve.requestsPerSecond / ping.requestsPerSecond;
    const translateIds = translate.requestsPerSecond * BATCH_SIZE;
    return [
      row(`GET /ping (bare Fastify), ${CONNECTIONS.single} conn`, ping, ping.requestsPerSecond, 'req/s'),
      {
        ...row(`GET resolve, ${formatNumber(n)} ids, ${CONNECTIONS.single} conn`, resolve, resolve.requestsPerSecond, 'req/s'),
        baseline,
        verdict: `>= ${RESOLVE_SHARE_FLOOR * 100}% of baseline: ${(share * 100).toFixed(0)}% ${share >= RESOLVE_SHARE_FLOOR ? 'PASS' : 'FAIL'}`,
      },
      {
        ...row(`POST translate x${BATCH_SIZE} (${formatNumber(translate.requestsPerSecond)} req/s), ${CONNECTIONS.batch} conn`, translate, translateIds, 'ids/s'),
        baseline,
        verdict: `floor ${formatNumber(TRANSLATE_FLOOR)} ids/s: ${translateIds >= TRANSLATE_FLOOR ? 'PASS' : 'FAIL'}`,
      },
    ];
  },
};

export default bench;

/** A server busier than this (share of one core) sets the pace of its load; a less busy one waited for the load generator. */
const CLIENT_BOUND_BELOW = 0.8;

/** A measured load with the server's CPU time over it. */
interface Measured extends LoadResult {
  /** The server's CPU time over the load (all its threads), as a share of one core. */
  readonly serverBusy: number;
  readonly serverCpuPerRequestMicros: number;
}

interface Target {
  /** Names its CPU profile directory. */
  readonly key: string;
  readonly label: string;
  readonly args: readonly string[];
}

const PING: LoadRequest = { method: 'GET', path: '/ping' };

/** One measured run; its latencies go in the name, as the table has no column for them. */
function row(name: string, result: Measured, value: number, unit: string): BenchResult {
  return { name: `${name} (p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms)`, value, unit, runs: [value] };
}

/** The three loads as a table, each beside the baseline. */
function sideBySide(rows: readonly { target: Target; connections: number; result: Measured; ids: number }[], baseline: number): string[] {
  const header = ['', 'conn', 'req/s', 'ids/s', 'of baseline req/s', 'p50 ms', 'p99 ms', '2xx', 'non-2xx', 'server CPU', 'server CPU/req'];
  const lines = rows.map(({ target, connections, result, ids }) => [
    target.label,
    String(connections),
    formatNumber(result.requestsPerSecond),
    formatNumber(result.requestsPerSecond * ids),
    `${((100 * result.requestsPerSecond) / baseline).toFixed(1)}%`,
    String(result.p50Ms),
    String(result.p99Ms),
    formatNumber(result.answered),
    formatNumber(result.non2xx),
    `${(result.serverBusy * 100).toFixed(0)}%`,
    `${formatNumber(result.serverCpuPerRequestMicros)} µs`,
  ]);
  const all = [header, ...lines];
  const widths = header.map((_, column) => Math.max(...all.map((line) => (line[column] ?? '').length)));
  return all.map((line) => `  ${line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')}`);
}

/** Fails unless the answer is a 200 whose JSON body passes `accept`. */
async function expectJson(response: Response, accept: (body: unknown) => boolean, what: string): Promise<void> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.status !== 200 || body === undefined || !accept(body)) {
    throw new Error(`http bench: ${what} answered ${response.status} ${text.slice(0, 500)}; the fixture is not what the bench expects`);
  }
}

function cycle<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new Error('nothing to cycle through');
  let next = 0;
  return () => {
    const item = items[next] as T;
    next = (next + 1) % items.length;
    return item;
  };
}

/** 1…n in a random order (Fisher–Yates). */
function shuffled(n: number, random: () => number): Int32Array {
  const values = Int32Array.from({ length: n }, (_, i) => i + 1);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = values[i] as number;
    values[i] = values[j] as number;
    values[j] = swap;
  }
  return values;
}

