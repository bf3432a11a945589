import { randomUUID } from 'node:crypto';
import { newEntityId } from '../model/entity-id.js';
import type { BatchFailure } from '../model/errors.js';
import { BatchRejectedError, StableIdError } from '../model/errors.js';
import { type ChainedEvent, GOVERNANCE_LOG } from '../model/events.js';
import { type SigningKeyRecord, newKeyRecord, retirement } from '../model/proof/key-records.js';
import type { MappingProof } from '../model/proof/mapping-proof.js';
import type { TrustedKey } from '../model/proof/signature-check.js';
import type { Signer } from '../model/proof/signing.js';
import type { Binding, Namespace, Resolution, Scheme, Translation, WriteContext } from '../model/types.js';
import type { Store, StoreReader, StoreTransaction, WriteOptions } from '../store/store.js';
import { alias } from './operations/alias.js';
import {
  type CheckpointOutcome,
  type CheckpointVerification,
  type KeptCheckpoint,
  consistencyProof,
  createCheckpoint,
  keptCheckpoints,
  proveResolution,
  verifyCheckpoint,
} from './checkpoints.js';
import { addScheme, archiveScheme, createNamespace, deprecateScheme } from './operations/definitions.js';
import { applyContractRecord, applyPolicy, decidable, decide } from './operations/governance.js';
import { type ExposureInput, type ExposureOutcome, type NamespaceFlags, type StageInput, type StageOutcome, flagsOf, requireConsumer, setExposure, setStage } from './operations/flags.js';
import { shownTo } from './exposure.js';
import { type ChangeRequest, type ContractRecord, type GovernanceState, type HookRun, UNGOVERNED, readGovernance } from './governance.js';
import { type HookOutcome, type HookRunner, hookLabel, runHook } from './lifecycle-hooks.js';
import type { Policy } from './policy/policy.js';
import { erase } from './operations/erase.js';
import { archiveIdentifier, deprecateIdentifier } from './operations/lifecycle.js';
import { rebind } from './operations/rebind.js';
import { register } from './operations/register.js';
import type { DefinitionOutcome, IdentifierRef, NamespaceDefinition, WriteOutcome, WriteRequest } from './requests.js';
import { parseWriteRequest } from './request-shape.js';
import { ReadIndex, type ReadIndexOptions } from './read-index.js';
import { Resolver, type ResolverReader } from './resolver.js';
import { type Maybe, isPromise } from './steps.js';
import { loadSchemes } from './schemes.js';
import { optionalFreeText, requireInstant, requireText } from './validation.js';
import { type VerifyReport, verifyStore } from './verify.js';
import { MappingDigest } from './mapping-digest.js';
import { mappingsOf } from './mappings.js';
import { WriteSession } from './write-session.js';

export interface RegistryOptions {
  /** Recorded on events when a call names no actor. */
  readonly actor?: string;
  /** Source of event times; injectable for tests. */
  readonly clock?: () => Date;
  /** Issues canonical entity ids; never reused. */
  readonly newEntityId?: () => string;
  /**
   * Serve resolve, translate and lookups from an in-memory index of each
   * namespace kept current from the event log (see {@link ReadIndex}):
   * `true`, or its options. Off by default: it trades memory (the namespace's
   * rows) for reads that touch the store only to check the chain head.
   */
  readonly readIndex?: boolean | ReadIndexOptions;
  /** Runs the contract's lifecycle hooks (default: commands in a shell, webhooks by POST); injectable for tests. */
  readonly hookRunner?: HookRunner;
}

/** A scheme as definitions show it: with the instant it took its current state (null: active since added). */
export type SchemeDefinition = Scheme & { readonly stateAt: string | null };

export interface NamespaceDefinitions {
  readonly namespace: Namespace;
  readonly schemes: readonly SchemeDefinition[];
}

/** A namespace- or scheme-level change a contract asks for; see {@link Registry.applyContract}. */
export type DefinitionChange =
  | { readonly op: 'create-namespace'; readonly definition: NamespaceDefinition }
  | { readonly op: 'add-scheme'; readonly namespace: string; readonly scheme: string; readonly format: unknown }
  | { readonly op: 'deprecate-scheme'; readonly namespace: string; readonly scheme: string; readonly sunset: string; readonly replacement: string | null }
  | { readonly op: 'archive-scheme'; readonly namespace: string; readonly scheme: string };

/** What applying a contract did: each change's outcome (pending when held for approval), and the contract's event. */
export interface ContractApplication {
  readonly outcomes: readonly (DefinitionOutcome & { readonly op: DefinitionChange['op'] })[];
  readonly seq: number;
}

/** Who writes and why; every field defaults sensibly. */
export interface CallContext {
  readonly actor?: string;
  readonly correlationId?: string;
  readonly reason?: string | null;
}

/** An item of a batch: a request, or a line that could not even be read. */
export type BatchItem =
  | { readonly request: WriteRequest; readonly line?: number }
  | { readonly error: StableIdError; readonly line?: number };

