import { createHash } from 'node:crypto';

/**
 * Transition stages, in the order consumers move through them: what a
 * consumer reads and writes while legacy and new identifiers live side by side.
 */
export const STAGES = ['off', 'dualwrite', 'shadow', 'live', 'rampdown', 'complete'] as const;
export type Stage = (typeof STAGES)[number];

/** What a stage means for a consumer's reads and writes. */
export interface StagePaths {
  /** Which paths a read runs. */
  readonly reads: 'old' | 'new' | 'both';
  /** Which path's answer a read returns. */
  readonly authoritative: 'old' | 'new';
  /** Which paths a write runs. */
  readonly writes: 'old' | 'new' | 'both';
  /** Whether the two read answers are compared. */
  readonly compare: boolean;
}

export const STAGE_PATHS: Readonly<Record<Stage, StagePaths>> = {
  off: { reads: 'old', authoritative: 'old', writes: 'old', compare: false },
  dualwrite: { reads: 'old', authoritative: 'old', writes: 'both', compare: false },
  shadow: { reads: 'both', authoritative: 'old', writes: 'both', compare: true },
  live: { reads: 'both', authoritative: 'new', writes: 'both', compare: true },
  rampdown: { reads: 'new', authoritative: 'new', writes: 'both', compare: false },
  complete: { reads: 'new', authoritative: 'new', writes: 'new', compare: false },
};

/** Migrations that skip stages declare the ones they use; these two shortened paths are common. */
export const TWO_STAGES: readonly Stage[] = ['off', 'complete'];
export const FOUR_STAGES: readonly Stage[] = ['off', 'dualwrite', 'live', 'complete'];

export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

/**
 * A consumer's place in a namespace's transition: its stage, the share of
 * its traffic (by identifier) that is in that stage — the rest stays in the
 * previous stage of `stages` — and the stages the migration uses.
 */
export interface StageFlag {
  readonly namespace: string;
  /** The consumer (service) it is set for; `*` is every consumer without a flag of its own. */
  readonly consumer: string;
  readonly stage: Stage;
  /** 0–100: the share of identifiers, by deterministic bucket, that are in `stage`. */
  readonly percent: number;
  /** The stages this migration uses, in order (default every stage). */
  readonly stages: readonly Stage[];
}

/** Whether a consumer is shown identifiers of a scheme at all: everyone, no one, or a share of identifiers. */
export interface ExposureFlag {
  readonly namespace: string;
  readonly scheme: string;
  /** `*` for every consumer without a flag of its own. */
  readonly consumer: string;
  /** 0 hides the scheme, 100 shows it; in between, the identifiers in that share of buckets. */
  readonly percent: number;
}

export const ANY_CONSUMER = '*';
export const BUCKETS = 100;

/**
 * The bucket (0–99) of an identifier for a consumer: SHA-256 of the two,
 * so that the same consumer and identifier land in the same bucket in every
 * process and every release, and different consumers are spread
 * independently.
 */
export function bucketOf(consumer: string, identifier: string): number {
  const digest = createHash('sha256').update(`stableid/bucket/v1\u0000${consumer}\u0000${identifier}`).digest();
  return digest.readUInt32BE(0) % BUCKETS;
}

/** Whether the bucket of (consumer, identifier) falls within `percent`. */
export function inRollout(consumer: string, identifier: string, percent: number): boolean {
  return bucketOf(consumer, identifier) < percent;
}

/** The flag that applies to a consumer: its own, else the `*` one, else none. */
export function flagFor<T extends { readonly consumer: string }>(flags: readonly T[], consumer: string): T | undefined {
  return flags.find((flag) => flag.consumer === consumer) ?? flags.find((flag) => flag.consumer === ANY_CONSUMER);
}

/**
 * The stage a consumer is in for one identifier: the flag's stage when the
 * identifier's bucket is within its percent, else the stage before it in the
 * migration's stages (`off` without a flag).
 */
export function stageFor(flag: StageFlag | undefined, consumer: string, identifier: string): Stage {
  if (flag === undefined) return 'off';
  if (inRollout(consumer, identifier, flag.percent)) return flag.stage;
  const at = flag.stages.indexOf(flag.stage);
  return at > 0 ? (flag.stages[at - 1] as Stage) : flag.stage;
}

/** Whether a consumer is shown an identifier of the flag's scheme (no flag: shown). */
export function exposed(flag: ExposureFlag | undefined, consumer: string, identifier: string): boolean {
  return flag === undefined || inRollout(consumer, identifier, flag.percent);
}

/** How a stage change moves: forward in order, a skip over stages, or back. */
export function stageMove(stages: readonly Stage[], from: Stage, to: Stage): 'same' | 'forward' | 'skip' | 'back' {
  const a = stages.indexOf(from);
  const b = stages.indexOf(to);
  if (a === b) return 'same';
  if (b === a + 1) return 'forward';
  return b > a ? 'skip' : 'back';
}
