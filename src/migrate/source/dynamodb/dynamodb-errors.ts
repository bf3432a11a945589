import { StableIdError } from '../../../model/errors.js';

/** What the SDK's errors carry. */
interface SdkError {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string;
  readonly CancellationReasons?: readonly { readonly Code?: string; readonly Message?: string }[];
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** The store asks for less: capacity exceeded or requests throttled. */
const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'ThrottlingError', 'ProvisionedThroughputExceeded']);
/** A transaction met another on the same items, or the same request is still under way: it wrote nothing and may be run again. */
const CONFLICT = new Set(['TransactionConflict', 'TransactionInProgressException']);
/** The store cannot be reached or will not let us in. */
const UNAVAILABLE = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'AccessDeniedException',
  'MissingAuthenticationTokenException',
  'CredentialsProviderError',
  'ExpiredTokenException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** The reason a call may be tried again — throttling, or a transaction cancelled for nothing but throttling and conflicts — or null. */
export function retryReason(error: unknown): string | null {
  const { name = '', CancellationReasons } = (error ?? {}) as SdkError;
  if (THROTTLING.has(name) || name === 'TransactionInProgressException') return name;
  if (name === 'TransactionCanceledException' && CancellationReasons) {
    const codes = CancellationReasons.map((reason) => reason.Code ?? 'None').filter((code) => code !== 'None');
    if (codes.length > 0 && codes.every((code) => THROTTLING.has(code) || CONFLICT.has(code))) return `TransactionCanceledException (${[...new Set(codes)].join(', ')})`;
  }
  return null;
}

/** A failure of the SDK or the service as a StableIdError naming `where` (the source's description: endpoint and region, never a credential). */
export function toStableIdError(error: unknown, where: string): StableIdError {
  if (error instanceof StableIdError) return error;
  const { name = '', message = String(error), code = '' } = (error ?? {}) as SdkError;
  if (UNAVAILABLE.has(name) || NETWORK.has(code) || NETWORK.has(name) || /ECONNREFUSED|ENOTFOUND|socket hang up|Region is missing|Could not load credentials/i.test(message)) {
    return new StableIdError('STORE_UNAVAILABLE', `cannot use ${where}: ${message}`, { store: where, ...(name ? { error: name } : {}) }, { cause: error });
  }
  if (retryReason(error) !== null) return new StableIdError('STORE_BUSY', `${where}: ${message}`, { store: where, error: name }, { cause: error });
  if (name === 'ValidationException') return new StableIdError('INVALID_ARGUMENT', `${where} refused the request: ${message}`, { store: where, field: 'ops' }, { cause: error });
  return new StableIdError('INTERNAL', `dynamodb: ${name ? `${name}: ` : ''}${message}`, { store: where, ...(name ? { error: name } : {}) }, { cause: error });
}
