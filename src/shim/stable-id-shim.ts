import type { IncomingHttpHeaders } from 'node:http';
import { StableIdError } from '../model/errors.js';
import { deprecationHeaders } from './deprecation-headers.js';
import { ENTITY_HEADER } from './entity-header.js';
import { formatPointer, locate, mapAt } from './json-path.js';
import { rewriteUrl } from './request-url.js';
import { type ShimIdentifier, ShimExchange } from './shim-exchange.js';
import type { CompiledLocation, CompiledShimRoute } from './shim-route.js';
import { type TranslationAnswer, TranslationBatch } from './translate-values.js';
import type { Translator } from './translator.js';
import { UsageCounter } from './usage-counter.js';

/** The header the default {@link ShimOptions.caller} reads. */
export const CALLER_HEADER = 'x-stableid-caller';

/** The caller of a request that names none. */
export const ANONYMOUS_CALLER = 'anonymous';

/** The longest caller name kept; longer names are cut. */
const MAX_CALLER_LENGTH = 64;

/** What the shim reads of a request, whatever the framework. */
export interface ShimRequestHead {
  readonly method: string;
  /** The URL in origin form: path and query. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** A request as the shim reads it: the head, and the parts identifiers travel in. */
export interface ShimRequest extends ShimRequestHead {
  readonly params: unknown;
  readonly query: unknown;
  /** The parsed JSON body; undefined when there is none. */
  readonly body: unknown;
}

export interface ShimOptions {
  /** The identity service; a `StableIdClient` fits. */
  readonly translator: Translator;
  /** Who is calling, for the usage counts; default the `X-StableId-Caller` header, else `anonymous`. */
  readonly caller?: (request: ShimRequestHead) => string | undefined;
  /** The usage counter to count into; default a new one with its default cap. */
  readonly usage?: UsageCounter;
  /** The time the `Deprecation` header states (default `Date.now`). */
  readonly clock?: () => number;
}

const defaultCaller = (request: ShimRequestHead): string | undefined => {
  const header = request.headers[CALLER_HEADER];
  return Array.isArray(header) ? header[0] : header;
};

/** One identifier found in the request, before translation. */
interface Found {
  readonly location: CompiledLocation;
  readonly field: string;
  readonly value: string;
}

const refused = (location: CompiledLocation, field: string, rule: string, message: string): StableIdError =>
  new StableIdError('INVALID_ARGUMENT', `${location.in} ${field} ${message}`, { in: location.in, field, namespace: location.namespace, rule });

/** Why `value` at `field` cannot reach the handler, naming where it travelled. */
function untranslated(location: CompiledLocation, field: string, value: string, answer: TranslationAnswer | undefined): StableIdError {
  const error =
    answer instanceof StableIdError
      ? answer
      : answer === undefined
        ? new StableIdError('INTERNAL', `the translator gave no answer for ${JSON.stringify(value)}`)
        : new StableIdError('IDENTIFIER_ERASED', `the ${location.namespace}/${location.scheme} identifier of entity ${answer.entity} was erased`, {
            namespace: location.namespace,
            scheme: location.scheme,
            entity: answer.entity,
          });
  return new StableIdError(error.code, error.message, { ...error.context, in: location.in, field }, { cause: error });
}

/**
 * The framework-free core of the legacy-identifier shim. For each request it
 * finds the identifiers at the route's locations, translates them through
 * the {@link Translator} into the scheme the handler wants (in batches), and
 * returns a {@link ShimExchange}: the request's parts rewritten, the
 * deprecation headers due, the way back for the response. It counts who used
 * which scheme. It holds no rules of its own: what is valid, known,
 * deprecated or translatable is the registry's answer.
 */
export class StableIdShim {
  /** Who sent which schemes. */
  readonly usage: UsageCounter;
  readonly #translator: Translator;
  readonly #caller: (request: ShimRequestHead) => string | undefined;
  readonly #clock: () => number;

  constructor(options: ShimOptions) {
    const translator = options.translator as Partial<Translator> | undefined;
    if (typeof translator?.translate !== 'function' || typeof translator.translateMany !== 'function') {
      throw new StableIdError('INVALID_ARGUMENT', 'the shim needs a translator with translate and translateMany (a StableIdClient fits)', { field: 'translator' });
    }
    this.#translator = options.translator;
    this.#caller = options.caller ?? defaultCaller;
    this.#clock = options.clock ?? Date.now;
    this.usage = options.usage ?? new UsageCounter();
  }

  /** The caller of a request: the configured function's answer, trimmed and cut to 64 characters, else `anonymous`. */
  callerOf(request: ShimRequestHead): string {
    const named = this.#caller(request)?.trim().slice(0, MAX_CALLER_LENGTH);
    return named === undefined || named.length === 0 ? ANONYMOUS_CALLER : named;
  }

