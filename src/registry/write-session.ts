import { StableIdError } from '../model/errors.js';
import { type AppendedEvent, type EventDraft, type EventSecret, GOVERNANCE_LOG, type PlacedEvent } from '../model/events.js';
import { contentHash } from '../model/events.js';
import type { BindingRow, NamespaceRow } from '../model/rows.js';
import type { LifecycleState, WriteContext } from '../model/types.js';
import type { JsonObject } from '../model/json.js';
import type { StoreTransaction } from '../store/store.js';
import { type ChangeRequest, type GovernanceState, UNGOVERNED, foldGovernance } from './governance.js';
import { PolicyGuard } from './policy/guard.js';
import type { IdentifierRef } from './requests.js';
import { type SchemeInfo, loadSchemes, locateCandidates } from './schemes.js';

/** What the write path knows of one identifier. */
export interface IdentifierRecord {
  readonly namespace: string;
  readonly seq: number;
  readonly scheme: string;
  readonly entity: string;
  readonly commitment: string;
  readonly value: string | null;
  readonly createdAt: string;
}

/** An identifier's own lifecycle state, and when it took it (null: active since issued). */
export interface IdentifierState {
  readonly state: LifecycleState;
  readonly sunset: string | null;
  readonly at: string | null;
}

/** How a write session learns the governance in force, as its transaction sees it (the registry caches it by the governance log's head). */
export type GovernanceLoader = (tx: StoreTransaction) => Promise<GovernanceState>;

const ungoverned: GovernanceLoader = async () => UNGOVERNED;

const key = (namespace: string, part: string | number, value?: string): string =>
  value === undefined ? `${namespace}\u0000${part}` : `${namespace}\u0000${part}\u0000${value}`;

/**
 * One write transaction of the registry: decisions read through it, events are
 * placed in their logs by it, and it flushes them to the store in chunks (the
 * store chains them and writes their projection).
 * It caches what it has read and overlays what it has written, for the whole
 * transaction: every entity, identifier and binding a write touches stays in
 * the caches, so later requests of the batch see earlier ones without asking
 * the store. That is what lets a store answer reads from the state at the
 * transaction's start while it carries out appends concurrently (see
 * StoreTransaction); the price is memory in proportion to the batch.
 */
export class WriteSession {
  readonly #tx: StoreTransaction;
  readonly #context: WriteContext;
  readonly #clock: () => Date;

  /** Where each locked namespace's log stands: the next event takes seq + 1 and a time no earlier than at. */
  readonly #heads = new Map<string, { seq: number; at: string }>();
  readonly #namespaces = new Map<string, NamespaceRow | null>();
  readonly #schemes = new Map<string, Map<string, SchemeInfo>>();
  readonly #byValue = new Map<string, IdentifierRecord | null>();
  /** Per entity, its identifiers and binding versions once known (one map: bulk imports fill it per identifier). */
  readonly #entities = new Map<string, { identifiers?: IdentifierRecord[]; bindings?: BindingRow[] }>();
  readonly #states = new Map<string, IdentifierState>();
  readonly #loadGovernance: GovernanceLoader;
  #governance: GovernanceState | null = null;
  #approving: ChangeRequest | null = null;
  #guard: PolicyGuard | null = null;

  #events: AppendedEvent[] = [];
  #secrets: EventSecret[] = [];
  #erasures: { namespace: string; identifier: number }[] = [];

  constructor(tx: StoreTransaction, context: WriteContext, clock: () => Date, loadGovernance: GovernanceLoader = ungoverned) {
    this.#tx = tx;
    this.#context = context;
    this.#clock = clock;
    this.#loadGovernance = loadGovernance;
  }

  /** The governance in force when this transaction first asked, its log locked so that it cannot change meanwhile. */
  async governance(): Promise<GovernanceState> {
    if (this.#governance === null) {
      await this.lock(GOVERNANCE_LOG);
      this.#governance = await this.#loadGovernance(this.#tx);
    }
    return this.#governance;
  }

