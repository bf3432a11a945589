import { StableIdError } from '../model/errors.js';
import type { IdentifierView, Resolution, Translation } from '../model/types.js';
import type { StoreReader, StoredIdentifier } from '../store/store.js';
import type { IdentifierRef } from './requests.js';
import { type SchemeInfo, laterState, loadSchemes, locateCandidates } from './schemes.js';

/** What the resolver reads: a store snapshot, or a namespace's in-memory index. */
export type ResolverReader = Pick<
  StoreReader,
  'getNamespace' | 'listSchemes' | 'schemeStates' | 'findIdentifiers' | 'identifiersOfEntities' | 'identifierStates' | 'bindings'
>;

/**
 * Answers resolve and translate from one store snapshot. With `asOf`, every
 * part of the answer is what the log held at that instant: identifiers that
 * existed, their states and the binding version then in force.
 */
export class Resolver {
  readonly #reader: ResolverReader;
  readonly #asOf: string | null;
  readonly #schemes = new Map<string, Map<string, SchemeInfo>>();

  constructor(reader: ResolverReader, asOf: string | null) {
    this.#reader = reader;
    this.#asOf = asOf;
  }

  async schemes(namespace: string): Promise<Map<string, SchemeInfo>> {
    let schemes = this.#schemes.get(namespace);
    if (!schemes) {
      if (!(await this.#reader.getNamespace(namespace))) {
        throw new StableIdError('NAMESPACE_NOT_FOUND', `namespace "${namespace}" does not exist`, { namespace });
      }
      schemes = await loadSchemes(this.#reader, namespace, this.#asOf);
      this.#schemes.set(namespace, schemes);
    }
    return schemes;
  }

  async resolve(namespace: string, ref: IdentifierRef): Promise<Resolution> {
    return this.#resolve(namespace, ref, true);
  }

  /** The resolution of `ref`; without `withBinding`, its binding is left out (null): a translation does not show it, so it is not read. */
  async #resolve(namespace: string, ref: IdentifierRef, withBinding: boolean): Promise<Resolution> {
    const schemes = await this.schemes(namespace);
    // As of an earlier instant, a value no scheme of that time accepts simply did not exist yet.
    const { matches } = locateCandidates(namespace, schemes, ref, this.#asOf === null);
    const found = await this.#reader.findIdentifiers(
      namespace,
      matches.map((m) => ({ scheme: m.scheme.name, value: m.value })),
    );
    const visible = found.filter((i) => this.#existed(i.createdAt));
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
    return this.#describe(namespace, schemes, hit, withBinding);
  }

  async translate(namespace: string, ref: IdentifierRef, toScheme: string): Promise<Translation> {
    const schemes = await this.schemes(namespace);
    if (!schemes.has(toScheme)) {
      throw new StableIdError('SCHEME_NOT_FOUND', `scheme "${toScheme}" does not exist in namespace "${namespace}"`, { namespace, scheme: toScheme });
    }
    const resolution = await this.#resolve(namespace, ref, false);
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

  async #describe(namespace: string, schemes: Map<string, SchemeInfo>, hit: StoredIdentifier, withBinding: boolean): Promise<Resolution> {
    const all = (await this.#reader.identifiersOfEntities(namespace, [hit.entity])).filter((i) => this.#existed(i.createdAt));
    const [states, bindings] = await Promise.all([
      this.#reader.identifierStates(
        namespace,
        all.map((i) => i.seq),
      ),
      withBinding ? this.#reader.bindings(namespace, [hit.entity]) : [],
    ]);
    const bySeq = new Map(all.map((i) => [i.seq, i]));
    const own = new Map<number, { state: IdentifierView['state']; sunset: string | null }>();
    for (const change of states) {
      if (this.#existed(change.at)) own.set(change.identifier, { state: change.state, sunset: change.sunset });
    }
    const views = all.map((identifier): IdentifierView => {
      const scheme = schemes.get(identifier.scheme);
      const mine = own.get(identifier.seq) ?? { state: 'active' as const, sunset: null };
      const schemeState = scheme?.state ?? 'active';
      const effective = laterState(mine.state, schemeState);
      const parent = identifier.derivedFrom === null ? undefined : bySeq.get(identifier.derivedFrom);
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
    const binding = bindings.filter((b) => this.#existed(b.at)).at(-1);
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
