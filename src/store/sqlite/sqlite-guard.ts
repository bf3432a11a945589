import type Database from 'better-sqlite3';
import { StableIdError } from '../../model/errors.js';

export type Row = Record<string, unknown>;
export type Statement = Database.Statement<unknown[], Row>;

/** Runs a driver call, turning database refusals into stable error codes. */
export function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof StableIdError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith('stableid:')) {
      throw new StableIdError('IMMUTABLE_ROW', message.slice('stableid: '.length), {}, { cause: error });
    }
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY')) {
      throw new StableIdError('STORE_UNAVAILABLE', message, { sqlite: code }, { cause: error });
    }
    throw new StableIdError('INTERNAL', `sqlite: ${message}`, { sqlite: code }, { cause: error });
  }
}