export interface BatchOptions extends CallContext {
  /** Write every item that succeeds and report the others, instead of writing nothing when one fails. */
  readonly continueOnError?: boolean;
  /** Keep every outcome in the report (the default); imports of millions of lines turn it off. */
  readonly keepOutcomes?: boolean;
  /** Called after each chunk with the running counts. */
  readonly onProgress?: (progress: BatchProgress) => void;
  /** Items decided and flushed together; larger is faster, smaller reports progress more often. */
  readonly chunkSize?: number;
  /**
   * A long batch, such as an import: the store may write on a second core
   * while the registry decides the next chunk. Memory grows with the batch,
   * since everything it writes is kept until it commits.
   */
  readonly bulk?: boolean;
}

export interface BatchProgress {
  readonly done: number;
  readonly failed: number;
}

export interface BatchReport {
  readonly total: number;
  /** Items that wrote an event. */
  readonly written: number;
  /** Items that repeated a request already carried out. */
  readonly unchanged: number;
  readonly failed: number;
  readonly failures: readonly BatchFailure[];
  readonly outcomes: readonly WriteOutcome[];
  readonly correlationId: string;
}

export interface ReadOptions {
  /** An ISO 8601 instant: answer with what was true then. */
  readonly asOf?: string | null;
  /**
   * The consumer (service) asking, or `*`: the answer is what the exposure
   * flags in force show it (see `shownTo`). Without one, everything is
   * shown: the registry's own view, as the CLI and library calls see it.
   */
  readonly consumer?: string;
}

/** One answer of a batch read: a result, or the error for that item alone. */
/** An identifier as bulk work sees it: see {@link Registry.lookupMany}. */
export interface IdentifierLookup {
  readonly entity: string;
  /** Every identifier of the entity, oldest first; a value is null once erased. */
  readonly identifiers: readonly { readonly scheme: string; readonly value: string | null }[];
  /** The current binding (the latest version), or null. */
  readonly binding: Binding | null;
}

export type ItemResult<T> = { readonly ok: true; readonly result: T } | { readonly ok: false; readonly error: StableIdError };

const MAX_KEPT_FAILURES = 1000;
/** The longest reason an event records. */
const MAX_REASON = 4096;

/**
 * The registry: every rule of stableid's identifier model, over any store.
 * Faces (CLI, HTTP, SDK) call these methods and hold no rules of their own.
 */
export class Registry {
  readonly #store: Store;
  readonly #actor: string;
  readonly #clock: () => Date;
  readonly #newEntityId: () => string;
  readonly #index: ReadIndex | null;
  readonly #hookRunner: HookRunner;
  /** The governance log as last read, reused while its head has not moved. */
  #governance: GovernanceState = UNGOVERNED;

  constructor(store: Store, options: RegistryOptions = {}) {
    this.#store = store;
    this.#index = options.readIndex ? new ReadIndex(store, options.readIndex === true ? {} : options.readIndex) : null;
    this.#hookRunner = options.hookRunner ?? runHook;
    this.#actor = options.actor ?? 'stableid';
    this.#clock = options.clock ?? (() => new Date());
    this.#newEntityId = options.newEntityId ?? (() => newEntityId());
  }

  get store(): Store {
    return this.#store;
  }

  /** The in-memory read index, when the registry was opened with one. */
  get readIndex(): ReadIndex | null {
    return this.#index;
  }

  // ── namespaces and schemes ──────────────────────────────────────────────

  createNamespace(definition: NamespaceDefinition, context: CallContext = {}): Promise<DefinitionOutcome> {
    return this.#define(context, (session) => createNamespace(session, definition));
  }

  addScheme(namespace: string, name: string, format: unknown, context: CallContext = {}): Promise<DefinitionOutcome> {
    return this.#define(context, (session) => addScheme(session, namespace, name, format));
  }

  /** Deprecates a scheme; in a governed registry the contract's `deprecate` hooks run once it is written (held for approval: once approved). */
  async deprecateScheme(namespace: string, name: string, sunset: string, replacement?: string | null, context: CallContext = {}): Promise<DefinitionOutcome> {
    const outcome = await this.#define(context, (session) => deprecateScheme(session, namespace, name, sunset, replacement));
    if (outcome.changed) await this.#runHooks(namespace, name, 'deprecate', context);
    return outcome;
  }

  /** Archives a scheme; the contract's `archive` hooks run once it is written. */
  async archiveScheme(namespace: string, name: string, context: CallContext = {}): Promise<DefinitionOutcome> {
    const outcome = await this.#define(context, (session) => archiveScheme(session, namespace, name));
    if (outcome.changed) await this.#runHooks(namespace, name, 'archive', context);
    return outcome;
  }

