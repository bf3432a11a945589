import type { Resolution, Translation } from '../model/types.js';
import type { Outcome } from './answer.js';
import type { LookupKey } from './lookup-key.js';
import { errorOfProblem } from './problem-error.js';
import type { HttpTransport } from './transport.js';

/** What a lookup of a key answers: a resolution, or a translation. */
export type LookupValue = Resolution | Translation;

const segment = encodeURIComponent;

const schemeQuery = (scheme: string | undefined): string => (scheme === undefined ? '' : `?scheme=${segment(scheme)}`);

/** The query of a single-identifier read. */
export interface IdentifierQuery {
  readonly scheme?: string | undefined;
  readonly asOf?: string | undefined;
}

interface BatchAnswer {
  readonly results: readonly ({ ok: true; result: LookupValue } | { ok: false; error: unknown })[];
}

/**
 * The service's read API in terms of lookup keys: one key by GET, several of
 * one batch group (same kind, namespace and target) by one POST. A problem
 * answer becomes a failed outcome; only an unreachable service throws.
 */
export class ServiceReads {
  readonly #transport: HttpTransport;

  constructor(transport: HttpTransport) {
    this.#transport = transport;
  }

  async one(key: LookupKey, traceparent: string | undefined): Promise<Outcome<LookupValue>> {
    const base = `/v1/namespaces/${segment(key.namespace)}/identifiers/${segment(key.value)}`;
    const path = key.kind === 'resolve' ? base : `${base}/translations/${segment(key.to ?? '')}`;
    const response = await this.#transport.send({ method: 'GET', path: `${path}${schemeQuery(key.scheme)}`, traceparent });
    if (response.status === 200) return { ok: true, value: response.body as LookupValue };
    return { ok: false, error: errorOfProblem(response.body, response.status) };
  }

  /** The mapping proof of one identifier's resolution (the proof route), by GET: never cached, never batched. */
  proof(namespace: string, value: string, query: IdentifierQuery, traceparent: string | undefined): Promise<Outcome<unknown>> {
    return this.#identifier(`/v1/namespaces/${segment(namespace)}/identifiers/${segment(value)}/proof`, query, traceparent);
  }

  /** One identifier's resolution, by GET with any `asOf`: never cached, never batched. */
  resolution(namespace: string, value: string, query: IdentifierQuery, traceparent: string | undefined): Promise<Outcome<unknown>> {
    return this.#identifier(`/v1/namespaces/${segment(namespace)}/identifiers/${segment(value)}`, query, traceparent);
  }

  async #identifier(path: string, query: IdentifierQuery, traceparent: string | undefined): Promise<Outcome<unknown>> {
    const search = new URLSearchParams();
    if (query.scheme !== undefined) search.set('scheme', query.scheme);
    if (query.asOf !== undefined) search.set('asOf', query.asOf);
    const text = search.toString();
    const response = await this.#transport.send({ method: 'GET', path: text === '' ? path : `${path}?${text}`, traceparent });
    if (response.status === 200) return { ok: true, value: response.body };
    return { ok: false, error: errorOfProblem(response.body, response.status) };
  }

  /** The keys' outcomes in order; the keys share one batch group. */
  async many(keys: readonly LookupKey[], traceparent: string | undefined): Promise<Outcome<LookupValue>[]> {
    const first = keys[0];
    if (first === undefined) return [];
    if (keys.length === 1) return [await this.one(first, traceparent)];
    const identifiers = keys.map(({ value, scheme }) => (scheme === undefined ? { value } : { value, scheme }));
    const response = await this.#transport.send({
      method: 'POST',
      path: `/v1/namespaces/${segment(first.namespace)}/${first.kind}`,
      body: first.kind === 'resolve' ? { identifiers } : { to: first.to, identifiers },
      traceparent,
    });
    if (response.status !== 200) {
      const error = errorOfProblem(response.body, response.status);
      return keys.map(() => ({ ok: false, error }));
    }
    return (response.body as BatchAnswer).results.map((item) =>
      item.ok ? { ok: true, value: item.result } : { ok: false, error: errorOfProblem(item.error, (item.error as { status?: number } | null)?.status ?? 0) },
    );
  }
}

/** Every identifier value an answer names: invalidating any of them drops the answer. */
export function valuesOf(value: LookupValue): string[] {
  const views = 'identifiers' in value ? value.identifiers : [value.from, value.to];
  return views.flatMap((view) => (view.value === null ? [] : [view.value]));
}
