/** An identifier of a request's URL and what it was translated to. */
export interface UrlReplacement {
  readonly in: 'params' | 'query';
  readonly from: string;
  readonly to: string;
}

const decoded = (segment: string): string | null => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
};

/**
 * A request URL (origin form: path and query) with the given identifiers
 * replaced: a path segment that decodes to a path parameter's value, a query
 * parameter value equal to a query identifier's value. Everything else is
 * kept as written; the query is re-encoded only when one of its values
 * changes.
 */
export function rewriteUrl(url: string, replacements: readonly UrlReplacement[]): string {
  const params = new Map(replacements.filter((r) => r.in === 'params' && r.from !== r.to).map((r) => [r.from, r.to]));
  const query = new Map(replacements.filter((r) => r.in === 'query' && r.from !== r.to).map((r) => [r.from, r.to]));
  if (params.size === 0 && query.size === 0) return url;
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const search = mark < 0 ? null : url.slice(mark + 1);
  const newPath =
    params.size === 0
      ? path
      : path
          .split('/')
          .map((segment) => {
            const to = params.get(decoded(segment) ?? '');
            return to === undefined ? segment : encodeURIComponent(to);
          })
          .join('/');
  if (search === null || query.size === 0) return search === null ? newPath : `${newPath}?${search}`;
  const rewritten = new URLSearchParams();
  for (const [key, value] of new URLSearchParams(search)) rewritten.append(key, query.get(value) ?? value);
  return `${newPath}?${rewritten.toString()}`;
}
