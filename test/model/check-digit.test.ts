import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TypeID } from 'typeid-js';
import { isStableIdError } from '../../src/model/errors.js';
import {
  type CheckDigitAlgorithm,
  type SchemeFormat,
  normalizeIdentifier,
  parseSchemeFormat,
  withCheckDigit,
} from '../../src/model/formats/index.js';
import { accepts, rejects } from './format-assertions.js';

/** Independent oracle: the decimal string both algorithms work on, per ISIN/IBAN letter expansion. */
function expand(value: string): string {
  let digits = '';
  for (const char of value) {
    if (/^[0-9]$/.test(char)) digits += char;
    else if (/^[a-z]$/i.test(char)) digits += String(parseInt(char, 36));
  }
  return digits;
}

/** Independent oracle: textbook Luhn validity of a digit string that ends in its check digit. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

const DIGITS = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 60 });
const ALPHANUMERIC = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz-_'), minLength: 1, maxLength: 60 });
/** Bodies with at least one digit or letter, the only ones a check digit can protect. */
const PROTECTABLE = ALPHANUMERIC.filter((s) => expand(s) !== '');
const ALGORITHMS: readonly CheckDigitAlgorithm[] = ['luhn', 'mod97-10'];

describe('withCheckDigit: published vectors', () => {
  it('computes Luhn check digits', () => {
    // The textbook example (Wikipedia, "Luhn algorithm") and the Visa test card number.
    assert.equal(withCheckDigit('luhn', '7992739871'), '79927398713');
    assert.equal(withCheckDigit('luhn', '411111111111111'), '4111111111111111');
    // ISINs expand letters to 10..35 and apply Luhn: Apple, BHP, Bayer.
    assert.equal(withCheckDigit('luhn', 'US037833100'), 'US0378331005');
    assert.equal(withCheckDigit('luhn', 'AU000000BHP'), 'AU000000BHP4');
    assert.equal(withCheckDigit('luhn', 'DE000BAY001'), 'DE000BAY0017');
  });

  it('computes ISO 7064 MOD 97-10 check digits', () => {
    // ISO 7064's own example: 794 -> 44, since 79444 mod 97 = 1.
    assert.equal(withCheckDigit('mod97-10', '794'), '79444');
    // IBAN GB82 WEST 1234 5698 7654 32, rearranged: WEST12345698765432 GB, then the check digits.
    assert.equal(withCheckDigit('mod97-10', '32142829123456987654321611'), '3214282912345698765432161182');
    assert.equal(withCheckDigit('mod97-10', 'WEST12345698765432GB'), 'WEST12345698765432GB82');
    // IBAN DE89 3704 0044 0532 0130 00, rearranged.
    assert.equal(withCheckDigit('mod97-10', '370400440532013000DE'), '370400440532013000DE89');
    assert.equal(3214282912345698765432161182n % 97n, 1n);
  });

  it('treats letters case-insensitively and ignores other characters', () => {
    assert.equal(withCheckDigit('luhn', 'us037833100'), 'us0378331005');
    assert.equal(withCheckDigit('luhn', '7992-7398-71'), '7992-7398-713');
    assert.equal(withCheckDigit('mod97-10', 'west_1234569876-5432gb'), 'west_1234569876-5432gb82');
  });

  it('refuses bodies with nothing to protect and unknown algorithms', () => {
    for (const algorithm of ALGORITHMS) {
      for (const body of ['', '-', '__--', 'é']) {
        assert.throws(
          () => withCheckDigit(algorithm, body),
          (error: unknown) => isStableIdError(error, 'INVALID_ARGUMENT') && error.context.rule === 'check-digit.empty',
        );
      }
    }
    assert.throws(
      () => withCheckDigit('mod11' as CheckDigitAlgorithm, '123'),
      (error: unknown) => isStableIdError(error, 'INVALID_ARGUMENT'),
    );
  });
});

