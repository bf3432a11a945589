import type { ExposureFlag, Stage, StageFlag } from '../model/flags.js';

/** The transition flags of one namespace: a stage flag per consumer, an exposure flag per scheme and consumer. */
export interface NamespaceFlags {
  readonly stages: readonly StageFlag[];
  readonly exposure: readonly ExposureFlag[];
}

/** A change of a consumer's stage flag. */
export interface StageChange {
  readonly stage: Stage;
  /** The share of identifiers in `stage` (default 100). */
  readonly percent?: number;
  /** The stages the migration uses (default: those of the current flag, else every stage). */
  readonly stages?: readonly Stage[];
  /** Why, recorded with the change; a skip or a move back is refused without one. */
  readonly reason?: string;
}

/** How a stage change moved the consumer, as {@link stageMove} tells it. */
export type StageMove = 'same' | 'forward' | 'skip' | 'back';

/** What a stage change did. */
export interface StageChanged {
  readonly flag: StageFlag;
  /** The sequence number of the event recorded, or null when nothing changed. */
  readonly seq: number | null;
  readonly move: StageMove;
}

/**
 * Where transition flags come from: the identity service over HTTP
 * ({@link HttpFlagSource}), or a registry in the same process. A
 * {@link FlagReader} puts a cache in front of any of them.
 */
export interface FlagSource {
  /** The namespace's flags as the source holds them now; rejects when they cannot be read. */
  flags(namespace: string): Promise<NamespaceFlags>;
  /**
   * Sets a consumer's stage flag. It is refused (POLICY_VIOLATION, rule
   * `stage-order`) when it skips stages or moves back without a reason.
   * Optional: a read-only source cannot move consumers.
   */
  setStage?(namespace: string, consumer: string, change: StageChange): Promise<StageChanged>;
}

/** No flags at all: every consumer `off`, every scheme shown. */
export const NO_FLAGS: NamespaceFlags = Object.freeze({ stages: Object.freeze([]), exposure: Object.freeze([]) });
