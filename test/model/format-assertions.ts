import assert from 'node:assert/strict';
import { type SchemeFormat, normalizeIdentifier } from '../../src/model/formats/index.js';

/** Asserts that `raw` is accepted and spelled `canonical`. */
export function accepts(format: SchemeFormat, raw: string, canonical: string = raw): void {
  assert.deepEqual(normalizeIdentifier(format, raw), { ok: true, value: canonical }, `${JSON.stringify(raw)} should be accepted`);
}

/** Asserts that `raw` is refused with `rule` and a message. */
export function rejects(format: SchemeFormat, raw: string, rule: string): void {
  const result = normalizeIdentifier(format, raw);
  assert.equal(result.ok, false, `${JSON.stringify(raw)} should be rejected with ${rule}`);
  if (!result.ok) {
    assert.equal(result.rule, rule, `${JSON.stringify(raw)}: ${result.message}`);
    assert.ok(result.message.length > 0);
  }
}
