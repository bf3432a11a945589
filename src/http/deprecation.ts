import type { FastifyInstance, FastifyReply, onRequestHookHandler } from 'fastify';
import { StableIdError } from '../model/errors.js';
import type { IdentifierView, Scheme } from '../model/types.js';
import type { DeprecationNotice } from './schemas.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A deprecated API route: every answer says so, and the OpenAPI document marks it. */
    deprecatedRoute?: RouteDeprecation;
  }
}

/** RFC 9745 `Deprecation`: a structured-field date, `@<unix seconds>`. */
const structuredDate = (ms: number): string => `@${Math.floor(ms / 1000)}`;

/**
 * The notice for an identifier the registry reports as retired (deprecated,
 * or archived: past deprecation), naming the replacement scheme that its
 * scheme's deprecation gave; null for an active identifier.
 */
export function deprecationOf(identifier: IdentifierView, schemes: ReadonlyMap<string, Scheme>): DeprecationNotice | null {
  if (identifier.state === 'active') return null;
  return {
    scheme: identifier.scheme,
    value: identifier.value,
    state: identifier.state,
    sunset: identifier.sunset,
    replacement: schemes.get(identifier.scheme)?.replacement ?? null,
  };
}

/**
 * Sets the deprecation headers of a single read:
 * - `Deprecation` (RFC 9745): a structured date `@<unix seconds>`. The
 *   registry does not report when the deprecation took effect, so this is the
 *   instant the answer describes (its `asOf`, else now) — a date at which the
 *   identifier certainly was deprecated.
 * - `Sunset` (RFC 8594): the sunset date as an HTTP-date, when there is one.
 * - `Link: <…>; rel="successor-version"`: the translation of the identifier
 *   into the replacement scheme, when the deprecated scheme names one.
 */
export function setDeprecationHeaders(reply: FastifyReply, notice: DeprecationNotice, options: { namespace: string; asOf: string | null }): void {
  const asOf = options.asOf === null ? Number.NaN : Date.parse(options.asOf);
  reply.header('deprecation', structuredDate(Number.isFinite(asOf) ? asOf : Date.now()));
  const sunset = notice.sunset === null ? Number.NaN : Date.parse(notice.sunset);
  if (Number.isFinite(sunset)) reply.header('sunset', new Date(sunset).toUTCString());
  if (notice.replacement !== null && notice.value !== null) {
    const target = `/v1/namespaces/${encodeURIComponent(options.namespace)}/identifiers/${encodeURIComponent(notice.value)}/translations/${encodeURIComponent(notice.replacement)}?scheme=${encodeURIComponent(notice.scheme)}`;
    reply.header('link', `<${target}>; rel="successor-version"`);
  }
}

/** Why and until when an API route is deprecated, and what replaces it. */
export interface RouteDeprecation {
  /** When the route was deprecated: an ISO 8601 date or instant. */
  readonly since: string;
  /** When it stops answering, once decided: an ISO 8601 date or instant. */
  readonly sunset?: string;
  /** The successor route, or the page that says what replaces the route. */
  readonly link: string;
}

function instantOf(field: string, text: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new StableIdError('INVALID_ARGUMENT', `${field} must be an ISO 8601 date, got ${JSON.stringify(text)}`, { field });
  return ms;
}

/**
 * Marks every route whose config names a `deprecatedRoute`, through the same
 * headers as a deprecated identifier: `Deprecation` (RFC 9745), `Sunset`
 * (RFC 8594) and `Link: <…>; rel="deprecation"`, on every answer including
 * errors; its OpenAPI operation says `deprecated: true`. Routes without one
 * get no hook at all, so the mark costs them nothing. Register it before the
 * routes.
 */
export function registerRouteDeprecation(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const notice = route.config?.deprecatedRoute;
    if (notice === undefined) return;
    const headers: Record<string, string> = {
      deprecation: structuredDate(instantOf('deprecatedRoute.since', notice.since)),
      link: `<${notice.link}>; rel="deprecation"`,
    };
    if (notice.sunset !== undefined) headers['sunset'] = new Date(instantOf('deprecatedRoute.sunset', notice.sunset)).toUTCString();
    route.schema = { ...route.schema, deprecated: true } as typeof route.schema;
    const mark: onRequestHookHandler = (_request, reply, done) => {
      reply.headers(headers);
      done();
    };
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [mark, ...existing];
  });
}
