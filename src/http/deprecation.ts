import type { FastifyReply } from 'fastify';
import type { IdentifierView, Scheme } from '../model/types.js';
import type { DeprecationNotice } from './schemas.js';

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
  reply.header('deprecation', `@${Math.floor((Number.isFinite(asOf) ? asOf : Date.now()) / 1000)}`);
  const sunset = notice.sunset === null ? Number.NaN : Date.parse(notice.sunset);
  if (Number.isFinite(sunset)) reply.header('sunset', new Date(sunset).toUTCString());
  if (notice.replacement !== null && notice.value !== null) {
    const target = `/v1/namespaces/${encodeURIComponent(options.namespace)}/identifiers/${encodeURIComponent(notice.value)}/translations/${encodeURIComponent(notice.replacement)}?scheme=${encodeURIComponent(notice.scheme)}`;
    reply.header('link', `<${target}>; rel="successor-version"`);
  }
}
