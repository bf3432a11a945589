import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ALWAYS_AUTHENTICATED, type Operation, type Principal, REQUIRED_ROLE, authorize } from '../auth/scopes.js';
import type { TokenStore } from '../auth/token-store.js';
import { StableIdError } from '../model/errors.js';
import type { CallContext } from '../registry/registry.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The operation a route carries out: the hook authenticates and authorizes it on the route's `namespace` param. */
    access?: Operation;
  }
  interface FastifyRequest {
    /** Who the bearer token says is calling; null when the route did not ask for (or need) a token. */
    principal: Principal | null;
  }
}

/**
 * - `required`: every namespaced route, reads included, needs a bearer token with its role;
 * - `reads-open`: reads need no token; writes still need one.
 */
export type AuthMode = 'required' | 'reads-open';

const BEARER = /^Bearer[ \t]+([\x21-\x7e]{1,512})[ \t]*$/i;

/**
 * Checks the bearer token of every route whose config names an `access`
 * operation, before its body is read: no or a bad token → UNAUTHENTICATED
 * (401), a token without the role → FORBIDDEN (403). Without a token store
 * reads are open and writes are refused, as no token can be checked. The
 * secret never leaves this function: not in errors, not in logs.
 */
export function registerAuth(app: FastifyInstance, tokens: TokenStore | undefined, mode: AuthMode): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const operation = request.routeOptions.config.access;
    if (operation === undefined) return;
    const isRead = REQUIRED_ROLE[operation] === 'read' && !ALWAYS_AUTHENTICATED.has(operation);
    if (isRead && (tokens === undefined || mode === 'reads-open')) return;
    if (tokens === undefined) {
      throw new StableIdError('UNAUTHENTICATED', 'this service checks no tokens, so it takes no writes', { operation });
    }
    request.principal = await principalOf(request, tokens);
    const namespace = (request.params as { namespace?: string } | undefined)?.namespace;
    // A listing of every namespace needs a token only; the route shows the namespaces it may read.
    // A usage report names its namespaces in its body: the route checks each.
    if (namespace === undefined && (operation === 'list' || operation === 'usage.report')) {
      if (request.principal === null) authorize(null, operation);
      return;
    }
    authorize(request.principal, operation, namespace);
  });
}

async function principalOf(request: FastifyRequest, tokens: TokenStore): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const secret = BEARER.exec(header)?.[1];
  if (secret === undefined) throw new StableIdError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"', { rule: 'auth.scheme' });
  const principal = await tokens.authenticate(secret, new Date());
  if (principal === null) throw new StableIdError('UNAUTHENTICATED', 'the bearer token is unknown, revoked or malformed', { rule: 'auth.token' });
  request.log.debug({ token: principal.id, actor: principal.actor }, 'authenticated');
  return principal;
}

/** The longest `X-Reason` accepted; it is recorded on every event the request writes. */
export const MAX_REASON_LENGTH = 500;

/** What the registry records on the events a request writes: the token's actor, the correlation id and the caller's `X-Reason`. */
export function callContextOf(request: FastifyRequest): CallContext {
  if (request.principal === null) throw new StableIdError('UNAUTHENTICATED', 'a bearer token is required', {});
  const reason = request.headers['x-reason'];
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON_LENGTH)) {
    throw new StableIdError('INVALID_ARGUMENT', `X-Reason must be one header of at most ${MAX_REASON_LENGTH} characters`, { field: 'X-Reason', in: 'headers' });
  }
  return { actor: request.principal.actor, correlationId: request.id, reason: reason === undefined || reason.trim() === '' ? null : reason };
}
