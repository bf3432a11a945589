/**
 * The deprecation headers of an answer to a caller who used deprecated
 * identifiers, in the formats the identity service sends
 * (src/http/deprecation.ts), as plain name → value pairs so that every
 * framework can set them:
 *
 * - `Deprecation` (RFC 9745): a structured-field date `@<unix seconds>`. The
 *   registry does not report when a deprecation took effect, so this is the
 *   instant of the answer — a date at which the identifier certainly was
 *   deprecated.
 * - `Sunset` (RFC 8594): the earliest sunset date among them as an HTTP-date,
 *   when one has any.
 * - `Link`: the same request in the handler's scheme as
 *   `rel="successor-version"`, when the identifiers travelled in the URL;
 *   the route's page about the deprecation as `rel="deprecation"`, when it
 *   names one.
 */
export function deprecationHeaders(
  sunsets: readonly (string | null)[],
  options: { readonly now: number; readonly successor: string | null; readonly documentation: string | null },
): Record<string, string> {
  const headers: Record<string, string> = { deprecation: `@${Math.floor(options.now / 1000)}` };
  const dates = sunsets.map((sunset) => (sunset === null ? Number.NaN : Date.parse(sunset))).filter((ms) => Number.isFinite(ms));
  if (dates.length > 0) headers['sunset'] = new Date(Math.min(...dates)).toUTCString();
  const links = [
    ...(options.successor === null ? [] : [`<${options.successor}>; rel="successor-version"`]),
    ...(options.documentation === null ? [] : [`<${options.documentation}>; rel="deprecation"`]),
  ];
  if (links.length > 0) headers['link'] = links.join(', ');
  return headers;
}