  async listNamespaces(): Promise<Namespace[]> {
    return this.#store.read(async (reader) =>
      (await reader.listNamespaces()).map(({ createdSeq: _seq, ...namespace }) => namespace),
    );
  }

  /**
   * Every namespace with its schemes, each scheme with the instant it took
   * its current state: what a contract is planned and checked against.
   */
  async definitions(): Promise<NamespaceDefinitions[]> {
    return this.#store.read(async (reader) => {
      const namespaces: NamespaceDefinitions[] = [];
      for (const { createdSeq: _seq, ...namespace } of await reader.listNamespaces()) {
        const schemes = await loadSchemes(reader, namespace.name, null);
        namespaces.push({ namespace, schemes: [...schemes.values()].map(({ createdSeq: _s, ...scheme }) => scheme) });
      }
      return namespaces;
    });
  }

  async getNamespace(name: string): Promise<{ namespace: Namespace; schemes: Scheme[] }> {
    return this.#store.read(async (reader) => {
      const row = await reader.getNamespace(name);
      if (!row) throw new StableIdError('NAMESPACE_NOT_FOUND', `namespace "${name}" does not exist`, { namespace: name });
      const { createdSeq: _seq, ...namespace } = row;
      const schemes = await new Resolver(reader, null).schemes(name);
      return { namespace, schemes: [...schemes.values()].map(({ createdSeq: _s, stateAt: _at, ...scheme }) => scheme) };
    });
  }

  // ── identifier writes ───────────────────────────────────────────────────

  /** Carries out one write; throws its error (nothing written) when it fails. */
  async write(request: WriteRequest, context: CallContext = {}): Promise<WriteOutcome> {
    try {
      const report = await this.writeMany([{ request }], context);
      return report.outcomes[0] as WriteOutcome;
    } catch (error) {
      throw error instanceof BatchRejectedError && error.failures[0] ? error.failures[0].error : error;
    }
  }

  register(request: Omit<Extract<WriteRequest, { op: 'register' }>, 'op'>, context?: CallContext): Promise<WriteOutcome> {
    return this.write({ op: 'register', ...request }, context);
  }

  alias(request: Omit<Extract<WriteRequest, { op: 'alias' }>, 'op'>, context?: CallContext): Promise<WriteOutcome> {
    return this.write({ op: 'alias', ...request }, context);
  }

  rebind(request: Omit<Extract<WriteRequest, { op: 'rebind' }>, 'op'>, context?: CallContext): Promise<WriteOutcome> {
    return this.write({ op: 'rebind', ...request }, context);
  }

  deprecate(request: Omit<Extract<WriteRequest, { op: 'deprecate' }>, 'op'>, context?: CallContext): Promise<WriteOutcome> {
    return this.write({ op: 'deprecate', ...request }, context);
  }

  archive(request: Omit<Extract<WriteRequest, { op: 'archive' }>, 'op'>, context?: CallContext): Promise<WriteOutcome> {
    return this.write({ op: 'archive', ...request }, context);
  }

  erase(request: Omit<Extract<WriteRequest, { op: 'erase' }>, 'op'>, context?: CallContext): Promise<WriteOutcome> {
    return this.write({ op: 'erase', ...request }, context);
  }

  /**
   * Carries out a batch in one transaction. All or nothing: when any item fails,
   * nothing is written and a BATCH_REJECTED error lists every failure — unless
   * `continueOnError`, in which case the others are written and the report
   * lists the failures.
   */
  async writeMany(items: Iterable<BatchItem> | AsyncIterable<BatchItem>, options: BatchOptions = {}): Promise<BatchReport> {
    const context = this.#context(options);
    const chunkSize = options.chunkSize ?? 2000;
    const keepOutcomes = options.keepOutcomes ?? true;
    return this.#write(async (tx) => {
      const session = new WriteSession(tx, context, this.#clock, this.#loadGovernance);
      const outcomes: WriteOutcome[] = [];
      const failures: BatchFailure[] = [];
      let total = 0;
      let written = 0;
      let unchanged = 0;
      let failed = 0;
      const fail = (failure: BatchFailure): void => {
        failed += 1;
        if (failures.length < MAX_KEPT_FAILURES) failures.push(failure);
      };
      const runChunk = async (chunk: { item: BatchItem; index: number }[]): Promise<void> => {
        await prefetch(session, chunk.map((c) => c.item));
        for (const { item, index } of chunk) {
          if ('error' in item) {
            fail({ index, ...(item.line !== undefined ? { line: item.line } : {}), error: item.error });
            continue;
          }
          try {
            const outcome = await this.#apply(session, item.request);
            if (outcome.changed) written += 1;
            else unchanged += 1;
            if (keepOutcomes) outcomes.push(outcome);
          } catch (error) {
            if (!(error instanceof StableIdError) || error.code === 'STORE_UNAVAILABLE' || error.code === 'INTERNAL' || error.code === 'IMMUTABLE_ROW') {
              throw error;
            }
            fail({ index, ...(item.line !== undefined ? { line: item.line } : {}), error });
          }
        }
        // Flushing is safe even after a failure: the transaction rolls back as a whole.
        await session.flush();
        options.onProgress?.({ done: total, failed });
      };
      let chunk: { item: BatchItem; index: number }[] = [];
      for await (const item of items) {
        chunk.push({ item, index: total });
        total += 1;
        if (chunk.length >= chunkSize) {
          await runChunk(chunk);
          chunk = [];
        }
      }
      if (chunk.length > 0) await runChunk(chunk);
      if (failed > 0 && !options.continueOnError) throw new BatchRejectedError(failures, total);
      return { total, written, unchanged, failed, failures, outcomes, correlationId: context.correlationId };
    }, { bulk: options.bulk === true });
  }

  async #apply(session: WriteSession, untrusted: WriteRequest): Promise<WriteOutcome> {
    const request = parseWriteRequest(untrusted);
    switch (request.op) {
      case 'register':
        return register(session, request, this.#newEntityId);
      case 'alias':
        return alias(session, request);
      case 'rebind':
        return rebind(session, request);
      case 'deprecate':
        return deprecateIdentifier(session, request);
      case 'archive':
        return archiveIdentifier(session, request);
      case 'erase':
        return erase(session, request);
    }
  }

  // ── reads ───────────────────────────────────────────────────────────────

  async resolve(namespace: string, ref: IdentifierRef, options: ReadOptions = {}): Promise<Resolution> {
    return this.#resolver(namespace, options, (resolver) => resolver.resolve(namespace, ref));
  }

  async translate(namespace: string, ref: IdentifierRef, toScheme: string, options: ReadOptions = {}): Promise<Translation> {
    return this.#resolver(namespace, options, (resolver) => resolver.translate(namespace, ref, toScheme));
  }

  /** Resolves many identifiers from one snapshot; each item succeeds or fails on its own. */
  async resolveMany(namespace: string, refs: readonly IdentifierRef[], options: ReadOptions = {}): Promise<ItemResult<Resolution>[]> {
    return this.#resolver(namespace, options, (resolver) => settleEach(refs, (ref) => resolver.resolve(namespace, ref)));
  }

  /**
   * The entity of each identifier, by scheme and canonical value, in one
   * batched read: what bulk checks (migration digests) need, without the
   * full resolution. null where the registry has no such identifier.
   */
  async entitiesOf(namespace: string, identifiers: readonly { readonly scheme: string; readonly value: string }[]): Promise<(string | null)[]> {
    return this.#readNamespace(namespace, async (reader) => {
      const found = new Map((await reader.findIdentifiers(namespace, identifiers)).map((record) => [`${record.scheme}\u0000${record.value ?? ''}`, record.entity]));
      return identifiers.map((identifier) => found.get(`${identifier.scheme}\u0000${identifier.value}`) ?? null);
    });
  }

  /**
   * What bulk work needs of many identifiers (by scheme and canonical value)
   * in a handful of batched reads: the entity, its identifiers by scheme, its
   * current binding. null where the registry has no such identifier. Unlike
   * resolveMany it neither resolves states nor builds an error per miss.
   */
  async lookupMany(namespace: string, identifiers: readonly { readonly scheme: string; readonly value: string }[]): Promise<(IdentifierLookup | null)[]> {
    return this.#readNamespace(namespace, async (reader) => {
      const found = new Map((await reader.findIdentifiers(namespace, identifiers)).map((record) => [`${record.scheme}\u0000${record.value ?? ''}`, record.entity]));
      const entities = [...new Set(found.values())];
      const identifiersOf = new Map<string, { scheme: string; value: string | null }[]>();
      for (const record of entities.length > 0 ? await reader.identifiersOfEntities(namespace, entities) : []) {
        identifiersOf.set(record.entity, [...(identifiersOf.get(record.entity) ?? []), { scheme: record.scheme, value: record.value }]);
      }
      const bindingOf = new Map<string, Binding>();
      for (const row of entities.length > 0 ? await reader.bindings(namespace, entities) : []) {
        bindingOf.set(row.entity, { store: row.store, collection: row.collection, key: row.key });
      }
      return identifiers.map((identifier) => {
        const entity = found.get(`${identifier.scheme}\u0000${identifier.value}`);
        return entity === undefined ? null : { entity, identifiers: identifiersOf.get(entity) ?? [], binding: bindingOf.get(entity) ?? null };
      });
    });
  }

  async translateMany(namespace: string, refs: readonly IdentifierRef[], toScheme: string, options: ReadOptions = {}): Promise<ItemResult<Translation>[]> {
    return this.#resolver(namespace, options, (resolver) => settleEach(refs, (ref) => resolver.translate(namespace, ref, toScheme)));
  }

  /** The namespace's events after `afterSeq`, oldest first. */
  history(namespace: string, afterSeq = 0, limit = 100): Promise<ChainedEvent[]> {
    return this.#store.read(async (reader) => {
      if (!(await reader.getNamespace(namespace)) && !(await reader.head(namespace))) {
        throw new StableIdError('NAMESPACE_NOT_FOUND', `namespace "${namespace}" does not exist`, { namespace });
      }
      return reader.events(namespace, afterSeq, limit);
    });
  }

  // ── governance ──────────────────────────────────────────────────────────

  /** The governance in force: the policy (null: ungoverned), the last contract applied, change requests and hook runs. */
  governance(): Promise<GovernanceState> {
    return this.#store.read((reader) => this.#loadGovernance(reader));
  }

  /** Puts a policy in force: from its event on, every write is judged by it (see {@link PolicyGuard}). */
  async applyPolicy(policy: Policy, context: CallContext = {}): Promise<{ seq: number }> {
    const seq = await this.#define(context, async (session) => ({ namespace: GOVERNANCE_LOG, scheme: null, changed: true, seq: await applyPolicy(session, policy) }));
    return { seq: seq.seq as number };
  }

  /**
   * Carries out a contract in one transaction: its record (version,
   * protected namespaces, primary and flagged schemes, hooks) first, so that
   * the changes after it are judged by it, then each change. A change the
   * policy refuses refuses them all; a breaking change of a protected
   * namespace is held for approval (its outcome says `pending`).
   */
  async applyContract(version: string, records: ReadonlyMap<string, ContractRecord>, changes: readonly DefinitionChange[], context: CallContext = {}): Promise<ContractApplication> {
    const writeContext = this.#context(context);
    const application = await this.#write(async (tx) => {
      const session = new WriteSession(tx, writeContext, this.#clock, this.#loadGovernance);
      const seq = await applyContractRecord(session, version, records);
      const outcomes: ContractApplication['outcomes'][number][] = [];
      for (const change of changes) outcomes.push({ op: change.op, ...(await this.#change(session, change)) });
      await session.flush();
      return { outcomes, seq };
    });
    for (const outcome of application.outcomes) {
      const trigger = outcome.op === 'deprecate-scheme' ? 'deprecate' : outcome.op === 'archive-scheme' ? 'archive' : null;
      if (trigger && outcome.changed && outcome.scheme) await this.#runHooks(outcome.namespace, outcome.scheme, trigger, context);
    }
    return application;
  }

  /** Approves a held change and carries it out, in one transaction: only a steward of its namespace other than its requester may. */
  async approveChange(id: number, context: CallContext = {}, scope: { namespace?: string } = {}): Promise<{ change: ChangeRequest; outcome: WriteOutcome | DefinitionOutcome }> {
    const decider = this.#context(context);
    const result = await this.#write(async (tx) => {
      const session = new WriteSession(tx, decider, this.#clock, this.#loadGovernance);
      const change = await this.#decidable(session, id, decider.actor, scope.namespace);
      session.carryOut(change);
      const outcome = change.kind === 'erase' ? await this.#apply(session, change.request as unknown as WriteRequest) : await this.#change(session, heldChange(change));
      await decide(session, change, true);
      await session.flush();
      return { change, outcome };
    });
    const trigger = result.change.kind === 'deprecate-scheme' ? 'deprecate' : result.change.kind === 'archive-scheme' ? 'archive' : null;
    if (trigger && result.outcome.changed && result.outcome.scheme) await this.#runHooks(result.change.namespace, result.outcome.scheme, trigger, context);
    return result;
  }

  /** Turns a held change down; nothing of it is written. The reason is required. */
  async rejectChange(id: number, context: CallContext, scope: { namespace?: string } = {}): Promise<{ change: ChangeRequest }> {
    const decider = this.#context(context);
    if (decider.reason === null) throw new StableIdError('INVALID_ARGUMENT', 'a rejection needs a reason', { field: 'reason' });
    return this.#write(async (tx) => {
      const session = new WriteSession(tx, decider, this.#clock, this.#loadGovernance);
      const change = await this.#decidable(session, id, decider.actor, scope.namespace);
      await decide(session, change, false);
      await session.flush();
      return { change };
    });
  }

  /** The namespace's transition stages and exposure flags, as the governance log holds them. */
  flags(namespace: string): Promise<NamespaceFlags> {
    return this.#store.read(async (reader) => {
      await requireNamespace(reader, namespace);
      return flagsOf(await this.#loadGovernance(reader), namespace);
    });
  }

  /**
   * Sets a consumer's transition stage. A skip or a move back needs
   * `context.reason` (rule stage-order, always on: in an ungoverned registry
   * too); the same flag again writes nothing (`seq: null`).
   */
  setStage(input: StageInput, context: CallContext = {}): Promise<StageOutcome> {
    return this.#define(context, (session, reason) => setStage(session, input, reason));
  }

  /** Sets whether a consumer is shown a scheme's identifiers, which resolve and translate then honour for it. */
  setExposure(input: ExposureInput, context: CallContext = {}): Promise<ExposureOutcome> {
    return this.#define(context, (session) => setExposure(session, input));
  }

  /**
   * Runs the contract's `sunset` hooks of every deprecated scheme whose
   * sunset has passed and whose hook has not run yet (say, from cron), and
   * records each outcome. Returns the runs.
   */
  async runDueHooks(context: CallContext = {}): Promise<HookRun[]> {
    const governance = await this.governance();
    const now = this.#clock().toISOString();
    const runs: HookRun[] = [];
    for (const [namespace, record] of governance.contract?.namespaces ?? []) {
      if ((record.hooks['sunset'] ?? []).length === 0) continue;
      let schemes: Scheme[];
      try {
        schemes = (await this.getNamespace(namespace)).schemes;
      } catch (error) {
        if (error instanceof StableIdError && error.code === 'NAMESPACE_NOT_FOUND') continue;
        throw error;
      }
      for (const scheme of schemes) {
        if (scheme.state !== 'deprecated' || scheme.sunset === null || scheme.sunset > now) continue;
        const done = governance.hookRuns.some((run) => run.namespace === namespace && run.scheme === scheme.name && run.trigger === 'sunset');
        if (!done) runs.push(...(await this.#runHooks(namespace, scheme.name, 'sunset', context)));
      }
    }
    return runs;
  }

  /**
   * The namespace's current mappings as a digest another registry's can be
   * compared with ({@link diffDigests}); empty when the namespace has no events here.
   */
  mappingDigest(namespace: string): Promise<MappingDigest> {
    return this.#store.read(async (reader) => {
      const known = (await reader.head(namespace)) !== undefined;
      return new MappingDigest(namespace, known ? mappingsOf(await reader.projection(namespace)) : []);
    });
  }

  /** Every namespace with at least one event, by name. */
  namespacesInLog(): Promise<string[]> {
    return this.#store.read((reader) => reader.logNamespaces());
  }

  /** Recomputes chains and projections; see {@link verifyStore}. */
  verify(namespaces?: readonly string[]): Promise<VerifyReport> {
    return this.#store.read(async (reader) => {
      for (const namespace of namespaces ?? []) {
        if (!(await reader.getNamespace(namespace)) && !(await reader.head(namespace))) {
          throw new StableIdError('NAMESPACE_NOT_FOUND', `namespace "${namespace}" does not exist`, { namespace });
        }
      }
      return verifyStore(reader, namespaces);
    });
  }

  // ── checkpoints, keys and proofs ────────────────────────────────────────

  /** The signing keys the registry records (public parts only), oldest first. */
  signingKeys(): Promise<SigningKeyRecord[]> {
    return this.#store.read((reader) => reader.signingKeys());
  }

  /** Records `signer` as the registry's first signing key; KEY_CONFLICT when it has one already (rotate it instead). */
  addSigningKey(signer: Signer): Promise<SigningKeyRecord> {
    return this.#keyChange(signer, false);
  }

  /**
   * Makes `signer` the active signing key from now, retiring the active one
   * (its record then carries `signer`'s signature over the retirement, so
   * the old private key is not needed). Checkpoints signed before stay
   * verifiable with the retired key, within its period.
   */
  rotateSigningKey(signer: Signer): Promise<SigningKeyRecord> {
    return this.#keyChange(signer, true);
  }

  /** Signs a checkpoint of the namespace's log with the active key `signer`; see {@link createCheckpoint}. */
  checkpoint(namespace: string, signer: Signer): Promise<CheckpointOutcome> {
    return createCheckpoint(this.#store, namespace, signer, this.#clock);
  }

  /** The namespace's kept checkpoints, oldest first, with their notes. */
  checkpoints(namespace: string): Promise<KeptCheckpoint[]> {
    return this.#store.read(async (reader) => {
      await requireNamespace(reader, namespace);
      return keptCheckpoints(reader, namespace);
    });
  }

  /** Checks a checkpoint note against the log as it is; see {@link verifyCheckpoint}. */
  verifyCheckpoint(note: string, options: { readonly trusted?: readonly TrustedKey[]; readonly required?: readonly string[] } = {}): Promise<CheckpointVerification> {
    return this.#store.read((reader) => verifyCheckpoint(reader, note, options));
  }

  /** The RFC 9162 consistency proof between the namespace's trees of `from` and `to` events, hex. */
  consistencyProof(namespace: string, from: number, to: number): Promise<string[]> {
    return this.#store.read((reader) => consistencyProof(reader, namespace, from, to));
  }

  /**
   * Resolves an identifier and proves the answer against the namespace's
   * latest checkpoint, from one snapshot: see {@link proveResolution}. The
   * proof is checked offline with verifyMappingProof.
   */
  async resolveWithProof(namespace: string, ref: IdentifierRef, options: ReadOptions = {}): Promise<MappingProof> {
    const asOf = readInstant(options);
    const consumer = options.consumer === undefined ? undefined : requireConsumer(options.consumer);
    return this.#store.read(async (reader) => {
      const shown = consumer === undefined ? null : shownTo(await this.#loadGovernance(reader), namespace, consumer);
      return proveResolution(reader, await new Resolver(reader, asOf, shown).resolve(namespace, ref));
    });
  }

  async close(): Promise<void> {
    await this.#store.close();
  }

  async #keyChange(signer: Signer, rotate: boolean): Promise<SigningKeyRecord> {
    return this.#store.write(async (tx) => {
      // One key change at a time, across processes: the lock of a name no namespace can have.
      await tx.lockNamespace(KEYS_LOCK);
      const keys = await tx.signingKeys();
      const active = keys.find((k) => k.validUntil === null);
      if (keys.some((k) => k.keyId === signer.keyId)) {
        throw new StableIdError('KEY_CONFLICT', `signing key ${signer.keyId} is already recorded; generate a new one`, { keyId: signer.keyId });
      }
      if (!rotate && active) {
        throw new StableIdError('KEY_CONFLICT', `the registry already signs with key ${active.keyId} (${active.name}): rotate it instead`, { keyId: active.keyId });
      }
      if (rotate && !active) throw new StableIdError('KEY_NOT_FOUND', 'the registry has no signing key to rotate: generate one first', {});
      const at = this.#clock().toISOString();
      if (active && at <= active.validFrom) {
        throw new StableIdError('KEY_CONFLICT', `key ${active.keyId} became active at ${active.validFrom}; rotate it later`, { keyId: active.keyId });
      }
      const record = newKeyRecord(signer, at);
      await tx.addSigningKey(record, active ? { keyId: active.keyId, ...retirement(active.keyId, at, signer) } : undefined);
      return record;
    });
  }

  /** A store write, after which the read index (if any) checks the store before its next answer: this registry reads its own writes. */
  async #write<T>(fn: (tx: StoreTransaction) => Promise<T>, options?: WriteOptions): Promise<T> {
    try {
      return await this.#store.write(fn, options);
    } finally {
      this.#index?.expire();
    }
  }

  /** A read of one namespace: from the read index when there is one, else from a store snapshot. */
  #readNamespace<T>(namespace: string, fn: (reader: ResolverReader) => Maybe<T>): Promise<T> {
    return this.#index ? this.#index.read(namespace, fn) : this.#store.read(async (reader) => fn(reader));
  }

  /**
   * Answers with a resolver of the namespace as `options` ask: as of an
   * instant, and as a consumer is shown it. For a consumer, the governance
   * state comes from the same snapshot (without the read index: one more
   * small read, of the governance log's head), or from the read index's
   * copy, checked as often as its namespaces and alongside the namespace's.
   */
  async #resolver<T>(namespace: string, options: ReadOptions, fn: (resolver: Resolver) => Maybe<T>): Promise<T> {
    const asOf = readInstant(options);
    if (options.consumer === undefined) return this.#readNamespace(namespace, (reader) => fn(new Resolver(reader, asOf)));
    const consumer = requireConsumer(options.consumer);
    if (this.#index) {
      // An index reader answers as of the event it began at, so it may be used once the governance check is back.
      const [governance, reader] = await Promise.all([this.#index.governance(this.#loadGovernance), this.#index.read(namespace, (r) => r)]);
      return fn(new Resolver(reader, asOf, shownTo(governance, namespace, consumer)));
    }
    return this.#store.read(async (reader) => fn(new Resolver(reader, asOf, shownTo(await this.#loadGovernance(reader), namespace, consumer))));
  }

  #context(context: CallContext): WriteContext {
    return {
      actor: requireText('actor', context.actor ?? this.#actor),
      correlationId: context.correlationId === undefined ? randomUUID() : requireText('correlationId', context.correlationId),
      reason: optionalFreeText('reason', context.reason, MAX_REASON),
    };
  }

  /** The governance state as `reader` sees it: read again only when the governance log has moved on. */
  readonly #loadGovernance = async (reader: Pick<StoreReader, 'head' | 'events'>): Promise<GovernanceState> => {
    const head = await reader.head(GOVERNANCE_LOG);
    if ((head?.seq ?? 0) !== this.#governance.seq) this.#governance = await readGovernance(reader);
    return this.#governance;
  };

  /**
   * The pending change `id` if `decider` may decide it: a steward of its
   * namespace other than its requester. With `within`, a change of another
   * namespace is not found (a face scoped to one namespace sees only its own).
   */
  async #decidable(session: WriteSession, id: number, decider: string, within?: string): Promise<ChangeRequest> {
    const governance = await session.governance();
    const namespace = governance.changes.get(id)?.namespace;
    if (within !== undefined && namespace !== within) throw new StableIdError('CHANGE_NOT_FOUND', `namespace "${within}" has no change request ${id}`, { namespace: within, change: id });
    const stewards = namespace === undefined ? [] : ((await session.findNamespace(namespace))?.stewards ?? []);
    return decidable(governance, id, decider, stewards);
  }

  /** One namespace- or scheme-level change, through the same operations as the single calls. */
  #change(session: WriteSession, change: DefinitionChange): Promise<DefinitionOutcome> {
    switch (change.op) {
      case 'create-namespace':
        return createNamespace(session, change.definition);
      case 'add-scheme':
        return addScheme(session, change.namespace, change.scheme, change.format);
      case 'deprecate-scheme':
        return deprecateScheme(session, change.namespace, change.scheme, change.sunset, change.replacement);
      case 'archive-scheme':
        return archiveScheme(session, change.namespace, change.scheme);
    }
  }

  /**
   * Runs the applied contract's hooks for a scheme's change of state and
   * records each outcome in the governance log. A hook that fails is
   * recorded as failed; it never undoes the change.
   */
  async #runHooks(namespace: string, scheme: string, trigger: 'deprecate' | 'sunset' | 'archive', context: CallContext): Promise<HookRun[]> {
    const hooks = (await this.governance()).contract?.namespaces.get(namespace)?.hooks[trigger] ?? [];
    if (hooks.length === 0) return [];
    const info = (await this.getNamespace(namespace)).schemes.find((s) => s.name === scheme);
    const payload = { namespace, scheme, trigger, sunset: info?.sunset ?? null, replacement: info?.replacement ?? null, at: this.#clock().toISOString() };
    const outcomes: (HookOutcome & { hook: string })[] = [];
    for (const hook of hooks) outcomes.push({ hook: hookLabel(hook), ...(await this.#hookRunner(hook, payload)) });
    const writeContext = this.#context(context);
    return this.#write(async (tx) => {
      const session = new WriteSession(tx, writeContext, this.#clock, this.#loadGovernance);
      await session.governance();
      const runs: HookRun[] = [];
      for (const outcome of outcomes) {
        const event = await session.emit(GOVERNANCE_LOG, { type: 'hook.ran', body: { namespace, scheme, trigger, ...outcome } });
        runs.push({ seq: event.seq, namespace, scheme, trigger, ...outcome, at: event.at });
      }
      await session.flush();
      return runs;
    });
  }

  /** One write of definitions or governance in its own transaction; `fn` is given the session and the call's reason. */
  async #define<T>(context: CallContext, fn: (session: WriteSession, reason: string | null) => Promise<T>): Promise<T> {
    const writeContext = this.#context(context);
    return this.#write(async (tx) => {
      const session = new WriteSession(tx, writeContext, this.#clock, this.#loadGovernance);
      const outcome = await fn(session, writeContext.reason);
      await session.flush();
      return outcome;
    });
  }
}

