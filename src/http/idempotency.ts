import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StableIdError } from '../model/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A write that honours `Idempotency-Key`: its first answer is kept and replayed to retries. */
    idempotent?: boolean;
  }
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
const KEY = /^[\x21-\x7e]{1,255}$/;

export interface IdempotencyOptions {
  /** The most keys kept; the least recently used is dropped first (default 10,000). */
  readonly maxKeys?: number;
  /** How long a kept answer is replayed, in ms (default 24 h). */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

interface Kept {
  readonly fingerprint: string;
  readonly expiresAt: number;
  /** Undefined while the first request is still being answered. */
  answer?: { readonly status: number; readonly contentType: string; readonly location: string | undefined; readonly body: string };
}

/**
 * The first answer to each (token, `Idempotency-Key`) pair, in memory: a
 * bounded LRU whose entries expire. Only answers the route itself gave are
 * kept (not 5xx: a retry should try again); a key is the caller's, so two
 * tokens never see each other's answers.
 */
export function registerIdempotency(app: FastifyInstance, options: IdempotencyOptions = {}): void {
  const maxKeys = options.maxKeys ?? 10_000;
  const ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
  const now = options.now ?? Date.now;
  const kept = new Map<string, Kept>();
  const owned = new WeakMap<FastifyRequest, string>();

  const lookup = (id: string): Kept | undefined => {
    const entry = kept.get(id);
    if (entry === undefined) return undefined;
    kept.delete(id);
    if (entry.expiresAt <= now()) return undefined;
    kept.set(id, entry); // most recently used last
    return entry;
  };

  // After validation, so that a malformed request is refused without taking the key.
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.routeOptions.config.idempotent !== true) return;
    const key = request.headers[IDEMPOTENCY_HEADER];
    if (key === undefined) return;
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new StableIdError('INVALID_ARGUMENT', 'Idempotency-Key must be one header of 1 to 255 visible ASCII characters', { field: 'Idempotency-Key', in: 'headers' });
    }
    const id = `${request.principal?.id ?? ''}\u0000${key}`;
    const fingerprint = createHash('sha256').update(`${request.method} ${request.url}\u0000${JSON.stringify(request.body ?? null)}`).digest('base64url');
    const entry = lookup(id);
    if (entry !== undefined) {
      if (entry.fingerprint !== fingerprint) {
        throw new StableIdError('INVALID_ARGUMENT', 'this Idempotency-Key was used for a different request; use a new key for a new request', {
          field: 'Idempotency-Key',
          rule: 'idempotency.key-reused',
        });
      }
      if (entry.answer === undefined) {
        throw new StableIdError('STATE_CONFLICT', 'a request with this Idempotency-Key is still being answered; retry shortly', { field: 'Idempotency-Key', rule: 'idempotency.in-flight' });
      }
      const { status, contentType, location, body } = entry.answer;
      if (location !== undefined) reply.header('location', location);
      return reply.code(status).type(contentType).header(REPLAYED_HEADER, 'true').send(body);
    }
    kept.set(id, { fingerprint, expiresAt: now() + ttlMs });
    while (kept.size > maxKeys) kept.delete(kept.keys().next().value as string);
    owned.set(request, id);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const id = owned.get(request);
    if (id === undefined) return payload;
    owned.delete(request);
    const entry = kept.get(id);
    if (entry === undefined) return payload;
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      kept.delete(id);
      return payload;
    }
    const location = reply.getHeader('location');
    entry.answer = { status: reply.statusCode, contentType: String(reply.getHeader('content-type') ?? 'application/json'), location: typeof location === 'string' ? location : undefined, body: payload };
    return payload;
  });

  // A request that ended without an answer (its connection dropped) frees its key.
  app.addHook('onResponse', async (request) => {
    const id = owned.get(request);
    if (id === undefined) return;
    owned.delete(request);
    if (kept.get(id)?.answer === undefined) kept.delete(id);
  });
}
