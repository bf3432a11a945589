import {
  ErrorCode,
  type EvaluationContext,
  type FlagMetadata,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import type { ExposureAnswer, FlagAnswerSource, FlagReader, FlagReaderEvent, StageAnswer } from './flag-reader.js';

/** `stableid.stage.<namespace>`: a string, the consumer's stage for the targeting key. */
export const STAGE_FLAG_PREFIX = 'stableid.stage.';
/** `stableid.exposed.<namespace>.<scheme>`: a boolean, whether the consumer is shown the targeting key's identifiers of the scheme. */
export const EXPOSED_FLAG_PREFIX = 'stableid.exposed.';

/** The flag key of a namespace's stage. */
export const stageFlagKey = (namespace: string): string => `${STAGE_FLAG_PREFIX}${namespace}`;
/** The flag key of a scheme's exposure. */
export const exposedFlagKey = (namespace: string, scheme: string): string => `${EXPOSED_FLAG_PREFIX}${namespace}.${scheme}`;

/** Namespace and scheme names are `[a-z][a-z0-9_-]*`: no dots, so a key splits unambiguously. */
const NAME = /^[a-z][a-z0-9_-]*$/;

type FlagKey = { readonly kind: 'stage'; readonly namespace: string } | { readonly kind: 'exposed'; readonly namespace: string; readonly scheme: string };

/** What a flag key names, or undefined for a key that is not a stableid flag. */
export function parseFlagKey(key: string): FlagKey | undefined {
  if (key.startsWith(STAGE_FLAG_PREFIX)) {
    const namespace = key.slice(STAGE_FLAG_PREFIX.length);
    return NAME.test(namespace) ? { kind: 'stage', namespace } : undefined;
  }
  if (key.startsWith(EXPOSED_FLAG_PREFIX)) {
    const [namespace = '', scheme = '', ...rest] = key.slice(EXPOSED_FLAG_PREFIX.length).split('.');
    return rest.length === 0 && NAME.test(namespace) && NAME.test(scheme) ? { kind: 'exposed', namespace, scheme } : undefined;
  }
  return undefined;
}

export interface StableIdProviderOptions {
  /** Where flags are read: `client.flags`, or a FlagReader over another source. */
  readonly flags: FlagReader;
  /** The consumer evaluations are for, unless the evaluation context names one as `consumer`. */
  readonly consumer?: string;
  /** Namespaces whose flags are read when the provider starts, so that the first evaluations are answered from the cache. */
  readonly namespaces?: readonly string[];
}

const VALUE_TYPE = { stage: 'string', exposed: 'boolean' } as const;

/** A failed evaluation: the caller's default, with the code the SDK turns into an error for hooks. */
const failed = <T>(value: T, errorCode: ErrorCode, errorMessage: string): ResolutionDetails<T> => ({ value, reason: StandardResolutionReasons.ERROR, errorCode, errorMessage });

const notFound = <T>(flagKey: string, value: T): ResolutionDetails<T> =>
  failed(value, ErrorCode.FLAG_NOT_FOUND, `${flagKey} is not a stableid flag (stableid.stage.<namespace>, stableid.exposed.<namespace>.<scheme>)`);

const mismatch = <T>(flagKey: string, type: string, value: T): ResolutionDetails<T> => {
  const key = parseFlagKey(flagKey);
  return failed(value, ErrorCode.TYPE_MISMATCH, `${flagKey} is a ${key === undefined ? 'different' : VALUE_TYPE[key.kind]} flag, not a ${type} one`);
};

/** An evaluation's flag, consumer and identifier, or the failure that answers it. */
type Target<T> = (FlagKey & { readonly consumer: string; readonly identifier: string }) | { readonly kind: 'failed'; readonly details: ResolutionDetails<T> };

/**
 * Why a value is what it is: served past its TTL (`STALE`); no flag applies
 * or the flags could not be read and the reader's defaults answered
 * (`DEFAULT`); a flag shares the consumer's traffic by bucket (`SPLIT`); or
 * a flag applies to all of it (`TARGETING_MATCH`).
 */
function reasonOf(source: FlagAnswerSource, flag: { readonly percent: number } | undefined): string {
  if (source === 'stale') return StandardResolutionReasons.STALE;
  if (source === 'default' || flag === undefined) return StandardResolutionReasons.DEFAULT;
  if (flag.percent > 0 && flag.percent < 100) return StandardResolutionReasons.SPLIT;
  return StandardResolutionReasons.TARGETING_MATCH;
}

function metadataOf(namespace: string, consumer: string, answer: StageAnswer | ExposureAnswer): FlagMetadata {
  const metadata: FlagMetadata = { namespace, consumer, source: answer.source, bucket: answer.bucket };
  if (answer.flag !== undefined) {
    metadata['flagConsumer'] = answer.flag.consumer;
    metadata['percent'] = answer.flag.percent;
  }
  return metadata;
}

/**
 * An OpenFeature server provider over stableid's transition flags, so that
 * applications evaluate stages and exposure through the OpenFeature SDK and
 * its hooks. The evaluation context's `targetingKey` is the identifier
 * (bucketed with the consumer, as everywhere in stableid); its `consumer`
 * attribute, or the provider's `consumer`, names the consumer.
 *
 * - `stableid.stage.<namespace>` is a string: the stage, which is also the variant;
 * - `stableid.exposed.<namespace>.<scheme>` is a boolean: variant `exposed` or `hidden`.
 *
 * Any other key is FLAG_NOT_FOUND; asking for a known key as another type is
 * TYPE_MISMATCH; no targeting key is TARGETING_KEY_MISSING; no consumer is
 * INVALID_CONTEXT. Flag metadata names the namespace, consumer, source,
 * bucket, and the deciding flag's consumer and percent.
 *
 * Evaluations never wait on a failing service longer than a flag read does,
 * and never fail for it: the reader answers from its cache or its defaults.
 * When a read finds a namespace's flags changed, the provider emits
 * PROVIDER_CONFIGURATION_CHANGED with the namespace's flag keys.
 */
export class StableIdProvider implements Provider {
  readonly metadata = Object.freeze({ name: 'stableid' });
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly #flags: FlagReader;
  readonly #consumer: string | undefined;
  readonly #namespaces: readonly string[];
  #unsubscribe: (() => void) | null = null;

  constructor(options: StableIdProviderOptions) {
    this.#flags = options.flags;
    this.#consumer = options.consumer;
    this.#namespaces = Object.freeze([...(options.namespaces ?? [])]);
  }

  async initialize(): Promise<void> {
    this.#unsubscribe ??= this.#flags.subscribe((event) => this.#changed(event));
    await Promise.all(this.#namespaces.map((namespace) => this.#flags.flags(namespace)));
  }

  async onClose(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    const target = this.#target(flagKey, 'boolean', defaultValue, context);
    if (target.kind !== 'exposed') return target.kind === 'failed' ? target.details : mismatch(flagKey, 'boolean', defaultValue);
    const { namespace, scheme, consumer, identifier } = target;
    const answer = await this.#flags.exposed(namespace, scheme, consumer, identifier);
    return {
      value: answer.exposed,
      variant: answer.exposed ? 'exposed' : 'hidden',
      reason: reasonOf(answer.source, answer.flag),
      flagMetadata: { ...metadataOf(namespace, consumer, answer), scheme },
    };
  }

  async resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    const target = this.#target(flagKey, 'string', defaultValue, context);
    if (target.kind !== 'stage') return target.kind === 'failed' ? target.details : mismatch(flagKey, 'string', defaultValue);
    const { namespace, consumer, identifier } = target;
    const answer = await this.#flags.stage(namespace, consumer, identifier);
    return { value: answer.stage, variant: answer.stage, reason: reasonOf(answer.source, answer.flag), flagMetadata: metadataOf(namespace, consumer, answer) };
  }

  async resolveNumberEvaluation(flagKey: string, defaultValue: number): Promise<ResolutionDetails<number>> {
    return parseFlagKey(flagKey) === undefined ? notFound(flagKey, defaultValue) : mismatch(flagKey, 'number', defaultValue);
  }

  async resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T): Promise<ResolutionDetails<T>> {
    return parseFlagKey(flagKey) === undefined ? notFound(flagKey, defaultValue) : mismatch(flagKey, 'object', defaultValue);
  }

  /** What an evaluation asks about, or why it cannot be answered. */
  #target<T>(flagKey: string, type: string, defaultValue: T, context: EvaluationContext): Target<T> {
    const key = parseFlagKey(flagKey);
    if (key === undefined) return { kind: 'failed', details: notFound(flagKey, defaultValue) };
    if (VALUE_TYPE[key.kind] !== type) return { kind: 'failed', details: mismatch(flagKey, type, defaultValue) };
    const identifier = context.targetingKey;
    if (typeof identifier !== 'string' || identifier === '') {
      return { kind: 'failed', details: failed(defaultValue, ErrorCode.TARGETING_KEY_MISSING, `${flagKey} is decided per identifier: give it as the targeting key`) };
    }
    const named = context['consumer'];
    const consumer = typeof named === 'string' && named !== '' ? named : this.#consumer;
    if (consumer === undefined) {
      return { kind: 'failed', details: failed(defaultValue, ErrorCode.INVALID_CONTEXT, `${flagKey} is decided per consumer: give one as the context's consumer or the provider's`) };
    }
    return { ...key, consumer, identifier };
  }

  #changed(event: FlagReaderEvent): void {
    if (event.type !== 'changed') return;
    const schemes = new Set(event.flags.exposure.map((flag) => flag.scheme));
    const flagsChanged = [stageFlagKey(event.namespace), ...[...schemes].map((scheme) => exposedFlagKey(event.namespace, scheme))];
    this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged, message: `the flags of ${event.namespace} changed` });
  }
}
