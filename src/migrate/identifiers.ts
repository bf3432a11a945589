import { StableIdError } from '../model/errors.js';
import { requireIdentifier } from '../model/formats/index.js';
import type { SchemeFormats } from './document-change.js';

/** The value's canonical spelling in the scheme, or null when the scheme refuses it. */
export function canonicalIdentifier(formats: SchemeFormats, scheme: string, raw: string): string | null {
  const format = formats.get(scheme);
  if (!format) throw new StableIdError('SCHEME_NOT_FOUND', `scheme "${scheme}" does not exist`, { scheme });
  try {
    return requireIdentifier(format, raw);
  } catch (error) {
    if (error instanceof StableIdError && error.code === 'INVALID_IDENTIFIER') return null;
    throw error;
  }
}
