import type { Resolution } from '../../model/types.js';
import type { ProbeRecord } from '../probe-file.js';
import { type Observation, type ProbeTarget, failed } from '../target.js';
import { DEFAULT_TIMEOUT_MS, getJson, httpUrl, shownUrl, unreachable } from './http.js';

export interface ServiceTargetOptions {
  /** The service's base URL, e.g. http://ids:8080 (a trailing /v1 is allowed). */
  readonly url: string;
  /** An API token with the read role, sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** How long one lookup may take (default 5 s). */
  readonly timeoutMs?: number;
}

/** Replays through the service's HTTP API with plain requests: one `GET /v1/namespaces/{ns}/identifiers/{value}` per identifier, no retries. */
export class ServiceTarget implements ProbeTarget {
  readonly name = 'service';
  readonly description: string;
  readonly #base: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;

  constructor(options: ServiceTargetOptions) {
    this.#base = httpUrl('--service', options.url).replace(/\/v1$/, '');
    this.description = shownUrl(this.#base);
    this.#headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async lookup(record: ProbeRecord): Promise<Observation> {
    const query = record.bare ? '' : `?scheme=${encodeURIComponent(record.scheme)}`;
    const url = `${this.#base}/v1/namespaces/${encodeURIComponent(record.namespace)}/identifiers/${encodeURIComponent(record.value)}${query}`;
    try {
      const answer = await getJson(url, this.#headers, this.#timeoutMs);
      if (answer.status === 200) {
        const resolution = answer.body as Partial<Resolution> | null;
        if (typeof resolution?.entity !== 'string') return failed('INTERNAL', 'HTTP 200 without a resolution');
        return { kind: 'found', entity: resolution.entity, state: resolution.identifier?.state ?? null };
      }
      const problem = answer.body as { code?: unknown; detail?: unknown } | null;
      const code = typeof problem?.code === 'string' ? problem.code : `HTTP ${answer.status}`;
      return failed(code, typeof problem?.detail === 'string' ? problem.detail : `HTTP ${answer.status}`);
    } catch (error) {
      return failed('SERVICE_UNAVAILABLE', unreachable(error));
    }
  }

  async close(): Promise<void> {}
}
