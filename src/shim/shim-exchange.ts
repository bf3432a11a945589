import { type ErrorCode, StableIdError } from '../model/errors.js';
import type { LifecycleState } from '../model/types.js';
import { locate, mapAt } from './json-path.js';
import type { CompiledResponseLocation, CompiledShimRoute, IdentifierSource } from './shim-route.js';
import { TranslationBatch } from './translate-values.js';
import type { Translator } from './translator.js';

/** One identifier of a request, as the caller sent it and as the handler gets it. */
export interface ShimIdentifier {
  readonly in: IdentifierSource;
  /** Where in that part: `id`, `items[1].customerId`. */
  readonly field: string;
  readonly namespace: string;
  /** The value the caller sent. */
  readonly value: string;
  /** The scheme the caller's value is in. */
  readonly scheme: string;
  /** The entity the registry says it names. */
  readonly entity: string;
  /** The value the handler gets. */
  readonly translated: string;
  /** The scheme the handler wants. */
  readonly targetScheme: string;
  /** The state of the caller's identifier: deprecated or archived when its scheme or itself is retired. */
  readonly state: LifecycleState;
  readonly sunset: string | null;
}

/** What the shim made of a request, handed to an adapter. */
export interface ExchangeParts {
  readonly route: CompiledShimRoute;
  readonly translator: Translator;
  readonly params: unknown;
  readonly query: unknown;
  readonly body: unknown;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly identifiers: readonly ShimIdentifier[];
  readonly caller: string;
}

/**
 * The answers about a value of a response that leave it as the handler wrote
 * it: the registry knows no counterpart in the caller's scheme (an entity
 * created after the caller's scheme was retired, say). Any other failure
 * (the service unreachable, a namespace missing) fails the response.
 */
const KEPT_AS_WRITTEN: ReadonlySet<ErrorCode> = new Set(['IDENTIFIER_NOT_FOUND', 'TRANSLATION_NOT_FOUND', 'IDENTIFIER_ERASED', 'INVALID_IDENTIFIER', 'AMBIGUOUS_IDENTIFIER']);

const echoKey = (namespace: string, handlerScheme: string, callerScheme: string, value: string): string =>
  JSON.stringify([namespace, handlerScheme, callerScheme, value]);

/**
 * One request after the shim: its parts with every identifier in the scheme
 * the handler wants, the headers the answer must carry, and the way back for
 * the response. Immutable.
 */
export class ShimExchange {
  /** The path parameters as the handler gets them. */
  readonly params: unknown;
  /** The query as the handler gets it. */
  readonly query: unknown;
  /** The body as the handler gets it. */
  readonly body: unknown;
  /** The request URL in the handler's scheme: the identifiers of the path and query replaced. */
  readonly url: string;
  /** Headers the answer must carry: `Deprecation`, `Sunset`, `Link` when the caller used a deprecated identifier. */
  readonly headers: Readonly<Record<string, string>>;
  /** Every identifier the request carried, in the order of the route's locations. */
  readonly identifiers: readonly ShimIdentifier[];
  /** The caller the usage was counted for. */
  readonly caller: string;
  readonly #route: CompiledShimRoute;
  readonly #translator: Translator;
  /** The caller's own values, by the handler's value they were translated to: echoed back without a lookup. */
  readonly #echo = new Map<string, string>();

  constructor(parts: ExchangeParts) {
    this.params = parts.params;
    this.query = parts.query;
    this.body = parts.body;
    this.url = parts.url;
    this.headers = Object.freeze({ ...parts.headers });
    this.identifiers = Object.freeze([...parts.identifiers]);
    this.caller = parts.caller;
    this.#route = parts.route;
    this.#translator = parts.translator;
    for (const identifier of this.identifiers) {
      const key = echoKey(identifier.namespace, identifier.targetScheme, identifier.scheme, identifier.translated);
      if (identifier.scheme !== identifier.targetScheme && !this.#echo.has(key)) this.#echo.set(key, identifier.value);
    }
    Object.freeze(this);
  }

  /** Whether the caller used a deprecated (or archived) identifier. */
  get deprecated(): boolean {
    return this.identifiers.some((identifier) => identifier.state !== 'active');
  }

  /**
   * The scheme the caller used in `namespace` when it is not `handlerScheme`:
   * the first such among the request's identifiers (a caller who sends one
   * legacy identifier is a legacy caller); null when the caller used only
   * `handlerScheme`, or sent nothing of that namespace.
   */
  callerScheme(namespace: string, handlerScheme: string): string | null {
    return this.identifiers.find((identifier) => identifier.namespace === namespace && identifier.scheme !== handlerScheme)?.scheme ?? null;
  }

  /** Whether the response needs rewriting: only then must an adapter hold it back. */
  get rewritesResponse(): boolean {
    return this.#route.response.some((location) => this.callerScheme(location.namespace, location.scheme) !== null);
  }

  /**
   * The JSON response `document` with the identifiers at the route's response
   * locations in the caller's scheme: a value the caller sent comes back as
   * sent; any other is translated (in batches). A value the registry has no
   * counterpart for stays as the handler wrote it. Rejects with a
   * StableIdError when the translation itself fails (SERVICE_UNAVAILABLE, …).
   * Never modifies `document`.
   */
  async rewriteResponse(document: unknown): Promise<unknown> {
    const plans = this.#route.response.flatMap((location) => {
      const callerScheme = this.callerScheme(location.namespace, location.scheme);
      return callerScheme === null ? [] : [{ location, callerScheme }];
    });
    if (plans.length === 0) return document;
    const echoed = (location: CompiledResponseLocation, callerScheme: string, value: string): string | undefined =>
      this.#echo.get(echoKey(location.namespace, location.scheme, callerScheme, value));
    const batch = new TranslationBatch();
    for (const { location, callerScheme } of plans) {
      for (const { value } of locate(document, location.steps)) {
        if (typeof value === 'string' && value.length > 0 && echoed(location, callerScheme, value) === undefined) {
          batch.add(location.namespace, callerScheme, value, location.scheme);
        }
      }
    }
    const answers = await batch.translate(this.#translator);
    for (const answer of answers.values()) if (answer instanceof StableIdError && !KEPT_AS_WRITTEN.has(answer.code)) throw answer;
    let rewritten = document;
    for (const { location, callerScheme } of plans) {
      rewritten = mapAt(rewritten, location.steps, (value) => {
        if (typeof value !== 'string') return value;
        const answer = TranslationBatch.answerOf(answers, location.namespace, callerScheme, value, location.scheme);
        return echoed(location, callerScheme, value) ?? (answer === undefined || answer instanceof StableIdError ? null : answer.to.value) ?? value;
      });
    }
    return rewritten;
  }
}
