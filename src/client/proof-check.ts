import { type Attributes, SpanKind, SpanStatusCode, type Tracer, context } from '@opentelemetry/api';
import { StableIdError, toStableIdError } from '../model/errors.js';
import { canonicalInteger } from '../model/formats/integer.js';
import { type Checkpoint, type MappingProof, type MappingProofVerdict, type TrustedKey, keyIdOf, parsePublicKeys, verifyMappingProof } from '../model/proof/index.js';
import type { Resolution } from '../model/types.js';
import type { Answer } from './answer.js';
import type { ClientStats } from './client-stats.js';
import { withSource } from './problem-error.js';
import type { ServiceReads } from './service-reads.js';
import { traceparentOf } from './traceparent.js';

/** The client option `proofs`: the keys answers are verified against. */
export interface ProofOptions {
  /**
   * The registry's public keys, pinned: the text `stableid keys export-public`
   * writes (PEM, each key after its `# stableid public key` line), or the keys
   * themselves. A checkpoint signed by no key here is not trusted.
   */
  readonly publicKeys: string | readonly TrustedKey[];
  /**
   * Whether {@link VerifiedAnswer}s must be verified (default true). With
   * false, when the service has no proof to give — no checkpoint covers the
   * answer's events yet (CHECKPOINT_NOT_FOUND), or it predates proofs — the
   * plain resolution is answered with `verified: false`. A proof the service
   * does give that fails is refused either way.
   */
  readonly require?: boolean;
}

/** The `proofs` option checked: the pinned keys, frozen. */
export interface ProofConfig {
  readonly keys: readonly TrustedKey[];
  readonly require: boolean;
}

/** What `resolveVerified` asks besides the namespace and value. */
export interface VerifiedResolveOptions {
  /** The scheme of the value; without it, every scheme whose format accepts it is tried. */
  readonly scheme?: string;
  /** Answer with what was true at this ISO 8601 instant. */
  readonly asOf?: string;
}

/**
 * An answer of `resolveVerified`. Verified answers come from the service
 * (`source` is always `canonical`): they are neither read from nor written to
 * the client's cache.
 */
export interface VerifiedAnswer<T> extends Answer<T> {
  /** True when the answer's proof verified against the pinned keys; false only for a fallback under `require: false`. */
  readonly verified: boolean;
  /** The signed checkpoint the answer is proven against: its `size` and `time` say how recent the proof is. Null when not verified. */
  readonly checkpoint: Checkpoint | null;
  /** The proof itself, to keep as evidence: it verifies again offline (`stableid verify --proof`). Null when not verified. */
  readonly proof: MappingProof | null;
}

/** The `proofs` option checked and frozen: a key file parsed, a list of keys each matching its id. */
export function proofConfig(options: ProofOptions): ProofConfig {
  const field = 'proofs.publicKeys';
  let keys: TrustedKey[];
  if (typeof options.publicKeys === 'string') {
    try {
      keys = parsePublicKeys(options.publicKeys);
    } catch (error) {
      const cause = toStableIdError(error);
      throw new StableIdError(cause.code, `client option ${field}: ${cause.message}`, { ...cause.context, field }, { cause });
    }
  } else {
    keys = options.publicKeys.map((key, index) => {
      let id: string | null = null;
      try {
        id = keyIdOf(key.name, key.publicKey);
      } catch {
        // Not a 32-byte Ed25519 key: reported below as not matching its id.
      }
      if (id !== key.keyId) {
        throw new StableIdError('INVALID_ARGUMENT', `client option ${field}[${index}]: key ${key.keyId} is not the key of ${key.name} it names`, { field, keyId: key.keyId });
      }
      return Object.freeze({ name: key.name, keyId: key.keyId, publicKey: key.publicKey, validFrom: key.validFrom ?? null, validUntil: key.validUntil ?? null });
    });
  }
  if (keys.length === 0) throw new StableIdError('INVALID_ARGUMENT', `client option ${field} names no key: pin at least one`, { field });
  return Object.freeze({ keys: Object.freeze(keys), require: options.require ?? true });
}

