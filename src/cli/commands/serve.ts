import type { Command } from 'commander';
import { openTokenStore } from '../../auth/open-token-store.js';
import { DEFAULT_BATCH_LIMIT, DEFAULT_CACHE_MAX_AGE } from '../../http/app.js';
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from '../../http/server.js';
import { StableIdError } from '../../model/errors.js';
import { openUsageStore } from '../../usage/open-usage-store.js';
import type { CliContext } from '../cli-context.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function portOf(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new StableIdError('INVALID_ARGUMENT', `--port must be a whole number from 0 to 65535, got ${JSON.stringify(text)}`, { field: 'port' });
  return port;
}

/** The default of `--max-staleness`: other processes' writes reach this one's answers within it; its own at once. */
export const DEFAULT_MAX_STALENESS_MS = 500;

export interface ServeOptions {
  readonly host?: string;
  readonly port?: string;
  readonly logLevel: string;
  readonly openReads?: boolean;
  readonly metrics: boolean;
  readonly readIndex: boolean;
  readonly maxStaleness?: string;
  readonly batchLimit?: string;
  readonly cacheMaxAge?: string;
  readonly namespaceMaxAge?: string;
}

/** A `--no-<name>` switch: the flag turns it off; else its variable (1/true or 0/false) says; else it is on. */
function switchOn(name: string, flag: boolean, env: string | undefined): boolean {
  if (!flag) return false;
  if (env === undefined || env === '' || env === '1' || env === 'true') return true;
  if (env === '0' || env === 'false') return false;
  const variable = `STABLEID_${name.toUpperCase().replaceAll('-', '_')}`;
  throw new StableIdError('INVALID_ARGUMENT', `${variable} must be 1, true, 0 or false, got ${JSON.stringify(env)}`, { field: variable });
}

/** A whole-number option (flag or variable), or its default. */
function wholeNumber(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new StableIdError('INVALID_ARGUMENT', `--${name} must be a whole number >= ${min}, got ${JSON.stringify(text)}`, { field: name });
  }
  return value;
}

/** `order=300,sku=5`: seconds of max-age per namespace. */
function maxAgeList(text: string | undefined): Record<string, number> {
  const ages: Record<string, number> = {};
  for (const part of (text ?? '').split(',').map((item) => item.trim()).filter(Boolean)) {
    const [namespace, seconds, extra] = part.split('=');
    if (!namespace || seconds === undefined || extra !== undefined) {
      throw new StableIdError('INVALID_ARGUMENT', `--namespace-max-age takes namespace=seconds pairs separated by commas, got ${JSON.stringify(part)}`, {
        field: 'namespace-max-age',
      });
    }
    ages[namespace.trim()] = wholeNumber('namespace-max-age', seconds.trim(), 0, 0);
  }
  return ages;
}

export function addServeCommand(program: Command, cli: CliContext): void {
  program
    .command('serve')
    .description('serve the identity service: the versioned HTTP API (/v1) over the registry, until SIGTERM or SIGINT')
    .option('--host <host>', `the interface to listen on (default: $STABLEID_HOST or ${DEFAULT_HOST})`)
    .option('--port <port>', `the port to listen on, 0 for any free one (default: $STABLEID_PORT or ${DEFAULT_PORT})`)
    .option('--open-reads', 'serve reads without a token (writes always need one with the write or steward role)')
    .option('--no-metrics', 'serve no Prometheus metrics at /metrics (default: on unless $STABLEID_METRICS is 0)')
    .option('--no-read-index', 'answer every read from the store instead of an in-memory index (default: the index, unless $STABLEID_READ_INDEX is 0)')
    .option('--max-staleness <ms>', `how long, in ms, the index may answer without asking the store for other writers' events (default: $STABLEID_MAX_STALENESS_MS or ${DEFAULT_MAX_STALENESS_MS}; 0 asks on every read)`)
    .option('--batch-limit <n>', `the most identifiers one batch request may name (default: $STABLEID_BATCH_LIMIT or ${DEFAULT_BATCH_LIMIT})`)
    .option('--cache-max-age <seconds>', `Cache-Control max-age of reads (default: $STABLEID_CACHE_MAX_AGE or ${DEFAULT_CACHE_MAX_AGE})`)
    .option('--namespace-max-age <list>', 'max-age per namespace, e.g. order=300,sku=5 (default: $STABLEID_NAMESPACE_MAX_AGE)')
    .option('--log-level <level>', `request logs (JSON on stdout): ${LOG_LEVELS.join(', ')}`, 'info')
    .addHelpText(
      'after',
      `
On SIGTERM or SIGINT it stops accepting connections, finishes the requests in
flight and closes the registry. Requests carry "Authorization: Bearer <token>"
(see stableid token create); reads need the read role unless --open-reads,
writes the write or steward role. The OpenAPI document is at /v1/openapi.json,
the docs at /v1/docs. Prometheus metrics are at /metrics, without a token.
Services report their use of schemes at POST /v1/usage (a read token
suffices); stableid matrix shows it.
Requests are traced with OpenTelemetry when an SDK is registered (e.g. with
node --import); a caller's W3C traceparent makes its span the parent.

Examples:
  $ stableid serve
  $ stableid serve --open-reads
  $ stableid serve --host 0.0.0.0 --port 8080 --db postgres://stableid@db:5432/stableid
  $ STABLEID_PORT=9000 stableid serve --log-level warn
  $ stableid serve --no-metrics`,
    )
    .action((opts: ServeOptions) => serveRegistry(cli, opts));
}

