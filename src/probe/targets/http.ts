import { StableIdError } from '../../model/errors.js';

/** How long one lookup over HTTP may take when no timeout is given. */
export const DEFAULT_TIMEOUT_MS = 5000;

/** An HTTP(S) base URL, checked, without a trailing slash. */
export function httpUrl(field: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StableIdError('INVALID_ARGUMENT', `${field} must be an http:// or https:// URL, got ${JSON.stringify(text)}`, { field });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StableIdError('INVALID_ARGUMENT', `${field} must be an http:// or https:// URL, got ${JSON.stringify(text)}`, { field });
  }
  return text.replace(/\/+$/, '');
}

/** A URL for reports: without a user or password. */
export const shownUrl = (text: string): string => text.replace(/^(https?:\/\/)[^/@]*@/i, '$1');

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body, or null when there is none or it is not JSON. */
  readonly body: unknown;
}

/** One GET, its body read whole (so the connection is free again); rejects only when no answer came. */
export async function getJson(url: string, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<HttpAnswer> {
  const response = await fetch(url, { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text.length > 0 ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: response.status, headers: response.headers, body };
}

/** Why a request got no answer, in a line. */
export function unreachable(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if ((error as Error | null)?.name === 'TimeoutError') return 'timed out';
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