/** What was asked: the proof must answer this question, not another. */
interface Question {
  readonly namespace: string;
  readonly value: string;
  readonly scheme: string | undefined;
  /** As an ISO instant in UTC, as the service echoes it. */
  readonly asOf: string | null;
}

/**
 * The resolution a mapping proof proves, once it holds against `keys` and
 * answers `question`; never throws for anything but a proof that fails.
 * SIGNATURE_INVALID when no pinned key signed its checkpoint (or a pinned
 * key's signature does not verify, or was made outside the key's period);
 * PROOF_FAILED when it is signed but does not prove its resolution (an
 * event altered, an inclusion path wrong, a fact not in the events), or
 * proves the answer to another question (another identifier, namespace,
 * scheme or instant). Pure.
 */
export function provenResolution(document: unknown, keys: readonly TrustedKey[], question: Question): { resolution: Resolution; checkpoint: Checkpoint; proof: MappingProof } {
  const verdict = verifyMappingProof(document, keys);
  const where = `the service's proof of ${JSON.stringify(question.value)} in "${question.namespace}"`;
  const base = { namespace: question.namespace, value: question.value, ...(question.scheme === undefined ? {} : { scheme: question.scheme }) };
  if (!verdict.ok) {
    const signed = verdict.signatures.map((s) => `${s.name} ${s.keyId} (${s.status})`);
    const context = { ...base, problems: [...verdict.problems], signatures: signed, ...(verdict.checkpoint ? { size: verdict.checkpoint.size } : {}) };
    if (unsigned(verdict)) {
      throw new StableIdError('SIGNATURE_INVALID', `${where} is not signed by a pinned key (signed by: ${signed.join(', ') || 'none'})`, context);
    }
    throw new StableIdError('PROOF_FAILED', `${where} does not hold: ${verdict.problems.join('; ')}`, context);
  }
  const proof = document as MappingProof;
  const { resolution } = proof;
  const asked = resolution.identifier;
  const mismatch =
    resolution.namespace !== question.namespace
      ? `it proves a resolution in "${resolution.namespace}"`
      : !spellingOf(question.value, asked.value)
        ? `it proves ${JSON.stringify(asked.value)} (${asked.scheme})`
        : question.scheme !== undefined && asked.scheme !== question.scheme
          ? `it proves the value in scheme ${asked.scheme}`
          : resolution.asOf !== question.asOf
            ? `it proves the answer as of ${resolution.asOf ?? 'now'}, not ${question.asOf ?? 'now'}`
            : null;
  if (mismatch !== null) {
    throw new StableIdError('PROOF_FAILED', `${where} answers another question: ${mismatch}`, { ...base, entity: resolution.entity, size: verdict.checkpoint?.size });
  }
  return { resolution, checkpoint: verdict.checkpoint as Checkpoint, proof };
}

/** Whether the verdict fails for want of a good signature by a pinned key (with a readable checkpoint). */
const unsigned = (verdict: MappingProofVerdict): boolean =>
  verdict.checkpoint !== null && (!verdict.signatures.some((s) => s.status === 'valid') || verdict.signatures.some((s) => s.status === 'invalid' || s.status === 'outside-validity'));

/**
 * Whether `canonical` (the value a proof shows as the one asked for) is a
 * spelling of `asked` the registry may have normalised it to. Formats only
 * fold letter case and drop an integer's leading zeros, so that is all that
 * is allowed; the proof does not carry the scheme's format, so a value that
 * differs in just those ways from one asked in a scheme that tells them apart
 * cannot be told from it here.
 */
function spellingOf(asked: string, canonical: string | null): boolean {
  if (canonical === null) return false;
  if (asked === canonical || asked.toLowerCase() === canonical.toLowerCase()) return true;
  return canonicalInteger(asked) === canonical;
}

