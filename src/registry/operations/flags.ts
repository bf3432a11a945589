import { StableIdError } from '../../model/errors.js';
import { GOVERNANCE_LOG } from '../../model/events.js';
import { type ExposureFlag, STAGES, type Stage, type StageFlag, flagFor, isStage, stageMove } from '../../model/flags.js';
import type { GovernanceState } from '../governance.js';
import { requireName, requireText } from '../validation.js';
import type { WriteSession } from '../write-session.js';

/** How a stage change moves a consumer: see {@link stageMove}. */
export type StageMove = ReturnType<typeof stageMove>;

/** A namespace's flags as the governance log holds them. */
export interface NamespaceFlags {
  readonly namespace: string;
  /** The latest stage flag of each consumer (`*`: every consumer without one of its own). */
  readonly stages: StageFlag[];
  /** The latest exposure flag of each (scheme, consumer). */
  readonly exposure: ExposureFlag[];
}

export interface StageInput {
  readonly namespace: string;
  readonly consumer: string;
  readonly stage: Stage;
  /** 0–100, default 100: the share of identifiers in `stage`; the rest stay in the stage before it. */
  readonly percent?: number;
  /** The stages the migration uses (default: those of the flag in force, else every stage). */
  readonly stages?: readonly Stage[];
}

export interface StageOutcome {
  readonly flag: StageFlag;
  /** The event's seq in the governance log; null when the flag was already so (nothing written). */
  readonly seq: number | null;
  /** From the stage in force for the consumer (its own flag, else `*`'s, else `off`) to the new one. */
  readonly move: StageMove;
}

export interface ExposureInput {
  readonly namespace: string;
  readonly scheme: string;
  readonly consumer: string;
  readonly percent: number;
}

export interface ExposureOutcome {
  readonly flag: ExposureFlag;
  /** null when the flag was already so (nothing written). */
  readonly seq: number | null;
}

/** The longest consumer name: a service name, not a document. */
const MAX_CONSUMER = 128;

/** The flags of one namespace in the governance state. */
export function flagsOf(governance: GovernanceState, namespace: string): NamespaceFlags {
  return {
    namespace,
    stages: governance.stages.filter((flag) => flag.namespace === namespace),
    exposure: governance.exposure.filter((flag) => flag.namespace === namespace),
  };
}

/**
 * Sets a consumer's transition stage. Moving forward by one of the declared
 * stages needs nothing; a skip or a move back needs a reason (rule
 * `stage-order`, judged even without a policy). Setting the flag it already
 * has writes nothing.
 */
export async function setStage(session: WriteSession, input: StageInput, reason: string | null): Promise<StageOutcome> {
  const namespace = requireName('namespace', input.namespace);
  await session.namespace(namespace);
  const consumer = requireConsumer(input.consumer);
  const governance = await session.governance();
  const flags = flagsOf(governance, namespace).stages;
  const own = flags.find((flag) => flag.consumer === consumer);
  const inForce = flagFor(flags, consumer);
  const stages = input.stages === undefined ? (inForce?.stages ?? STAGES) : requireStages(input.stages);
  if (!isStage(input.stage) || !stages.includes(input.stage)) {
    throw new StableIdError('INVALID_ARGUMENT', `stage must be one of the migration's stages (${stages.join(', ')}), got ${JSON.stringify(input.stage)}`, { field: 'stage', namespace });
  }
  const flag: StageFlag = { namespace, consumer, stage: input.stage, percent: requirePercent(input.percent ?? 100), stages: [...stages] };
  const move = moveOf(stages, inForce?.stage ?? 'off', flag.stage);
  if (own && sameStageFlag(own, flag)) return { flag: own, seq: null, move: 'same' };
  (await session.guard()).stageMoved({ namespace, consumer }, move, inForce?.stage ?? 'off', flag.stage, reason);
  const event = await session.emit(GOVERNANCE_LOG, { type: 'flag.stage.set', body: flag });
  return { flag, seq: event.seq, move };
}

/** Sets whether a consumer is shown a scheme's identifiers (0 none, 100 all, in between a share by bucket). The same flag again writes nothing. */
export async function setExposure(session: WriteSession, input: ExposureInput): Promise<ExposureOutcome> {
  const namespace = requireName('namespace', input.namespace);
  await session.scheme(namespace, requireName('scheme', input.scheme));
  const flag: ExposureFlag = { namespace, scheme: input.scheme, consumer: requireConsumer(input.consumer), percent: requirePercent(input.percent) };
  const own = (await session.governance()).exposure.find((f) => f.namespace === namespace && f.scheme === flag.scheme && f.consumer === flag.consumer);
  if (own && own.percent === flag.percent) return { flag: own, seq: null };
  const event = await session.emit(GOVERNANCE_LOG, { type: 'flag.exposure.set', body: flag });
  return { flag, seq: event.seq };
}

/**
 * The move from `from` to `to` within the declared stages. When `from` is
 * not among them (the migration declared fewer stages since), the first
 * declared stage after it is the next one.
 */
export function moveOf(stages: readonly Stage[], from: Stage, to: Stage): StageMove {
  if (stages.includes(from)) return stageMove(stages, from, to);
  const rank = (stage: Stage): number => STAGES.indexOf(stage);
  if (to === stages.find((stage) => rank(stage) > rank(from))) return 'forward';
  return rank(to) > rank(from) ? 'skip' : 'back';
}

/** A consumer (service) name, or `*` for every consumer without a flag of its own. */
export function requireConsumer(value: unknown): string {
  const consumer = requireText('consumer', value, MAX_CONSUMER);
  if (/[\u0000-\u001f\u007f]/.test(consumer)) throw new StableIdError('INVALID_ARGUMENT', 'consumer must not contain control characters', { field: 'consumer' });
  return consumer;
}

function requirePercent(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
    throw new StableIdError('INVALID_ARGUMENT', `percent must be a whole number from 0 to 100, got ${JSON.stringify(value)}`, { field: 'percent' });
  }
  return value;
}

/** Declared stages: a selection of {@link STAGES}, in their order, from `off` to `complete`. */
function requireStages(value: unknown): readonly Stage[] {
  const valid =
    Array.isArray(value) &&
    value.every(isStage) &&
    value[0] === 'off' &&
    value.at(-1) === 'complete' &&
    value.every((stage, i) => i === 0 || STAGES.indexOf(stage) > STAGES.indexOf(value[i - 1] as Stage));
  if (!valid) {
    throw new StableIdError('INVALID_ARGUMENT', `stages must be some of ${STAGES.join(', ')}, in that order, from off to complete (e.g. off,dualwrite,live,complete), got ${JSON.stringify(value)}`, {
      field: 'stages',
    });
  }
  return value as Stage[];
}

function sameStageFlag(a: StageFlag, b: StageFlag): boolean {
  return a.stage === b.stage && a.percent === b.percent && a.stages.length === b.stages.length && a.stages.every((stage, i) => stage === b.stages[i]);
}
