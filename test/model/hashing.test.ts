import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalContent } from '../../src/model/events.js';
import { canonicalJson, commitValue, newSalt } from '../../src/model/hashing.js';

/** JSON values without lone surrogates, the domain RFC 8785 encodes. */
const json = fc.jsonValue({ stringUnit: 'grapheme' });

describe('canonicalJson', () => {
  it('equals the canonicalize package (the RFC 8785 reference implementation) on any JSON value', () => {
    fc.assert(
      fc.property(json, (value) => {
        assert.equal(canonicalJson(value), canonicalize(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts keys by UTF-16 code units and escapes as ECMAScript does', () => {
    assert.equal(canonicalJson({ b: 1, a: [true, null, 'x"\n\u2028'], é: -0, '\u{1F600}': 1e21 }), '{"a":[true,null,"x\\"\\n\u2028"],"b":1,"é":0,"\u{1F600}":1e+21}');
  });

  it('refuses what RFC 8785 cannot encode', () => {
    assert.throws(() => canonicalJson('\uD800'), TypeError);
    assert.throws(() => canonicalJson(Number.NaN), TypeError);
    assert.throws(() => canonicalJson(Infinity), TypeError);
  });
});

describe('canonicalContent', () => {
  it('equals the canonical encoding of the hashed event fields', () => {
    const text = fc.string({ unit: 'grapheme' });
    fc.assert(
      fc.property(text, fc.nat(), text, text, text, fc.option(text), json, (namespace, seq, at, actor, correlationId, reason, body) => {
        const event = { namespace, seq, type: 'scheme.archived' as const, at, actor, correlationId, reason, body: body as { scheme: string } };
        const expected = canonicalize({ v: 1, namespace, seq, type: event.type, at, actor, correlationId, reason, body });
        assert.equal(canonicalContent(event), expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('value commitments', () => {
  it('differ for different salts and values and are stable for the same ones', () => {
    const a = newSalt();
    const b = newSalt();
    assert.match(a, /^[0-9a-f]{32}$/);
    assert.notEqual(a, b);
    assert.equal(commitValue(a, 'ORD-000001'), commitValue(a, 'ORD-000001'));
    assert.notEqual(commitValue(a, 'ORD-000001'), commitValue(b, 'ORD-000001'));
    assert.notEqual(commitValue(a, 'ORD-000001'), commitValue(a, 'ORD-000002'));
  });

  it('never repeats a salt over many draws (pool refills included)', () => {
    const salts = new Set(Array.from({ length: 5000 }, newSalt));
    assert.equal(salts.size, 5000);
  });
});