/**
 * Serves the invocation's registry until SIGTERM or SIGINT: `stableid serve`,
 * and the guided demo's `--serve`.
 */
export async function serveRegistry(cli: CliContext, opts: ServeOptions): Promise<void> {
  if (!LOG_LEVELS.includes(opts.logLevel)) {
    throw new StableIdError('INVALID_ARGUMENT', `--log-level must be one of ${LOG_LEVELS.join(', ')}`, { field: 'log-level' });
  }
  const { env } = cli.io;
  const metrics = switchOn('metrics', opts.metrics, env['STABLEID_METRICS']);
  const readIndex = switchOn('read-index', opts.readIndex, env['STABLEID_READ_INDEX']);
  const maxStalenessMs = wholeNumber('max-staleness', opts.maxStaleness ?? env['STABLEID_MAX_STALENESS_MS'], DEFAULT_MAX_STALENESS_MS, 0);
  const batchLimit = wholeNumber('batch-limit', opts.batchLimit ?? env['STABLEID_BATCH_LIMIT'], DEFAULT_BATCH_LIMIT, 1);
  const cacheMaxAge = wholeNumber('cache-max-age', opts.cacheMaxAge ?? env['STABLEID_CACHE_MAX_AGE'], DEFAULT_CACHE_MAX_AGE, 0);
  const namespaceMaxAge = maxAgeList(opts.namespaceMaxAge ?? env['STABLEID_NAMESPACE_MAX_AGE']);
  const portText = opts.port ?? env['STABLEID_PORT'];
  const registry = cli.registry(readIndex ? { readIndex: { maxStalenessMs } } : {});
  const port = portText === undefined ? DEFAULT_PORT : portOf(portText);
  const tokens = openTokenStore(cli.database());
  const usage = openUsageStore(cli.database());
  // The server owns the token and usage stores once it listens; until then, this command does.
  const server = await startServer({
    registry,
    tokens,
    usage,
    auth: opts.openReads === true ? 'reads-open' : 'required',
    metrics,
    batchLimit,
    cacheMaxAge,
    namespaceMaxAge,
    host: opts.host ?? env['STABLEID_HOST'] ?? DEFAULT_HOST,
    port,
    logger: { level: opts.logLevel, stream: { write: (line: string) => cli.io.stdout.write(line) } },
  }).catch(async (error: unknown) => {
    await tokens.close();
    await usage.close();
    throw error;
  });
  cli.note(`stableid: serving ${server.url}/v1 (docs at ${server.url}/v1/docs); SIGTERM or Ctrl-C stops it`);
  const index = registry.readIndex;
  if (index) {
    const started = Date.now();
    // Reads are answered meanwhile (each waits for its namespace); /readyz says 503 until the index is warm.
    index.warm().then(
      () => cli.note(`stableid: read index warm: ${index.loaded().size} namespace(s) in memory after ${((Date.now() - started) / 1000).toFixed(1)} s`),
      (error: unknown) => server.app.log.error({ err: error }, 'the read index could not load; reads go on loading namespaces on demand'),
    );
  }
  await server.closed;
  cli.note('stableid: stopped');
}

