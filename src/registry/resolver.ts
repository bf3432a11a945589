import { StableIdError } from '../model/errors.js';
import type { BindingRow, IdentifierStateRow, NamespaceRow, SchemeRow, SchemeStateRow } from '../model/rows.js';
import type { IdentifierView, LifecycleState, Resolution, Translation } from '../model/types.js';
import type { IdentifierKey, StoredIdentifier } from '../store/store.js';
import type { Shown } from './exposure.js';
import type { IdentifierRef } from './requests.js';
import { type SchemeInfo, laterState, locateCandidates, schemesAsOf } from './schemes.js';
import { type Maybe, type Steps, read, readBoth, runSteps } from './steps.js';

/**
 * What the resolver reads: a store snapshot (every read a promise) or a
 * namespace's in-memory index (every read at once).
 */
export interface ResolverReader {
  getNamespace(name: string): Maybe<NamespaceRow | undefined>;
  listSchemes(namespace: string): Maybe<SchemeRow[]>;
  schemeStates(namespace: string): Maybe<SchemeStateRow[]>;
  findIdentifiers(namespace: string, keys: readonly IdentifierKey[]): Maybe<StoredIdentifier[]>;
  identifiersOfEntities(namespace: string, entities: readonly string[]): Maybe<StoredIdentifier[]>;
  identifierStates(namespace: string, identifiers: readonly number[]): Maybe<IdentifierStateRow[]>;
  bindings(namespace: string, entities: readonly string[]): Maybe<BindingRow[]>;
}

const ACTIVE = { state: 'active' as LifecycleState, sunset: null as string | null };

/**
 * Answers resolve and translate from one store snapshot. With `asOf`, every
 * part of the answer is what the log held at that instant: identifiers that
 * existed, their states and the binding version then in force.
 *
 * Each answer is written once, as steps over the reader ({@link Steps}): over
 * the read index it is computed synchronously, over a store it waits on
 * each read.
 *
 * With `shown`, every resolution — and so every translation — is what one
 * consumer is shown of it (see `shownTo` in exposure.ts).
 */
export class Resolver {
  readonly #reader: ResolverReader;
  readonly #asOf: string | null;
  readonly #shown: Shown | null;
  readonly #schemes = new Map<string, Map<string, SchemeInfo>>();

  constructor(reader: ResolverReader, asOf: string | null, shown: Shown | null = null) {
    this.#reader = reader;
    this.#asOf = asOf;
    this.#shown = shown;
  }

