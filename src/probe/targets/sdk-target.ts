import { StableIdClient } from '../../client/client.js';
import type { ProbeRecord } from '../probe-file.js';
import { type Observation, type ProbeTarget, failed } from '../target.js';
import { DEFAULT_TIMEOUT_MS, httpUrl, shownUrl } from './http.js';

export interface SdkTargetOptions {
  /** The service's base URL, or several, as an application gives them to the SDK. */
  readonly endpoints: string | readonly string[];
  /** An API token with the read role. */
  readonly token?: string;
  /** How long one HTTP attempt may take (default 5 s). */
  readonly timeoutMs?: number;
}

/**
 * Replays through the SDK, as an application's code reads: `StableIdClient`
 * with its retries, failover and micro-batching, but no cache, so every
 * lookup really reaches the service.
 */
export class SdkTarget implements ProbeTarget {
  readonly name = 'sdk';
  readonly description: string;
  readonly #client: StableIdClient;

  constructor(options: SdkTargetOptions) {
    const endpoints = (typeof options.endpoints === 'string' ? [options.endpoints] : [...options.endpoints]).map((url) => httpUrl('--sdk', url).replace(/\/v1$/, ''));
    this.description = endpoints.map(shownUrl).join(', ');
    this.#client = new StableIdClient({
      endpoints,
      ...(options.token ? { token: options.token } : {}),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      cache: false,
    });
  }

  async lookup(record: ProbeRecord): Promise<Observation> {
    try {
      const answer = await this.#client.resolve(record.namespace, record.value, record.bare ? {} : { scheme: record.scheme });
      return { kind: 'found', entity: answer.value.entity, state: answer.value.identifier.state };
    } catch (thrown) {
      const error = thrown as { code?: unknown; message?: unknown };
      return failed(typeof error.code === 'string' ? error.code : 'INTERNAL', typeof error.message === 'string' ? error.message : String(thrown));
    }
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
