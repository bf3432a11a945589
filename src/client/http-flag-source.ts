import { StableIdError } from '../model/errors.js';
import type { FlagSource, NamespaceFlags, StageChange, StageChanged } from './flag-source.js';
import { errorOfProblem } from './problem-error.js';
import type { HttpTransport } from './transport.js';

const segment = encodeURIComponent;

/** What an HTTP header may carry (fetch refuses anything else), within the service's limit on `X-Reason`. */
const REASON = /^[\t\x20-\x7e\x80-\xff]{0,500}$/;

const isArray = (value: unknown): value is readonly unknown[] => Array.isArray(value);

/**
 * The flags of the identity service, over the client's transport (its
 * endpoints, failover, timeouts and token): `GET /v1/namespaces/{ns}/flags`
 * needs the read role, `PUT /v1/namespaces/{ns}/flags/stage/{consumer}` the
 * steward role. A problem answer rejects with its StableIdError; a service
 * that cannot be reached with SERVICE_UNAVAILABLE.
 */
export class HttpFlagSource implements FlagSource {
  readonly #transport: HttpTransport;

  constructor(transport: HttpTransport) {
    this.#transport = transport;
  }

  async flags(namespace: string): Promise<NamespaceFlags> {
    const response = await this.#transport.send({ method: 'GET', path: `/v1/namespaces/${segment(namespace)}/flags` });
    if (response.status !== 200) throw errorOfProblem(response.body, response.status);
    const body = response.body as { stages?: unknown; exposure?: unknown } | null;
    if (body === null || typeof body !== 'object' || !isArray(body.stages) || !isArray(body.exposure)) {
      throw new StableIdError('INTERNAL', 'the service answered flags without `stages` and `exposure` lists', { namespace });
    }
    return { stages: body.stages as NamespaceFlags['stages'], exposure: body.exposure as NamespaceFlags['exposure'] };
  }

  /** Sets the stage flag; a PUT of the whole flag, so a retry after a lost answer changes nothing more (it reports `same`). */
  async setStage(namespace: string, consumer: string, change: StageChange): Promise<StageChanged> {
    const { reason, ...body } = change;
    if (reason !== undefined && !REASON.test(reason)) {
      throw new StableIdError('INVALID_ARGUMENT', 'a stage change reason must be at most 500 characters a header can carry', { field: 'reason', namespace });
    }
    const response = await this.#transport.send({
      method: 'PUT',
      path: `/v1/namespaces/${segment(namespace)}/flags/stage/${segment(consumer)}`,
      body,
      ...(reason === undefined ? {} : { headers: { 'x-reason': reason } }),
    });
    if (response.status !== 200) throw errorOfProblem(response.body, response.status);
    return response.body as StageChanged;
  }
}
