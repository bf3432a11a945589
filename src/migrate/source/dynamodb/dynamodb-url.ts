import { StableIdError } from '../../../model/errors.js';

/** Where a DynamoDB source lives, as read from its URL. */
export interface DynamoTarget {
  /** The endpoint to call; undefined for the SDK's own (AWS, or AWS_ENDPOINT_URL_DYNAMODB). */
  readonly endpoint: string | undefined;
  /** The region; undefined for the SDK's own (AWS_REGION, the shared config). */
  readonly region: string | undefined;
  /** Prepended to every table name the source uses: collections and the fence table. */
  readonly prefix: string;
  /** The URL as shown: endpoint, region and prefix. */
  readonly description: string;
}

const bad = (message: string): StableIdError => new StableIdError('INVALID_ARGUMENT', message, { field: 'source' });

/** Whether a reference names a DynamoDB source. */
export const isDynamoUrl = (reference: string): boolean => /^dynamodb:/i.test(reference);

/**
 * Reads `dynamodb://[host[:port]][?region=…&endpoint=…&prefix=…]`. With no
 * host, the SDK finds the endpoint, region and credentials as it always
 * does (AWS_REGION, AWS_PROFILE, the instance role…); a host names a local
 * endpoint reached over HTTP (DynamoDB Local, LocalStack), region `local`
 * unless one is given; `endpoint=` names any endpoint in full.
 */
export function parseDynamoUrl(reference: string): DynamoTarget {
  let url: URL;
  try {
    url = new URL(reference);
  } catch {
    throw bad('the DynamoDB URL is malformed (expected dynamodb://[host:port][?region=…&prefix=…])');
  }
  if (url.username || url.password) throw bad('a DynamoDB URL carries no credentials: the SDK reads them from the environment (AWS_ACCESS_KEY_ID, AWS_PROFILE, …)');
  for (const name of url.searchParams.keys()) {
    if (!['region', 'endpoint', 'prefix'].includes(name)) throw bad(`unknown DynamoDB source option "${name}" (region, endpoint, prefix)`);
  }
  if (url.pathname !== '' && url.pathname !== '/') throw bad('a DynamoDB URL names no path: collections are tables, named by the migration');
  const named = url.searchParams.get('endpoint');
  if (named !== null && url.host !== '') throw bad('name the endpoint either as the host or with endpoint=, not both');
  let endpoint = named ?? (url.host === '' ? undefined : `http://${url.host}`);
  if (endpoint !== undefined) {
    try {
      endpoint = new URL(endpoint).toString().replace(/\/$/, '');
    } catch {
      throw bad('endpoint= must be a URL such as https://dynamodb.eu-west-1.amazonaws.com');
    }
  }
  const region = url.searchParams.get('region') ?? (url.host === '' ? undefined : 'local');
  const prefix = url.searchParams.get('prefix') ?? '';
  if (!/^[A-Za-z0-9_.-]*$/.test(prefix)) throw bad(`prefix "${prefix}" must be letters, digits, _, . or - (it starts table names)`);
  // A plain-HTTP endpoint is shown as the host, as it was most likely given; any other in full.
  const host = endpoint?.startsWith('http://') ? endpoint.slice('http://'.length) : '';
  const options = [endpoint !== undefined && host === '' ? `endpoint=${endpoint}` : '', region === undefined ? '' : `region=${region}`, prefix ? `prefix=${prefix}` : '']
    .filter((option) => option !== '')
    .join('&');
  const description = `dynamodb://${host}${options ? `?${options}` : ''}`;
  return { endpoint, region, prefix, description };
}
