import { StableIdError } from '../../model/errors.js';
import { ENTITY_HEADER } from '../../shim/entity-header.js';
import type { ProbeRecord } from '../probe-file.js';
import { type Observation, type ProbeTarget, failed } from '../target.js';
import { DEFAULT_TIMEOUT_MS, getJson, httpUrl, shownUrl, unreachable } from './http.js';

/** The response header in which a shimmed endpoint names the entity it found (the shim sends it); the probe compares it when present. */
export { ENTITY_HEADER };

export interface ShimTargetOptions {
  /**
   * The URL of one record, with `{value}` for the identifier and optionally
   * `{namespace}` and `{scheme}`, each filled in URL-encoded; e.g.
   * `http://orders.internal/orders/{value}`.
   */
  readonly template: string;
  /** Sent as `Authorization: Bearer <token>` when given. */
  readonly token?: string;
  /** How long one lookup may take (default 5 s). */
  readonly timeoutMs?: number;
}

/**
 * Replays through an application's endpoint behind the stableid shim, the
 * way its own clients call it. The contract: a 2xx answer means the
 * identifier is recognized; a problem document with a stableid code (what
 * the shim answers when it cannot translate) is judged by its code, as the
 * service's are; else 404 or 410 means not recognized, and anything else (or
 * no answer) is an error. When a 2xx answer carries a `StableId-Entity`
 * header, the entity it names must be the recorded one.
 */
export class ShimTarget implements ProbeTarget {
  readonly name = 'shim';
  readonly description: string;
  readonly #template: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;

  constructor(options: ShimTargetOptions) {
    if (!options.template.includes('{value}')) {
      throw new StableIdError('INVALID_ARGUMENT', `--shim needs {value} where the identifier goes, e.g. http://orders.internal/orders/{value}; got ${JSON.stringify(options.template)}`, { field: 'shim' });
    }
    this.#template = httpUrl('--shim', options.template);
    this.description = shownUrl(this.#template);
    this.#headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The URL the record is looked up at. */
  urlOf(record: ProbeRecord): string {
    const fields: Readonly<Record<string, string>> = { value: record.value, namespace: record.namespace, scheme: record.scheme };
    return this.#template.replaceAll(/\{(value|namespace|scheme)\}/g, (_, name: string) => encodeURIComponent(fields[name] ?? ''));
  }

  async lookup(record: ProbeRecord): Promise<Observation> {
    try {
      const answer = await getJson(this.urlOf(record), this.#headers, this.#timeoutMs);
      if (answer.status >= 200 && answer.status < 300) return { kind: 'found', entity: answer.headers.get(ENTITY_HEADER), state: null };
      const problem = answer.body as { code?: unknown; detail?: unknown } | null;
      if (typeof problem?.code === 'string') return failed(problem.code, typeof problem.detail === 'string' ? problem.detail : `HTTP ${answer.status}`);
      if (answer.status === 404) return { kind: 'missing', code: 'IDENTIFIER_NOT_FOUND', message: 'HTTP 404' };
      if (answer.status === 410) return { kind: 'missing', code: 'IDENTIFIER_ERASED', message: 'HTTP 410' };
      return { kind: 'error', code: `HTTP ${answer.status}`, message: `HTTP ${answer.status}` };
    } catch (error) {
      return { kind: 'error', code: 'SERVICE_UNAVAILABLE', message: unreachable(error) };
    }
  }

  async close(): Promise<void> {}
}