/** Loads every identifier a chunk names with one store call per namespace. */
async function prefetch(session: WriteSession, items: readonly BatchItem[]): Promise<void> {
  const byNamespace = new Map<string, IdentifierRef[]>();
  for (const item of items) {
    if (!('request' in item)) continue;
    const request = item.request;
    if (typeof request?.namespace !== 'string') continue;
    const refs = byNamespace.get(request.namespace) ?? [];
    if (request.op === 'register' || request.op === 'alias') refs.push({ scheme: request.scheme, value: request.value });
    if (request.op === 'alias') refs.push(request.from);
    else if (request.op !== 'register' && request.identifier) refs.push(request.identifier);
    byNamespace.set(request.namespace, refs);
  }
  for (const [namespace, refs] of byNamespace) {
    try {
      await session.prefetch(namespace, refs.filter((r) => typeof r?.value === 'string'));
    } catch (error) {
      // An unknown namespace is reported per item when the item runs.
      if (!(error instanceof StableIdError) || error.code !== 'NAMESPACE_NOT_FOUND') throw error;
    }
  }
}

/** Not a namespace name (those start with a letter): the lock key changes of signing keys take. */
const KEYS_LOCK = '#signing-keys';

async function requireNamespace(reader: Pick<StoreReader, 'getNamespace' | 'head'>, namespace: string): Promise<void> {
  if (!(await reader.getNamespace(namespace)) && !(await reader.head(namespace))) {
    throw new StableIdError('NAMESPACE_NOT_FOUND', `namespace "${namespace}" does not exist`, { namespace });
  }
}