describe('withCheckDigit: properties', () => {
  it('Luhn values verify with a textbook Luhn check', () => {
    fc.assert(fc.property(PROTECTABLE, (body) => luhnValid(expand(withCheckDigit('luhn', body)))));
  });

  it('MOD 97-10 values are 1 modulo 97 and the check digits are 02..98', () => {
    fc.assert(
      fc.property(PROTECTABLE, (body) => {
        const value = withCheckDigit('mod97-10', body);
        const check = Number(value.slice(-2));
        assert.ok(check >= 2 && check <= 98);
        assert.equal(BigInt(expand(value)) % 97n, 1n);
      }),
    );
  });

  it('every value it makes is accepted by a format with that check digit', () => {
    for (const algorithm of ALGORITHMS) {
      const format = parseSchemeFormat({ kind: 'pattern', pattern: '[0-9A-Za-z_-]+', maxLength: 80, checkDigit: algorithm });
      fc.assert(fc.property(PROTECTABLE, (body) => accepts(format, withCheckDigit(algorithm, body))));
    }
  });

  it('changing any single digit of a Luhn value is detected', () => {
    const format = parseSchemeFormat({ kind: 'pattern', pattern: '\\d+', maxLength: 80, checkDigit: 'luhn' });
    fc.assert(
      fc.property(DIGITS, fc.nat(), fc.integer({ min: 1, max: 9 }), (body, at, delta) => {
        const value = withCheckDigit('luhn', body);
        const index = at % value.length;
        const changed = String((Number(value[index]) + delta) % 10);
        const typo = value.slice(0, index) + changed + value.slice(index + 1);
        rejects(format, typo, 'check-digit.luhn');
      }),
    );
  });

  it('changing any single digit or swapping two adjacent different digits of a MOD 97-10 value is detected', () => {
    const format = parseSchemeFormat({ kind: 'pattern', pattern: '\\d+', maxLength: 80, checkDigit: 'mod97-10' });
    fc.assert(
      fc.property(DIGITS, fc.nat(), fc.integer({ min: 1, max: 9 }), (body, at, delta) => {
        const value = withCheckDigit('mod97-10', body);
        const index = at % value.length;
        const changed = String((Number(value[index]) + delta) % 10);
        rejects(format, value.slice(0, index) + changed + value.slice(index + 1), 'check-digit.mod97-10');
        const swapAt = at % (value.length - 1);
        if (value[swapAt] !== value[swapAt + 1]) {
          const swapped = value.slice(0, swapAt) + value[swapAt + 1] + value[swapAt] + value.slice(swapAt + 2);
          rejects(format, swapped, 'check-digit.mod97-10');
        }
      }),
    );
  });
});

