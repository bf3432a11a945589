import type { StableIdError } from '../model/errors.js';
import type { Translation } from '../model/types.js';

/** One identifier to translate; without `scheme`, every scheme whose format accepts the value is tried. */
export interface TranslationInput {
  readonly value: string;
  readonly scheme?: string;
}

/** A translation answered; `StableIdClient`'s answers carry more (their source), which the shim ignores. */
export interface TranslatedAnswer {
  readonly value: Translation;
}

/** One item of a batch translation, in the order asked: the translation, or the problem of that item alone. */
export type TranslatedItem = ({ readonly ok: true } & TranslatedAnswer) | { readonly ok: false; readonly error: StableIdError };

/**
 * What the shim needs of the identity service: translations, one or many.
 * `StableIdClient` satisfies it; a test or an embedded registry can supply
 * its own.
 */
export interface Translator {
  /**
   * The identifier of `value`'s entity in scheme `to` (the same identifier
   * when `value` already is in `to`). Rejects with a StableIdError: the
   * registry's problem (IDENTIFIER_NOT_FOUND, TRANSLATION_NOT_FOUND,
   * INVALID_IDENTIFIER, …) or SERVICE_UNAVAILABLE.
   */
  translate(namespace: string, value: string, to: string, options?: { scheme?: string }): Promise<TranslatedAnswer>;
  /**
   * Translates each identifier into `to`: one item per input, in the order
   * asked, each succeeding or failing on its own. Does not reject.
   */
  translateMany(namespace: string, identifiers: readonly TranslationInput[], to: string): Promise<readonly TranslatedItem[]>;
}
