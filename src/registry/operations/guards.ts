import { StableIdError } from '../../model/errors.js';
import type { SchemeInfo } from '../schemes.js';

/** Archived schemes stay resolvable forever, but nothing new is written to them. */
export function refuseArchived(scheme: SchemeInfo, action: string): void {
  if (scheme.state === 'archived') {
    throw new StableIdError('SCHEME_ARCHIVED', `cannot ${action}: scheme ${scheme.namespace}/${scheme.name} is archived`, {
      namespace: scheme.namespace,
      scheme: scheme.name,
    });
  }
}
