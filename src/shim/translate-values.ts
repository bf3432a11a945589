import { type StableIdError, toStableIdError } from '../model/errors.js';
import type { Translation } from '../model/types.js';
import type { Translator } from './translator.js';

/** What a value was translated to, or why not. */
export type TranslationAnswer = Translation | StableIdError;

/** The key of one value's answer: its namespace, target scheme, source scheme (if named) and the value. */
const keyOf = (namespace: string, to: string, scheme: string | undefined, value: string): string => JSON.stringify([namespace, to, scheme ?? null, value]);

interface Group {
  readonly namespace: string;
  readonly to: string;
  readonly scheme: string | undefined;
  readonly values: string[];
  readonly seen: Set<string>;
}

/**
 * Distinct values gathered by namespace, target scheme and (optionally)
 * source scheme, then translated group by group, all groups at once: one
 * `translate` for a group of one value, one `translateMany` (a batch
 * request) for a larger group. Each value is asked for once however often it
 * was added.
 */
export class TranslationBatch {
  readonly #groups = new Map<string, Group>();

  /** Adds `value` of `namespace` (in `scheme`, when named) to translate into `to`. */
  add(namespace: string, to: string, value: string, scheme?: string): void {
    const key = JSON.stringify([namespace, to, scheme ?? null]);
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = { namespace, to, scheme, values: [], seen: new Set() };
      this.#groups.set(key, group);
    }
    if (!group.seen.has(value)) {
      group.seen.add(value);
      group.values.push(value);
    }
  }

  /**
   * Translates what was added. Never rejects: a failure, of an item or of a
   * whole call, is that item's StableIdError. Read the answers with
   * {@link TranslationBatch.answerOf}.
   */
  async translate(translator: Translator): Promise<ReadonlyMap<string, TranslationAnswer>> {
    const answers = new Map<string, TranslationAnswer>();
    await Promise.all(
      [...this.#groups.values()].map(async (group) => {
        const translated = await translateGroup(translator, group);
        group.values.forEach((value, index) => {
          const answer = translated[index];
          if (answer !== undefined) answers.set(keyOf(group.namespace, group.to, group.scheme, value), answer);
        });
      }),
    );
    return answers;
  }

  /** The answer for `value` among `answers`, by the coordinates it was added with. */
  static answerOf(answers: ReadonlyMap<string, TranslationAnswer>, namespace: string, to: string, value: string, scheme?: string): TranslationAnswer | undefined {
    return answers.get(keyOf(namespace, to, scheme, value));
  }
}

async function translateGroup(translator: Translator, group: Group): Promise<TranslationAnswer[]> {
  const { namespace, to, scheme, values } = group;
  try {
    if (values.length === 1) {
      const [value] = values as [string];
      return [(await translator.translate(namespace, value, to, scheme === undefined ? {} : { scheme })).value];
    }
    const items = await translator.translateMany(namespace, values.map((value) => (scheme === undefined ? { value } : { value, scheme })), to);
    return values.map((_, index) => {
      const item = items[index];
      if (item === undefined) return toStableIdError(new Error(`the translator answered ${items.length} items for ${values.length} identifiers`));
      return item.ok ? item.value : toStableIdError(item.error);
    });
  } catch (error) {
    const failure = toStableIdError(error);
    return values.map(() => failure);
  }
}
