import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A cacheable read: its 200 answers get an ETag and Cache-Control, and If-None-Match is honoured. */
    cache?: boolean;
  }
}

/** A strong validator: the SHA-256 of the response body. */
export const etagOf = (body: string | Buffer): string => `"${createHash('sha256').update(body).digest('base64url')}"`;

/** RFC 9110 §13.1.2: weak comparison, `*` matches anything. */
function matches(ifNoneMatch: string, etag: string): boolean {
  const bare = (tag: string): string => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

/**
 * Adds `ETag` and `Cache-Control: max-age=<maxAge>` to the 200 answers of
 * routes whose config says `cache: true`, and turns them into a bodiless 304
 * when the request's If-None-Match already holds that ETag.
 */
export function registerCaching(app: FastifyInstance, maxAge: number): void {
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (reply.routeOptions.config.cache !== true || reply.statusCode !== 200) return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const etag = etagOf(payload);
    reply.header('etag', etag);
    reply.header('cache-control', `max-age=${maxAge}`);
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
