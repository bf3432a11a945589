import type { AddressInfo } from 'node:net';
import { type AppOptions, buildApp } from '../../src/http/app.js';
import type { HttpApp } from '../../src/http/routes/route-context.js';
import type { Registry } from '../../src/registry/registry.js';
import { openTestApp } from '../http/fixtures.js';

/** A clock the test moves by hand. */
export class ManualClock {
  #now = Date.parse('2025-06-01T00:00:00.000Z');
  readonly now = (): number => this.#now;
  advance(ms: number): void {
    this.#now += ms;
  }
}

/** A request the service received. */
export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * The identity service listening on a real port over the registry of
 * {@link openTestApp}; it can be stopped and started again on the same port
 * over the same registry, and records every request it receives.
 */
export interface LiveService {
  readonly registry: Registry;
  readonly url: string;
  readonly received: Received[];
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function openLiveService(options: Omit<AppOptions, 'registry'> = {}): Promise<LiveService> {
  const seeded = await openTestApp(options);
  const received: Received[] = [];
  let app: HttpApp | null = null;
  let port = 0;
  const start = async (): Promise<void> => {
    const next = buildApp({ ...options, registry: seeded.registry });
    await next.listen({ host: '127.0.0.1', port });
    next.server.on('request', (request: { method?: string; url?: string; headers: Received['headers'] }) => {
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    });
    port = (next.server.address() as AddressInfo).port;
    app = next;
  };
  const stop = async (): Promise<void> => {
    const running = app;
    app = null;
    await running?.close();
  };
  await start();
  return {
    registry: seeded.registry,
    url: `http://127.0.0.1:${port}`,
    received,
    stop,
    start,
    close: async () => {
      await stop();
      await seeded.close();
    },
  };
}

/** An address nothing listens on: a port that was free a moment ago. */
export async function deadEndpoint(): Promise<string> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
