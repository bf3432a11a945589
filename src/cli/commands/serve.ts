import type { Command } from 'commander';
import { openTokenStore } from '../../auth/open-token-store.js';
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from '../../http/server.js';
import { StableIdError } from '../../model/errors.js';
import type { CliContext } from '../cli-context.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function portOf(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new StableIdError('INVALID_ARGUMENT', `--port must be a whole number from 0 to 65535, got ${JSON.stringify(text)}`, { field: 'port' });
  return port;
}

export function addServeCommand(program: Command, cli: CliContext): void {
  program
    .command('serve')
    .description('serve the identity service: the versioned HTTP API (/v1) over the registry, until SIGTERM or SIGINT')
    .option('--host <host>', `the interface to listen on (default: $STABLEID_HOST or ${DEFAULT_HOST})`)
    .option('--port <port>', `the port to listen on, 0 for any free one (default: $STABLEID_PORT or ${DEFAULT_PORT})`)
    .option('--open-reads', 'serve reads without a token (writes always need one with the write or steward role)')
    .option('--log-level <level>', `request logs (JSON on stdout): ${LOG_LEVELS.join(', ')}`, 'info')
    .addHelpText(
      'after',
      `
On SIGTERM or SIGINT it stops accepting connections, finishes the requests in
flight and closes the registry. Requests carry "Authorization: Bearer <token>"
(see stableid token create); reads need the read role unless --open-reads,
writes the write or steward role. The OpenAPI document is at /v1/openapi.json,
the docs at /v1/docs.

Examples:
  $ stableid serve
  $ stableid serve --open-reads
  $ stableid serve --host 0.0.0.0 --port 8080 --db postgres://stableid@db:5432/stableid
  $ STABLEID_PORT=9000 stableid serve --log-level warn`,
    )
    .action(async (opts: { host?: string; port?: string; logLevel: string; openReads?: boolean }) => {
      if (!LOG_LEVELS.includes(opts.logLevel)) {
        throw new StableIdError('INVALID_ARGUMENT', `--log-level must be one of ${LOG_LEVELS.join(', ')}`, { field: 'log-level' });
      }
      const portText = opts.port ?? cli.io.env['STABLEID_PORT'];
      const registry = cli.registry();
      const port = portText === undefined ? DEFAULT_PORT : portOf(portText);
      const tokens = openTokenStore(cli.database());
      // The server owns the token store once it listens; until then, this command does.
      const server = await startServer({
        registry,
        tokens,
        auth: opts.openReads === true ? 'reads-open' : 'required',
        host: opts.host ?? cli.io.env['STABLEID_HOST'] ?? DEFAULT_HOST,
        port,
        logger: { level: opts.logLevel, stream: { write: (line: string) => cli.io.stdout.write(line) } },
      }).catch(async (error: unknown) => {
        await tokens.close();
        throw error;
      });
      cli.note(`stableid: serving ${server.url}/v1 (docs at ${server.url}/v1/docs); SIGTERM or Ctrl-C stops it`);
      await server.closed;
      cli.note('stableid: stopped');
    });
}
