import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FlagSource, NamespaceFlags, StageChange, StageChanged } from '../../src/client/flag-source.js';
import { StableIdError } from '../../src/model/errors.js';
import { type ExposureFlag, STAGES, type Stage, type StageFlag, bucketOf, flagFor, isStage, stageMove } from '../../src/model/flags.js';

export const READ_TOKEN = 'read-token';
export const STEWARD_TOKEN = 'steward-token';

/** A stage flag with every stage and the whole of the traffic unless told otherwise. */
export const stageFlag = (namespace: string, consumer: string, stage: Stage, percent = 100, stages: readonly Stage[] = STAGES): StageFlag => ({
  namespace,
  consumer,
  stage,
  percent,
  stages,
});

/** The first `count` identifiers whose bucket for `consumer` is below `percent` (`inside`) or not. */
export function identifiers(consumer: string, count: number, inside: boolean, percent = 50): string[] {
  const found: string[] = [];
  for (let i = 1; found.length < count; i += 1) {
    const id = `ORD-${String(i).padStart(6, '0')}`;
    if (bucketOf(consumer, id) < percent === inside) found.push(id);
  }
  return found;
}

export const exposureFlag = (namespace: string, scheme: string, consumer: string, percent: number): ExposureFlag => ({ namespace, scheme, consumer, percent });

/**
 * Flags in memory, with the service's rule for stage changes: a skip or a
 * move back needs a reason (POLICY_VIOLATION, rule stage-order). It records
 * every change it was asked for.
 */
export class MemoryFlags implements FlagSource {
  readonly #flags = new Map<string, { stages: StageFlag[]; exposure: ExposureFlag[] }>();
  readonly changes: { namespace: string; consumer: string; change: StageChange }[] = [];
  reads = 0;
  #seq = 0;
  /** When set, reads reject with it. */
  failure: Error | null = null;

  #of(namespace: string): { stages: StageFlag[]; exposure: ExposureFlag[] } {
    let flags = this.#flags.get(namespace);
    if (flags === undefined) {
      flags = { stages: [], exposure: [] };
      this.#flags.set(namespace, flags);
    }
    return flags;
  }

  /** Puts a flag in place directly, as an operator would. */
  put(flag: StageFlag | ExposureFlag): void {
    const flags = this.#of(flag.namespace);
    if ('stage' in flag) flags.stages = [...flags.stages.filter((f) => f.consumer !== flag.consumer), flag];
    else flags.exposure = [...flags.exposure.filter((f) => f.consumer !== flag.consumer || f.scheme !== flag.scheme), flag];
  }

  async flags(namespace: string): Promise<NamespaceFlags> {
    this.reads += 1;
    if (this.failure !== null) throw this.failure;
    const { stages, exposure } = this.#of(namespace);
    return structuredClone({ stages, exposure });
  }

  async setStage(namespace: string, consumer: string, change: StageChange): Promise<StageChanged> {
    this.changes.push({ namespace, consumer, change });
    return this.apply(namespace, consumer, change);
  }

  /** The service's rule and write, shared by the in-memory source and the fake HTTP service. */
  apply(namespace: string, consumer: string, change: StageChange): StageChanged {
    const flags = this.#of(namespace);
    const current = flagFor(flags.stages, consumer);
    const stages = change.stages ?? current?.stages ?? STAGES;
    const from = current?.stage ?? (stages[0] as Stage);
    const move = stageMove(stages, from, change.stage);
    if ((move === 'skip' || move === 'back') && (change.reason === undefined || change.reason.trim() === '')) {
      throw new StableIdError('POLICY_VIOLATION', `moving ${consumer} from ${from} to ${change.stage} is a ${move}: give a reason`, { namespace, rule: 'stage-order' });
    }
    const flag = stageFlag(namespace, consumer, change.stage, change.percent ?? 100, stages);
    const own = flags.stages.find((f) => f.consumer === consumer);
    const same = own !== undefined && own.stage === flag.stage && own.percent === flag.percent;
    this.put(flag);
    return { flag, seq: same ? null : ++this.#seq, move };
  }
}

/** A request the fake service received. */
export interface FlagRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

/**
 * The flag routes of the identity service, faked over {@link MemoryFlags}:
 * `GET /v1/namespaces/{ns}/flags` (any known token) and
 * `PUT /v1/namespaces/{ns}/flags/stage/{consumer}` (the steward token).
 * It can be stopped and started again on the same port.
 */
export interface FakeFlagService {
  readonly url: string;
  readonly flags: MemoryFlags;
  readonly received: FlagRequest[];
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const problem = (response: ServerResponse, status: number, code: string, detail: string, extra: Record<string, unknown> = {}): void => {
  response.writeHead(status, { 'content-type': 'application/problem+json' });
  response.end(JSON.stringify({ type: 'about:blank', title: code, status, code, detail, ...extra }));
};

const json = (response: ServerResponse, body: unknown): void => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

async function bodyOf(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

export async function openFakeFlagService(flags = new MemoryFlags()): Promise<FakeFlagService> {
  const received: FlagRequest[] = [];
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await bodyOf(request);
    received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
    const token = request.headers.authorization?.replace(/^Bearer /, '');
    if (token !== READ_TOKEN && token !== STEWARD_TOKEN) return problem(response, 401, 'UNAUTHENTICATED', 'a bearer token is required');
    const read = /^\/v1\/namespaces\/([^/]+)\/flags$/.exec(request.url ?? '');
    if (request.method === 'GET' && read !== null) {
      const namespace = decodeURIComponent(read[1] ?? '');
      return json(response, { namespace, ...(await flags.flags(namespace)) });
    }
    const write = /^\/v1\/namespaces\/([^/]+)\/flags\/stage\/([^/]+)$/.exec(request.url ?? '');
    if (request.method === 'PUT' && write !== null) {
      if (token !== STEWARD_TOKEN) return problem(response, 403, 'FORBIDDEN', 'setting a stage needs the steward role');
      const { stage, percent, stages } = (body ?? {}) as { stage?: unknown; percent?: number; stages?: Stage[] };
      if (!isStage(stage)) return problem(response, 400, 'INVALID_ARGUMENT', 'stage must be a stage', { field: 'stage' });
      const reason = request.headers['x-reason'];
      try {
        const namespace = decodeURIComponent(write[1] ?? '');
        const consumer = decodeURIComponent(write[2] ?? '');
        const change: StageChange = { stage, ...(percent === undefined ? {} : { percent }), ...(stages === undefined ? {} : { stages }), ...(typeof reason === 'string' ? { reason } : {}) };
        return json(response, flags.apply(namespace, consumer, change));
      } catch (error) {
        if (error instanceof StableIdError) return problem(response, 409, error.code, error.message, { ...error.context });
        throw error;
      }
    }
    return problem(response, 404, 'NAMESPACE_NOT_FOUND', 'no such route');
  };
  let server: Server | null = null;
  let port = 0;
  const start = async (): Promise<void> => {
    const next = createServer((request, response) => {
      handle(request, response).catch(() => problem(response, 500, 'INTERNAL', 'the fake failed'));
    });
    await new Promise<void>((resolve) => next.listen(port, '127.0.0.1', resolve));
    port = (next.address() as AddressInfo).port;
    server = next;
  };
  const stop = async (): Promise<void> => {
    const running = server;
    server = null;
    if (running === null) return;
    running.closeAllConnections();
    await new Promise<void>((resolve) => running.close(() => resolve()));
  };
  await start();
  return { url: `http://127.0.0.1:${port}`, flags, received, stop, start, close: stop };
}
