import { type AppOptions, buildApp } from './app.js';
import type { HttpApp } from './routes/route-context.js';

export interface ServerOptions extends AppOptions {
  /** The interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** The port (default 8080; 0 picks a free one). */
  readonly port?: number;
  /** Signals that shut the server down gracefully (default SIGTERM and SIGINT); [] for none. */
  readonly signals?: readonly NodeJS.Signals[];
  /** How long in-flight requests may take to finish once shutdown starts, before their connections are cut (default 10 s). */
  readonly shutdownTimeoutMs?: number;
}

export interface RunningServer {
  readonly app: HttpApp;
  /** Where it listens, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /**
   * Shuts down gracefully: stops accepting connections, lets in-flight
   * requests finish (cutting them after the timeout), then closes the
   * token and usage stores (if any) and the registry. Idempotent; resolves when all of it is done.
   */
  close(): Promise<void>;
  /** Settles when the server has shut down, however that was started. */
  readonly closed: Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Serves the identity service until a signal (or `close()`): the server owns
 * the registry and the token and usage stores from here on and closes them last.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const app = buildApp(options);
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const timeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  let shutdown: Promise<void> | undefined;

  const close = (): Promise<void> => {
    shutdown ??= (async () => {
      for (const signal of signals) process.off(signal, onSignal);
      const cut = setTimeout(() => app.server.closeAllConnections(), timeoutMs);
      try {
        await app.close();
      } finally {
        clearTimeout(cut);
        try {
          await options.tokens?.close();
        } finally {
          try {
            await options.usage?.close();
          } finally {
            await options.registry.close();
          }
        }
      }
    })();
    return shutdown;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    close().catch((error: unknown) => app.log.error({ err: error }, 'shutdown failed'));
  };

  let url: string;
  try {
    url = await app.listen({ host: options.host ?? DEFAULT_HOST, port: options.port ?? DEFAULT_PORT });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  for (const signal of signals) process.on(signal, onSignal);
  const closed = new Promise<void>((resolve) => {
    app.server.once('close', () => {
      void close().then(resolve, resolve);
    });
  });
  return { app, url, close, closed };
}
