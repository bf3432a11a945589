import type { NormalizeResult } from './format.js';

/** A frozen refusal naming the rule a value broke; shared, since it carries no part of the value. */
export function rejection(rule: string, message: string): NormalizeResult {
  return Object.freeze({ ok: false, rule, message });
}