  /**
   * Translates the request's identifiers into the handler's schemes. Rejects
   * with a StableIdError, naming the location (`in`, `field`), when an
   * identifier is missing at a required location or is not a string
   * (INVALID_ARGUMENT), and with the registry's answer for the first
   * identifier that cannot be translated (IDENTIFIER_NOT_FOUND,
   * TRANSLATION_NOT_FOUND, INVALID_IDENTIFIER, …, or SERVICE_UNAVAILABLE).
   * Malformed requests never reach the translator; usage is counted only for
   * requests that succeed.
   */
  async translateRequest(route: CompiledShimRoute, request: ShimRequest): Promise<ShimExchange> {
    const parts = { params: request.params, query: request.query, body: request.body };
    const found = this.#find(route, parts);
    const batch = new TranslationBatch();
    for (const { location, value } of found) batch.add(location.namespace, location.scheme, value);
    const answers = await batch.translate(this.#translator);
    const answerOf = (location: CompiledLocation, value: string): TranslationAnswer | undefined =>
      TranslationBatch.answerOf(answers, location.namespace, location.scheme, value);
    const identifiers = found.map(({ location, field, value }): ShimIdentifier => {
      const answer = answerOf(location, value);
      if (answer === undefined || answer instanceof StableIdError || answer.to.value === null) throw untranslated(location, field, value, answer);
      return {
        in: location.in,
        field,
        namespace: location.namespace,
        value,
        scheme: answer.from.scheme,
        entity: answer.entity,
        translated: answer.to.value,
        targetScheme: location.scheme,
        state: answer.from.state,
        sunset: answer.from.sunset,
      };
    });
    for (const location of route.identifiers) {
      parts[location.in] = mapAt(parts[location.in], location.steps, (value) => {
        const answer = typeof value === 'string' ? answerOf(location, value) : undefined;
        return answer === undefined || answer instanceof StableIdError ? value : (answer.to.value ?? value);
      });
    }
    const url = rewriteUrl(
      request.url,
      identifiers.flatMap((identifier) => (identifier.in === 'body' ? [] : [{ in: identifier.in, from: identifier.value, to: identifier.translated }])),
    );
    const retired = identifiers.filter((identifier) => identifier.state !== 'active');
    const entities = new Set(identifiers.map((identifier) => identifier.entity));
    const headers = {
      ...(retired.length === 0
        ? {}
        : deprecationHeaders(
            retired.map((identifier) => identifier.sunset),
            { now: this.#clock(), successor: url === request.url ? null : url, documentation: route.deprecationLink },
          )),
      // The one entity the request is about, for synthetic clients (`stableid probe --shim`) to check.
      ...(entities.size === 1 ? { [ENTITY_HEADER]: [...entities][0] as string } : {}),
    };
    const caller = this.callerOf(request);
    this.#count(identifiers, caller);
    return new ShimExchange({ route, translator: this.#translator, ...parts, url, headers, identifiers, caller });
  }

  /** Every identifier at the route's locations, in order; refuses a request that lacks a required one or carries a non-string. */
  #find(route: CompiledShimRoute, parts: Readonly<Record<CompiledLocation['in'], unknown>>): Found[] {
    const found: Found[] = [];
    for (const location of route.identifiers) {
      for (const occurrence of locate(parts[location.in], location.steps)) {
        const field = formatPointer(occurrence.pointer);
        const { value } = occurrence;
        if (value === undefined || value === null || value === '') {
          if (location.required) throw refused(location, field, 'identifier.missing', 'is missing: the route requires an identifier there');
          continue;
        }
        if (occurrence.expected === 'array') throw refused(location, field, 'identifier.type', 'must be a list of identifiers');
        if (typeof value !== 'string') throw refused(location, field, 'identifier.type', 'must be an identifier (a string)');
        found.push({ location, field, value });
      }
    }
    return found;
  }

  /** One use per (namespace, scheme) the request carried; deprecated when any of those identifiers was. */
  #count(identifiers: readonly ShimIdentifier[], caller: string): void {
    const uses = new Map<string, { namespace: string; scheme: string; deprecated: boolean }>();
    for (const { namespace, scheme, state } of identifiers) {
      const key = JSON.stringify([namespace, scheme]);
      const use = uses.get(key) ?? { namespace, scheme, deprecated: false };
      uses.set(key, { ...use, deprecated: use.deprecated || state !== 'active' });
    }
    for (const use of uses.values()) this.usage.record({ ...use, caller });
  }
}
