import type { ErrorCode, ErrorContext } from '../../model/errors.js';
import { StableIdError } from '../../model/errors.js';
import { projectEvent } from '../../model/projection.js';
import { emptyRows } from '../../model/rows.js';
import type { AppendSet } from '../store.js';

/**
 * An append as it crosses to the worker: the events and secrets only. The
 * worker derives the rows with the same pure projection the registry used,
 * because copying them across threads cost as much as writing them.
 */
export type AppendMessage = Pick<AppendSet, 'events' | 'secrets' | 'erasures'>;

/** What the main thread asks of the append worker, in order. */
export type AppendRequest =
  | { readonly id: number; readonly type: 'begin' }
  | { readonly id: number; readonly type: 'append'; readonly set: AppendMessage }
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

/** The full append set again, its rows projected from its events and secrets. */
export function toAppendSet(message: AppendMessage): AppendSet {
  const rows = emptyRows();
  const secrets = new Map(message.secrets.map((secret) => [`${secret.namespace}\u0000${secret.seq}`, secret]));
  for (const event of message.events) projectEvent(event, secrets.get(`${event.namespace}\u0000${event.seq}`), rows);
  return { ...message, rows };
}