describe('formats with check digits', () => {
  it('typeid: the check digit follows the TypeID and the case rule still holds', () => {
    const format = parseSchemeFormat({ kind: 'typeid', prefix: 'ord', checkDigit: 'luhn' });
    const value = withCheckDigit('luhn', 'ord_01h455vb4pex5vsknk084sn02q');
    accepts(format, value);
    rejects(format, value.toUpperCase(), 'typeid.case');
    rejects(format, 'ord_01h455vb4pex5vsknk084sn02q', 'check-digit.luhn');
    const wrong = value.slice(0, -1) + String((Number(value.slice(-1)) + 1) % 10);
    rejects(format, wrong, 'check-digit.luhn');
    fc.assert(
      fc.property(fc.uuid({ version: 7 }), (uuid) => accepts(format, withCheckDigit('luhn', TypeID.fromUUID('ord', uuid).toString()))),
    );
  });

  it('uuid: the body is lowercased, the check digits kept', () => {
    const format = parseSchemeFormat({ kind: 'uuid', checkDigit: 'mod97-10' });
    const body = '550e8400-e29b-41d4-a716-446655440000';
    const value = withCheckDigit('mod97-10', body);
    accepts(format, value);
    accepts(format, value.toUpperCase(), value);
    rejects(format, body, 'check-digit.mod97-10');
    rejects(format, `${body}0`, 'uuid.shape');
    rejects(format, `550e8400-e29b-41d4-0716-446655440000${value.slice(-2)}`, 'uuid.variant');
  });

  it('ulid: lowercase input normalises to uppercase with the same check digit', () => {
    const format = parseSchemeFormat({ kind: 'ulid', checkDigit: 'luhn' });
    fc.assert(
      fc.property(fc.ulid(), (ulid) => {
        const value = withCheckDigit('luhn', ulid);
        accepts(format, value);
        accepts(format, value.toLowerCase(), value);
        rejects(format, ulid, 'check-digit.luhn');
      }),
    );
  });

  it('integer: leading zeros of the body are dropped, the range applies to the body', () => {
    const format = parseSchemeFormat({ kind: 'integer', min: '1', max: '99999999999', checkDigit: 'luhn' });
    accepts(format, '79927398713');
    rejects(format, '79927398710', 'check-digit.luhn');
    accepts(format, '0079927398713', '79927398713');
    rejects(format, '9999999999990', 'integer.range');
    rejects(format, '+79927398713', 'integer.shape');
  });

  it('pattern: the regex applies to the body, maxLength to the whole value', () => {
    const format = parseSchemeFormat({ kind: 'pattern', pattern: 'ORD-\\d{6}', maxLength: 11, case: 'upper', checkDigit: 'luhn' });
    const value = withCheckDigit('luhn', 'ORD-123456');
    assert.equal(value.length, 11);
    accepts(format, value);
    accepts(format, value.toLowerCase(), value);
    rejects(format, 'ORD-123456', 'pattern.match');
    rejects(format, `${value}0`, 'pattern.max-length');
    const tight = parseSchemeFormat({ kind: 'pattern', pattern: 'ORD-\\d{6}', maxLength: 10, checkDigit: 'luhn' });
    rejects(tight, value, 'pattern.max-length');
  });

  it('rejects a non-digit where the check digits belong', () => {
    const format = parseSchemeFormat({ kind: 'pattern', pattern: '[0-9A-Z]+', maxLength: 20, checkDigit: 'mod97-10' });
    rejects(format, '794X4', 'check-digit.mod97-10');
    rejects(format, '7944A', 'check-digit.mod97-10');
    accepts(format, '79444');
  });

  it('reports a body with nothing to protect', () => {
    const format = parseSchemeFormat({ kind: 'pattern', pattern: '-+', maxLength: 10, checkDigit: 'luhn' });
    rejects(format, '--0', 'check-digit.empty');
    rejects(format, '0', 'pattern.match');
  });

  it('normalisation with check digits is idempotent', () => {
    const formats = ALGORITHMS.flatMap((checkDigit) => [
      parseSchemeFormat({ kind: 'ulid', checkDigit }),
      parseSchemeFormat({ kind: 'uuid', checkDigit }),
      parseSchemeFormat({ kind: 'integer', checkDigit }),
      parseSchemeFormat({ kind: 'pattern', pattern: '[A-Z0-9ß]+', maxLength: 12, case: 'upper', checkDigit }),
    ]);
    const raw = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.tuple(fc.ulid(), fc.constantFrom(...ALGORITHMS)).map(([u, a]) => withCheckDigit(a, u).toLowerCase()),
      fc.tuple(fc.uuid(), fc.constantFrom(...ALGORITHMS)).map(([u, a]) => withCheckDigit(a, u).toUpperCase()),
      fc.tuple(DIGITS, fc.constantFrom(...ALGORITHMS)).map(([d, a]) => `00${withCheckDigit(a, d)}`),
      fc.tuple(fc.stringMatching(/^[a-z0-9ß]{1,8}$/), fc.constantFrom(...ALGORITHMS)).map(([s, a]) => withCheckDigit(a, s.toUpperCase())),
    );
    fc.assert(
      fc.property(fc.constantFrom(...formats), raw, (format, value) => {
        const first = normalizeIdentifier(format, value);
        if (first.ok) assert.deepEqual(normalizeIdentifier(format, first.value), first);
      }),
      { numRuns: 3000 },
    );
  });
});
