import { StableIdError } from '../../model/errors.js';

/** Where a PostgreSQL store lives, and how to name it without its password. */
export interface PostgresTarget {
  /** The URL handed to the driver: the given one without stableid's own parameters. */
  readonly connectionString: string;
  readonly schema: string;
  /** e.g. "postgres://app@db.internal:5432/registry?schema=stableid"; never the password. */
  readonly description: string;
}

export const DEFAULT_SCHEMA = 'stableid';

// A plain lowercase identifier needs no quoting anywhere it is used.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function isPostgresUrl(reference: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(reference);
}

/** Reads `postgres://user:password@host:port/database?schema=name`; `schema` overrides the URL's. */
export function parsePostgresUrl(url: string, schema?: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL itself may hold a password: the message does not repeat it.
    throw new StableIdError('INVALID_ARGUMENT', 'the PostgreSQL URL cannot be parsed (expected postgres://user@host:port/database)', { field: 'db' });
  }
  if (!isPostgresUrl(url)) {
    throw new StableIdError('INVALID_ARGUMENT', `not a PostgreSQL URL: "${parsed.protocol}"`, { field: 'db' });
  }
  const name = schema ?? parsed.searchParams.get('schema') ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(name)) {
    throw new StableIdError('INVALID_ARGUMENT', `schema "${name}" must be a lowercase SQL identifier (a-z, 0-9, _; at most 63)`, { field: 'schema' });
  }
  parsed.searchParams.delete('schema');
  const host = parsed.hostname || 'localhost';
  const port = parsed.port || '5432';
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
  const database = parsed.pathname.replace(/^\//, '') || (parsed.username ? decodeURIComponent(parsed.username) : '');
  return {
    connectionString: parsed.toString(),
    schema: name,
    description: `postgres://${user}${host}:${port}/${database}?schema=${name}`,
  };
}
