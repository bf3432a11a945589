import type { ErrorCode } from '../model/errors.js';
import type { LifecycleState } from '../model/types.js';
import type { ProbeRecord } from './probe-file.js';

/**
 * What a target answered for one recorded identifier:
 * - `found`: it recognized the identifier; `entity` is the entity it named,
 *   or null when the target does not say (a shim);
 * - `missing`: it answered, and does not recognize it (not found, erased,
 *   no longer valid, ambiguous without its scheme);
 * - `error`: it gave no usable answer (unreachable, timed out, refused the token, a server error).
 */
export type Observation =
  | { readonly kind: 'found'; readonly entity: string | null; readonly state: LifecycleState | null }
  | { readonly kind: 'missing' | 'error'; readonly code: string; readonly message: string };

/**
 * A place recorded identifiers are replayed through: the registry, the
 * service, the SDK, a shimmed endpoint. A new target is one file in
 * src/probe/targets implementing this.
 */
export interface ProbeTarget {
  /** Its kind, as reports name it: `registry`, `service`, `sdk`, `shim`. */
  readonly name: string;
  /** Where it points (a URL, a database), without secrets. */
  readonly description: string;
  /**
   * Looks one identifier up the way a client would, once: no cache answers
   * it. Never rejects; every failure is an observation. Safe to call
   * concurrently.
   */
  lookup(record: ProbeRecord): Promise<Observation>;
  /** Releases what the target holds (the SDK's timers); idempotent. */
  close(): Promise<void>;
}

/** The registry's answers that mean "not recognized" rather than "could not answer". */
export const MISSING_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'IDENTIFIER_NOT_FOUND',
  'IDENTIFIER_ERASED',
  'NAMESPACE_NOT_FOUND',
  'SCHEME_NOT_FOUND',
  'INVALID_IDENTIFIER',
  'AMBIGUOUS_IDENTIFIER',
]);

/** An observation of a failure with this code: `missing` when it means "not recognized", else `error`. */
export const failed = (code: string, message: string): Observation => ({ kind: MISSING_CODES.has(code as ErrorCode) ? 'missing' : 'error', code, message });
