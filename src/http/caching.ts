import { hash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A cacheable read: its 200 answers get an ETag and Cache-Control, and
     * If-None-Match is honoured. `revalidate`: clients keep it but ask again
     * every time (`no-cache`), for answers that must change within seconds.
     */
    cache?: boolean | 'revalidate';
  }
}

/** A strong validator: the SHA-256 of the response body (one-shot: no Hash object per response). */
export const etagOf = (body: string | Buffer): string => `"${hash('sha256', body, 'base64url')}"`;

/** RFC 9110 §13.1.2: weak comparison, `*` matches anything. */
function matches(ifNoneMatch: string, etag: string): boolean {
  const bare = (tag: string): string => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

/** How long clients may reuse a read: a default, and namespaces whose owners chose otherwise. */
export interface CachePolicy {
  /** `max-age` in seconds of reads in any namespace not listed. */
  readonly maxAge: number;
  /** `max-age` in seconds per namespace name. */
  readonly namespaces: ReadonlyMap<string, number>;
}

/** The `max-age` of a read in `namespace` (undefined for reads outside any namespace). */
export function maxAgeOf(policy: CachePolicy, namespace: string | undefined): number {
  return (namespace === undefined ? undefined : policy.namespaces.get(namespace)) ?? policy.maxAge;
}

/**
 * Adds `ETag` and `Cache-Control: max-age=<seconds>` (the namespace's, else
 * the default) to the 200 answers of routes whose config says `cache: true`,
 * and turns them into a bodiless 304 when the request's If-None-Match already
 * holds that ETag.
 */
export function registerCaching(app: FastifyInstance, policy: CachePolicy): void {
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const cache = reply.routeOptions.config.cache;
    if ((cache !== true && cache !== 'revalidate') || reply.statusCode !== 200) return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const etag = etagOf(payload);
    reply.header('etag', etag);
    const namespace = (request.params as { namespace?: string } | undefined)?.namespace;
    reply.header('cache-control', cache === 'revalidate' ? 'no-cache' : `max-age=${maxAgeOf(policy, namespace)}`);
    const ifNoneMatch = request.headers['if-none-match'];
    if (typeof ifNoneMatch === 'string' && matches(ifNoneMatch, etag)) {
      reply.code(304);
      reply.removeHeader('content-type');
      reply.removeHeader('content-length');
      return '';
    }
    return payload;
  });
}