  schemes(namespace: string): Maybe<Map<string, SchemeInfo>> {
    return runSteps(this.#schemesOf(namespace));
  }

  resolve(namespace: string, ref: IdentifierRef): Maybe<Resolution> {
    return runSteps(this.#resolve(namespace, ref, true));
  }

  translate(namespace: string, ref: IdentifierRef, toScheme: string): Maybe<Translation> {
    return runSteps(this.#translate(namespace, ref, toScheme));
  }

  *#schemesOf(namespace: string): Steps<Map<string, SchemeInfo>> {
    let schemes = this.#schemes.get(namespace);
    if (!schemes) {
      if (!(yield* read(this.#reader.getNamespace(namespace)))) {
        throw new StableIdError('NAMESPACE_NOT_FOUND', `namespace "${namespace}" does not exist`, { namespace });
      }
      const [rows, states] = yield* readBoth(this.#reader.listSchemes(namespace), this.#reader.schemeStates(namespace));
      schemes = schemesAsOf(rows, states, this.#asOf);
      this.#schemes.set(namespace, schemes);
    }
    return schemes;
  }

  /** The resolution of `ref`; without `withBinding`, its binding is left out (null): a translation does not show it, so it is not read. */
  *#resolve(namespace: string, ref: IdentifierRef, withBinding: boolean): Steps<Resolution> {
    const schemes = yield* this.#schemesOf(namespace);
    // As of an earlier instant, a value no scheme of that time accepts simply did not exist yet.
    const { matches } = locateCandidates(namespace, schemes, ref, this.#asOf === null);
    const keys = matches.map((m) => ({ scheme: m.scheme.name, value: m.value }));
    const found = yield* read(this.#reader.findIdentifiers(namespace, keys));
    const visible = this.#asOf === null ? found : found.filter((i) => this.#existed(i.createdAt));
    const [hit, other] = visible;
    if (!hit) {
      const when = this.#asOf ? ` as of ${this.#asOf}` : '';
      throw new StableIdError('IDENTIFIER_NOT_FOUND', `identifier ${JSON.stringify(ref.value)} does not exist in namespace "${namespace}"${when}`, {
        namespace,
        value: ref.value,
        ...(ref.scheme ? { scheme: ref.scheme } : {}),
      });
    }
    if (other) {
      throw new StableIdError(
        'AMBIGUOUS_IDENTIFIER',
        `${JSON.stringify(ref.value)} exists in schemes ${visible.map((v) => v.scheme).join(', ')} of "${namespace}"; name the scheme`,
        { namespace, value: ref.value, schemes: visible.map((v) => v.scheme) },
      );
    }
    const resolution = yield* this.#describe(namespace, schemes, hit, withBinding);
    return this.#shown === null ? resolution : this.#shown(resolution);
  }

  *#translate(namespace: string, ref: IdentifierRef, toScheme: string): Steps<Translation> {
    const schemes = yield* this.#schemesOf(namespace);
    if (!schemes.has(toScheme)) {
      throw new StableIdError('SCHEME_NOT_FOUND', `scheme "${toScheme}" does not exist in namespace "${namespace}"`, { namespace, scheme: toScheme });
    }
    const resolution = yield* this.#resolve(namespace, ref, false);
    const to = resolution.identifiers.find((i) => i.scheme === toScheme);
    if (!to) {
      throw new StableIdError(
        'TRANSLATION_NOT_FOUND',
        `entity ${resolution.entity} has no identifier in ${namespace}/${toScheme}${this.#asOf ? ` as of ${this.#asOf}` : ''}`,
        { namespace, scheme: toScheme, value: resolution.identifier.value ?? undefined, entity: resolution.entity },
      );
    }
    if (to.value === null) {
      throw new StableIdError('IDENTIFIER_ERASED', `the ${namespace}/${toScheme} identifier of entity ${resolution.entity} was erased`, {
        namespace,
        scheme: toScheme,
        entity: resolution.entity,
      });
    }
    return { namespace, entity: resolution.entity, from: resolution.identifier, to };
  }

  #existed(at: string): boolean {
    return this.#asOf === null || at <= this.#asOf;
  }

  *#describe(namespace: string, schemes: Map<string, SchemeInfo>, hit: StoredIdentifier, withBinding: boolean): Steps<Resolution> {
    const entityIdentifiers = yield* read(this.#reader.identifiersOfEntities(namespace, [hit.entity]));
    const all = this.#asOf === null ? entityIdentifiers : entityIdentifiers.filter((i) => this.#existed(i.createdAt));
    const [states, bindings] = yield* readBoth(
      this.#reader.identifierStates(
        namespace,
        all.map((i) => i.seq),
      ),
      withBinding ? this.#reader.bindings(namespace, [hit.entity]) : [],
    );
    // An entity has a handful of identifiers: scanning them beats building maps.
    const ownState = (seq: number): { state: LifecycleState; sunset: string | null } => {
      let own = ACTIVE;
      for (const change of states) if (change.identifier === seq && this.#existed(change.at)) own = change;
      return own;
    };
    const views = all.map((identifier): IdentifierView => {
      const scheme = schemes.get(identifier.scheme);
      const mine = states.length === 0 ? ACTIVE : ownState(identifier.seq);
      const effective = laterState(mine.state, scheme?.state ?? 'active');
      const parent = identifier.derivedFrom === null ? undefined : all.find((other) => other.seq === identifier.derivedFrom);
      return {
        scheme: identifier.scheme,
        value: identifier.value,
        state: effective,
        // The identifier's own date wins; a retired (archived) identifier has no sunset left.
        sunset: effective !== 'deprecated' ? null : mine.state === 'deprecated' ? mine.sunset : (scheme?.sunset ?? null),
        createdAt: identifier.createdAt,
        seq: identifier.seq,
        derivedFrom: parent ? { scheme: parent.scheme, value: parent.value } : null,
        migration: identifier.migration,
      };
    });
    const binding = this.#asOf === null ? bindings.at(-1) : bindings.filter((b) => this.#existed(b.at)).at(-1);
    return {
      namespace,
      entity: hit.entity,
      identifier: views.find((v) => v.seq === hit.seq) as IdentifierView,
      identifiers: views,
      binding: binding
        ? { store: binding.store, collection: binding.collection, key: binding.key, version: binding.version, seq: binding.seq, at: binding.at, migration: binding.migration }
        : null,
      asOf: this.#asOf,
    };
  }
}
