import { StableIdError } from '../../model/errors.js';

/** What the driver and the server report: a SQLSTATE, or a socket error code. */
interface DriverError {
  readonly code?: string;
  readonly message?: string;
}

/** Socket failures: the server is not there, or went away. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * SQLSTATEs that mean the database cannot serve us: connection exceptions
 * (08), shutdown (57P01–57P03), a missing database (3D000), refused
 * credentials (28).
 */
function unavailable(code: string): boolean {
  return code.startsWith('08') || code.startsWith('28') || code === '3D000' || code === '57P01' || code === '57P02' || code === '57P03';
}

/** A deadlock or serialization failure: the transaction changed nothing and may be run again. */
export function isRetryable(error: unknown): boolean {
  const code = (error as DriverError | null)?.code ?? '';
  return code === '40P01' || code === '40001';
}

/**
 * Turns a driver or server failure into a StableIdError naming `where` (the
 * store's description: host, port and database, never the password).
 */
export function toStableIdError(error: unknown, where: string): StableIdError {
  if (error instanceof StableIdError) return error;
  const { code = '', message = String(error) } = (error ?? {}) as DriverError;
  if (message.startsWith('stableid:')) {
    return new StableIdError('IMMUTABLE_ROW', message.slice('stableid: '.length), {}, { cause: error });
  }
  if (NETWORK_CODES.has(code) || unavailable(code) || /connection terminated|connection (?:was )?closed|connection error|not queryable|timeout/i.test(message)) {
    return new StableIdError('STORE_UNAVAILABLE', `cannot use ${where}: ${message}`, { store: where, ...(code ? { sqlstate: code } : {}) }, { cause: error });
  }
  if (isRetryable(error)) {
    return new StableIdError('STORE_BUSY', `${where}: ${message}`, { store: where, sqlstate: code }, { cause: error });
  }
  return new StableIdError('INTERNAL', `postgres: ${message}`, { store: where, ...(code ? { sqlstate: code } : {}) }, { cause: error });
}
