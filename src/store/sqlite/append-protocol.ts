import type { ErrorCode, ErrorContext } from '../../model/errors.js';
import { StableIdError } from '../../model/errors.js';
import type { AppendSet } from '../store.js';

/** What the main thread asks of the append worker, in order. */
export type AppendRequest =
  | { readonly id: number; readonly type: 'begin' }
  | { readonly id: number; readonly type: 'append'; readonly set: AppendSet }
  | { readonly id: number; readonly type: 'commit' }
  | { readonly id: number; readonly type: 'rollback' };

export interface SerializedError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly context: ErrorContext;
}

export type AppendReply = { readonly id: number; readonly ok: true } | { readonly id: number; readonly ok: false; readonly error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof StableIdError) return { code: error.code, message: error.message, context: { ...error.context } };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), context: {} };
}

export function deserializeError(error: SerializedError): StableIdError {
  return new StableIdError(error.code, error.message, error.context);
}