  /** Makes the writes of this session the approved execution of `change`: judged again by the policy, not held again. */
  carryOut(change: ChangeRequest): void {
    if (this.#guard !== null) throw new Error('carryOut must come before the first write is judged');
    this.#approving = change;
  }

  /**
   * The policy guard of this transaction: the governance in force when it
   * began, judged at the transaction's clock. The governance log is locked
   * first, so that no policy or decision changes while the write is judged.
   */
  async guard(): Promise<PolicyGuard> {
    if (this.#guard === null) this.#guard = new PolicyGuard(await this.governance(), this.#clock().toISOString(), this.#approving);
    return this.#guard;
  }

  /**
   * Holds a write for a steward's approval: records the change request in
   * the governance log (nothing else is written) and returns its id.
   */
  async hold(namespace: string, kind: string, request: JsonObject, summary: string): Promise<number> {
    const event = await this.emit(GOVERNANCE_LOG, { type: 'change.requested', body: { namespace, kind, request, summary } });
    return event.seq;
  }

  /** Takes the namespace's write lock (once) so that every later read of it is authoritative. */
  async lock(namespace: string): Promise<void> {
    if (this.#heads.has(namespace)) return;
    const head = await this.#tx.lockNamespace(namespace);
    this.#heads.set(namespace, head ? { seq: head.seq, at: head.at } : { seq: 0, at: '' });
  }

  async findNamespace(name: string): Promise<NamespaceRow | null> {
    await this.lock(name);
    let row = this.#namespaces.get(name);
    if (row === undefined) {
      row = (await this.#tx.getNamespace(name)) ?? null;
      this.#namespaces.set(name, row);
    }
    return row;
  }

  async namespace(name: string): Promise<NamespaceRow> {
    const row = await this.findNamespace(name);
    if (!row) throw new StableIdError('NAMESPACE_NOT_FOUND', `namespace "${name}" does not exist`, { namespace: name });
    return row;
  }

  async schemes(namespace: string): Promise<Map<string, SchemeInfo>> {
    await this.namespace(namespace);
    let schemes = this.#schemes.get(namespace);
    if (!schemes) {
      schemes = await loadSchemes(this.#tx, namespace, null);
      this.#schemes.set(namespace, schemes);
    }
    return schemes;
  }

  async scheme(namespace: string, name: string): Promise<SchemeInfo> {
    const scheme = (await this.schemes(namespace)).get(name);
    if (!scheme) {
      throw new StableIdError('SCHEME_NOT_FOUND', `scheme "${name}" does not exist in namespace "${namespace}"`, { namespace, scheme: name });
    }
    return scheme;
  }

  /** Loads many identifiers in one store call, so a batch pays one round trip per chunk. */
  async prefetch(namespace: string, refs: readonly IdentifierRef[]): Promise<void> {
    const schemes = await this.schemes(namespace);
    const wanted = new Map<string, { scheme: string; value: string }>();
    for (const ref of refs) {
      for (const candidate of locateCandidates(namespace, schemes, ref).matches) {
        const k = key(namespace, candidate.scheme.name, candidate.value);
        if (!this.#byValue.has(k)) wanted.set(k, { scheme: candidate.scheme.name, value: candidate.value });
      }
    }
    if (wanted.size === 0) return;
    for (const k of wanted.keys()) this.#byValue.set(k, null);
    const found = await this.#tx.findIdentifiers(namespace, [...wanted.values()]);
    for (const record of found) this.#byValue.set(key(namespace, record.scheme, record.value ?? ''), record);
    // The identifiers of the entities found, which alias (and a repeated
    // register) ask for next: one batched call instead of one per request.
    // Entities this session wrote to are cached already, so the store's
    // answer is exact for the others.
    const entities = [...new Set(found.map((record) => record.entity))].filter((entity) => !this.#entities.get(entity)?.identifiers);
    if (entities.length === 0) return;
    const lists = new Map(entities.map((entity): [string, IdentifierRecord[]] => [entity, []]));
    for (const record of await this.#tx.identifiersOfEntities(namespace, entities)) lists.get(record.entity)?.push(record);
    for (const [entity, identifiers] of lists) this.#entity(entity).identifiers = identifiers;
  }

  async findByValue(namespace: string, scheme: string, value: string): Promise<IdentifierRecord | null> {
    const k = key(namespace, scheme, value);
    let record = this.#byValue.get(k);
    if (record === undefined) {
      record = (await this.#tx.findIdentifiers(namespace, [{ scheme, value }]))[0] ?? null;
      this.#byValue.set(k, record);
    }
    return record;
  }

  /**
   * The identifier a caller names: the value is normalised per scheme; without
   * a scheme, every scheme whose format accepts the value is tried and exactly
   * one must hold it.
   */
  async locate(namespace: string, ref: IdentifierRef): Promise<IdentifierRecord> {
    const schemes = await this.schemes(namespace);
    const { matches } = locateCandidates(namespace, schemes, ref, true);
    const hits: IdentifierRecord[] = [];
    for (const candidate of matches) {
      const found = await this.findByValue(namespace, candidate.scheme.name, candidate.value);
      if (found) hits.push(found);
    }
    const [first, second] = hits;
    if (!first) {
      throw new StableIdError('IDENTIFIER_NOT_FOUND', `identifier ${JSON.stringify(ref.value)} does not exist in namespace "${namespace}"`, {
        namespace,
        ...(ref.scheme ? { scheme: ref.scheme } : {}),
        value: ref.value,
      });
    }
    if (second) {
      throw new StableIdError(
        'AMBIGUOUS_IDENTIFIER',
        `${JSON.stringify(ref.value)} exists in schemes ${hits.map((h) => h.scheme).join(', ')} of "${namespace}"; name the scheme`,
        { namespace, value: ref.value, schemes: hits.map((h) => h.scheme) },
      );
    }
    return first;
  }

  /** Every identifier of an entity, oldest first, including those written in this session. */
  async identifiersOf(namespace: string, entity: string): Promise<IdentifierRecord[]> {
    const known = this.#entity(entity);
    known.identifiers ??= await this.#tx.identifiersOfEntities(namespace, [entity]);
    return known.identifiers;
  }

  async bindingsOf(namespace: string, entity: string): Promise<BindingRow[]> {
    const known = this.#entity(entity);
    known.bindings ??= await this.#tx.bindings(namespace, [entity]);
    return known.bindings;
  }

  #entity(entity: string): { identifiers?: IdentifierRecord[]; bindings?: BindingRow[] } {
    let known = this.#entities.get(entity);
    if (!known) {
      known = {};
      this.#entities.set(entity, known);
    }
    return known;
  }

  /** The identifier's own lifecycle state (its scheme's state is separate). */
  async identifierState(namespace: string, identifier: number): Promise<IdentifierState> {
    const k = key(namespace, identifier);
    let state = this.#states.get(k);
    if (!state) {
      const last = (await this.#tx.identifierStates(namespace, [identifier])).at(-1);
      state = last ? { state: last.state, sunset: last.sunset, at: last.at } : { state: 'active', sunset: null, at: null };
      this.#states.set(k, state);
    }
    return state;
  }

  /**
   * Places an event next in the namespace's log (the store chains it on
   * append). `secret` is the identifier value (with its salt) that the event
   * commits to, if any. Event times never go backwards within a namespace.
   */
  async emit(namespace: string, draft: EventDraft, secret?: { salt: string; value: string }): Promise<PlacedEvent> {
    await this.lock(namespace);
    const head = this.#heads.get(namespace) as { seq: number; at: string };
    const now = this.#clock().toISOString();
    // Built field by field, not by spreading the draft: object spread made this
    // the costliest line of a bulk import. A draft is exactly { type, body }.
    const { type, body } = draft;
    const seq = head.seq + 1;
    const at = now > head.at ? now : head.at;
    const { actor, correlationId, reason } = this.#context;
    // The content hash does not depend on the chain, so it is made here, beside the decision, and the store links it.
    const hash = contentHash({ type, body, namespace, seq, at, actor, correlationId, reason } as PlacedEvent);
    const event = { type, body, namespace, seq, at, actor, correlationId, reason, contentHash: hash } as AppendedEvent;
    const stored = secret ? { namespace, seq, salt: secret.salt, value: secret.value } : undefined;
    this.#events.push(event);
    if (stored) this.#secrets.push(stored);
    if (event.type === 'identifier.erased') this.#erase(namespace, event.body.identifier);
    this.#heads.set(namespace, { seq, at });
    this.#observe(event, stored);
    return event;
  }

  /**
   * An erasure removes the value and its salt: the pending secret when the
   * identifier was written since the last flush (so no value row is ever
   * written for it), the stored one otherwise.
   */
  #erase(namespace: string, identifier: number): void {
    const pending = this.#secrets.findIndex((s) => s.namespace === namespace && s.seq === identifier);
    if (pending >= 0) this.#secrets.splice(pending, 1);
    else this.#erasures.push({ namespace, identifier });
  }

  /** Keeps the caches true after an event, so later requests of the batch see it. */
  #observe(event: PlacedEvent, secret: EventSecret | undefined): void {
    const { namespace, seq, at } = event;
    if (namespace === GOVERNANCE_LOG) {
      // Later writes of this transaction are judged by the policy and contract it has just applied.
      if (this.#governance !== null) this.#governance = foldGovernance(this.#governance, [event]);
      this.#guard = null;
      return;
    }
    switch (event.type) {
      case 'namespace.created':
        this.#namespaces.set(namespace, { name: namespace, ...event.body, createdSeq: seq, createdAt: at });
        this.#schemes.set(namespace, new Map());
        break;
      case 'scheme.added':
        this.#schemes.get(namespace)?.set(event.body.scheme, {
          namespace,
          name: event.body.scheme,
          format: event.body.format,
          state: 'active',
          sunset: null,
          replacement: null,
          createdAt: event.at,
          createdSeq: event.seq,
          stateAt: null,
        });
        break;
      case 'scheme.deprecated':
      case 'scheme.archived': {
        const schemes = this.#schemes.get(namespace);
        const scheme = schemes?.get(event.body.scheme);
        if (schemes && scheme) {
          schemes.set(
            scheme.name,
            event.type === 'scheme.deprecated'
              ? { ...scheme, state: 'deprecated', sunset: event.body.sunset, replacement: event.body.replacement, stateAt: at }
              : { ...scheme, state: 'archived', sunset: null, replacement: null, stateAt: at },
          );
        }
        break;
      }
      case 'identifier.registered':
      case 'identifier.aliased': {
        const record: IdentifierRecord = {
          namespace,
          seq: event.seq,
          scheme: event.body.scheme,
          entity: event.body.entity,
          commitment: event.body.commitment,
          value: secret?.value ?? null,
          createdAt: at,
        };
        if (secret) this.#byValue.set(key(namespace, record.scheme, secret.value), record);
        if (event.type === 'identifier.registered') {
          // A new entity: everything about it is known.
          const { binding } = event.body;
          this.#entities.set(record.entity, {
            identifiers: [record],
            bindings: binding ? [{ namespace, entity: record.entity, version: 1, seq, at, ...binding, migration: null }] : [],
          });
        } else {
          // An alias: the operation loaded the entity's identifiers before deciding.
          this.#entities.get(record.entity)?.identifiers?.push(record);
        }
        break;
      }
      case 'binding.changed': {
        const { entity, version, binding, migration } = event.body;
        this.#entities.get(entity)?.bindings?.push({ namespace, entity, version, seq, at, ...binding, migration });
        break;
      }
      case 'identifier.deprecated':
        this.#states.set(key(namespace, event.body.identifier), { state: 'deprecated', sunset: event.body.sunset, at });
        break;
      case 'identifier.archived':
        this.#states.set(key(namespace, event.body.identifier), { state: 'archived', sunset: null, at });
        break;
      case 'identifier.erased':
        // The event names neither value nor entity: the erase operation updates the caches (noteErased).
        break;
    }
  }

  /** Writes what was emitted since the last flush into the transaction. */
  async flush(): Promise<void> {
    if (this.#events.length === 0) return;
    await this.#tx.append({ events: this.#events, secrets: this.#secrets, erasures: this.#erasures });
    this.#events = [];
    this.#secrets = [];
    this.#erasures = [];
  }

  /** Forgets an erased value: it no longer finds its identifier, which now shows without it. */
  noteErased(record: IdentifierRecord): void {
    if (record.value !== null) this.#byValue.set(key(record.namespace, record.scheme, record.value), null);
    const known = this.#entities.get(record.entity);
    if (known?.identifiers) known.identifiers = known.identifiers.map((r) => (r.seq === record.seq ? { ...r, value: null } : r));
  }
}