/** The service has no proof to give: none covers the answer yet, or it serves none (a version before proofs). */
const proofUnavailable = (error: StableIdError): boolean =>
  error.code === 'CHECKPOINT_NOT_FOUND' || (error.code === 'INVALID_ARGUMENT' && error.context['rule'] === 'http.route' && error.context['status'] === 404);

/** An asOf as the service echoes it: an ISO instant in UTC (a date alone is its midnight, UTC). */
function instantOf(asOf: string | undefined): string | null {
  if (asOf === undefined) return null;
  const ms = !/^\d{4}-\d{2}-\d{2}(T.+)?$/.test(asOf) ? Number.NaN : Date.parse(asOf.length === 10 ? `${asOf}T00:00:00Z` : asOf);
  if (!Number.isFinite(ms)) throw new StableIdError('INVALID_ARGUMENT', `asOf must be an ISO 8601 date or date-time, got ${JSON.stringify(asOf)}`, { field: 'asOf' });
  return new Date(ms).toISOString();
}

const SPAN_NAME = 'stableid.resolve_verified';

/**
 * Verified resolutions: each asks the service for the resolution's mapping
 * proof and checks it offline against the pinned keys before answering.
 * Nothing is cached: every call fetches a proof and checks it, so an answer
 * that failed once is never served later, and the plain lookups' cache is
 * neither read nor written. Each call has a client span of its own.
 */
export class ProofCheck {
  readonly #reads: ServiceReads;
  readonly #config: ProofConfig;
  readonly #tracer: Tracer;
  readonly #stats: ClientStats;

  constructor(reads: ServiceReads, config: ProofConfig, tracer: Tracer, stats: ClientStats) {
    this.#reads = reads;
    this.#config = config;
    this.#tracer = tracer;
    this.#stats = stats;
  }

  /** Counted in the client's stats as the plain lookups are: under `canonical` when the service answered (a problem or a refused proof included), else as an error. */
  resolve(namespace: string, value: string, options: VerifiedResolveOptions): Promise<VerifiedAnswer<Resolution>> {
    const attributes: Attributes = { 'stableid.namespace': namespace };
    if (options.scheme !== undefined) attributes['stableid.scheme'] = options.scheme;
    return this.#tracer.startActiveSpan(SPAN_NAME, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      try {
        const question = { namespace, value, scheme: options.scheme, asOf: instantOf(options.asOf) };
        const answer = await this.#answer(question, traceparentOf(context.active()));
        this.#stats.answered('canonical');
        span.setAttribute('stableid.verified', answer.verified);
        return answer;
      } catch (thrown) {
        const error = toStableIdError(thrown);
        if (error.code === 'SERVICE_UNAVAILABLE') this.#stats.failed();
        else if (error.context['source'] !== undefined || error.code === 'SIGNATURE_INVALID' || error.code === 'PROOF_FAILED') this.#stats.answered('canonical');
        span.setAttribute('stableid.error_code', error.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  async #answer(question: Question, traceparent: string | undefined): Promise<VerifiedAnswer<Resolution>> {
    const query = { scheme: question.scheme, asOf: question.asOf ?? undefined };
    const proven = await this.#reads.proof(question.namespace, question.value, query, traceparent);
    if (proven.ok) {
      const { resolution, checkpoint, proof } = provenResolution(proven.value, this.#config.keys, question);
      return { value: resolution, source: 'canonical', verified: true, checkpoint, proof };
    }
    if (this.#config.require || !proofUnavailable(proven.error)) throw withSource(proven.error, 'canonical');
    const plain = await this.#reads.resolution(question.namespace, question.value, query, traceparent);
    if (!plain.ok) throw withSource(plain.error, 'canonical');
    return { value: plain.value as Resolution, source: 'canonical', verified: false, checkpoint: null, proof: null };
  }
}
