import Fastify from 'fastify';
import { openTokenStore } from '../src/auth/open-token-store.js';
import { startServer } from '../src/http/server.js';
import { DEFAULT_MAX_STALENESS_MS } from '../src/cli/commands/serve.js';
import { openRegistry } from '../src/open.js';

/**
 * A server the HTTP bench loads, run in a process of its own (see
 * http-load.ts) so that it has an event loop and a core to itself:
 *
 *   node --import tsx bench/http-server.ts baseline             a bare Fastify app: GET /ping → { ok: true }
 *   node --import tsx bench/http-server.ts stableid <file.db>   the service as `stableid serve --open-reads --log-level silent` serves it,
 *                                                             its read index warm (BENCH_HTTP_READ_INDEX=0: without one, as --no-read-index)
 *
 * Listens on a free port of 127.0.0.1, sends `{ url }` to its parent once
 * listening, answers `'cpu'` with `{ cpu: process.cpuUsage() }`, and shuts
 * down gracefully on SIGTERM or when its parent goes away, so that a CPU
 * profile (--cpu-prof) is written on the way out.
 */
interface Served {
  readonly url: string;
  close(): Promise<void>;
}

async function serve(kind: string | undefined, db: string | undefined): Promise<Served> {
  if (kind === 'baseline') {
    const app = Fastify({ logger: false });
    app.get('/ping', async () => ({ ok: true }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return { url, close: () => app.close() };
  }
  if (kind === 'stableid' && db !== undefined) {
    const indexed = process.env['BENCH_HTTP_READ_INDEX'] !== '0';
    const registry = openRegistry(db, indexed ? { readIndex: { maxStalenessMs: DEFAULT_MAX_STALENESS_MS } } : {});
    const started = Date.now();
    await registry.readIndex?.warm();
    if (indexed) process.stderr.write(`  read index warm after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const tokens = openTokenStore(db);
    // Once it listens, the server owns (and closes) the registry and the token store; until then, this does.
    return startServer({ registry, tokens, auth: 'reads-open', host: '127.0.0.1', port: 0, logger: false, signals: [] }).catch(async (error: unknown) => {
      await tokens.close();
      await registry.close();
      throw error;
    });
  }
  throw new Error(`usage: http-server.ts baseline | stableid <registry.db> (got ${JSON.stringify(process.argv.slice(2))})`);
}

const send = process.send?.bind(process);
if (send === undefined) throw new Error('http-server.ts runs as a child of the HTTP bench (child_process.fork), with an IPC channel');
const served = await serve(process.argv[2], process.argv[3]);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  served.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`http-server: shutdown failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
// The parent asks for this process's CPU time around each load, to tell a busy server from an idle one.
process.on('message', (message) => {
  if (message === 'cpu') send({ cpu: process.cpuUsage() });
});
send({ url: served.url });