function readInstant(options: ReadOptions): string | null {
  return options.asOf === undefined || options.asOf === null ? null : requireInstant('asOf', options.asOf);
}

/** Each ref's answer or its problem, in order; answers computed at once (from the read index) are not awaited. */
async function settleEach<T>(refs: readonly IdentifierRef[], fn: (ref: IdentifierRef) => Maybe<T>): Promise<ItemResult<T>[]> {
  const results: ItemResult<T>[] = [];
  for (const ref of refs) {
    try {
      const answer = fn(ref);
      results.push({ ok: true, result: isPromise(answer) ? await answer : answer });
    } catch (error) {
      if (!(error instanceof StableIdError) || error.code === 'STORE_UNAVAILABLE' || error.code === 'INTERNAL') throw error;
      results.push({ ok: false, error });
    }
  }
  return results;
}

/** The namespace- or scheme-level change a change request holds. */
function heldChange(change: ChangeRequest): DefinitionChange {
  const request = change.request as Record<string, unknown>;
  const text = (field: string): string => String(request[field]);
  switch (change.kind) {
    case 'deprecate-scheme':
      return { op: 'deprecate-scheme', namespace: change.namespace, scheme: text('scheme'), sunset: text('sunset'), replacement: request['replacement'] === null ? null : text('replacement') };
    case 'archive-scheme':
      return { op: 'archive-scheme', namespace: change.namespace, scheme: text('scheme') };
    default:
      throw new StableIdError('INTERNAL', `change request ${change.id} holds a change of unknown kind ${JSON.stringify(change.kind)}`);
  }
}
