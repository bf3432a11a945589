import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TypeID, typeid } from 'typeid-js';
import { isStableIdError } from '../../src/model/errors.js';
import {
  type SchemeFormat,
  describeFormat,
  normalizeIdentifier,
  parseSchemeFormat,
  requireIdentifier,
} from '../../src/model/formats/index.js';
import { accepts, rejects } from './format-assertions.js';

function schemeError(input: unknown, field: string, rule: string): void {
  assert.throws(
    () => parseSchemeFormat(input),
    (error: unknown) => {
      assert.ok(isStableIdError(error, 'INVALID_SCHEME'), String(error));
      assert.equal(error.context.rule, rule, error.message);
      assert.equal(error.context.field, field, error.message);
      return true;
    },
  );
}

const TYPEID = parseSchemeFormat({ kind: 'typeid', prefix: 'ord' });
const UUID = parseSchemeFormat({ kind: 'uuid' });
const UUIDV7 = parseSchemeFormat({ kind: 'uuidv7' });
const ULID = parseSchemeFormat({ kind: 'ulid' });
const INTEGER = parseSchemeFormat({ kind: 'integer' });
const RANGED = parseSchemeFormat({ kind: 'integer', min: '1', max: '100' });
const PATTERN = parseSchemeFormat({ kind: 'pattern', pattern: 'ORD-\\d{6}', maxLength: 10 });
const FOLDED = parseSchemeFormat({ kind: 'pattern', pattern: '[A-Z]{3}-\\d{3}', maxLength: 7, case: 'upper' });

const ALL_FORMATS: readonly SchemeFormat[] = [
  TYPEID,
  parseSchemeFormat({ kind: 'typeid', prefix: 'order_line' }),
  UUID,
  UUIDV7,
  ULID,
  INTEGER,
  RANGED,
  PATTERN,
  FOLDED,
  parseSchemeFormat({ kind: 'pattern', pattern: '[a-z ]+', maxLength: 20, case: 'lower' }),
  parseSchemeFormat({ kind: 'pattern', pattern: '.+', maxLength: 30 }),
];

describe('common rules', () => {
  it('rejects the empty string', () => {
    for (const format of ALL_FORMATS) rejects(format, '', 'value.empty');
  });

  it('rejects leading or trailing whitespace instead of trimming it', () => {
    const value = typeid('ord').toString();
    for (const raw of [` ${value}`, `${value} `, `${value}\n`, `\t${value}`, `\u00a0${value}`, `${value}\u2028`, `\ufeff${value}`]) {
      rejects(TYPEID, raw, 'value.whitespace');
    }
    rejects(INTEGER, ' 7', 'value.whitespace');
    rejects(PATTERN, 'ORD-123456 ', 'value.whitespace');
    rejects(ALL_FORMATS[10]!, ' x', 'value.whitespace');
  });

  it('rejects control characters anywhere, even where the pattern would allow them', () => {
    const anything = ALL_FORMATS[10]!;
    accepts(anything, 'a b');
    rejects(anything, 'a\u0000b', 'value.whitespace');
    rejects(anything, 'a\u007fb', 'value.whitespace');
    rejects(anything, 'a\u0085b', 'value.whitespace');
  });

  it('never throws, whatever the string', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_FORMATS), fc.string({ unit: 'binary', maxLength: 80 }), (format, raw) => {
        const result = normalizeIdentifier(format, raw);
        assert.equal(typeof result.ok, 'boolean');
      }),
    );
  });
});

describe('typeid', () => {
  it('accepts TypeIDs of its prefix unchanged', () => {
    accepts(TYPEID, 'ord_01h455vb4pex5vsknk084sn02q');
    accepts(TYPEID, 'ord_00000000000000000000000000');
    accepts(TYPEID, 'ord_7zzzzzzzzzzzzzzzzzzzzzzzzz');
    accepts(parseSchemeFormat({ kind: 'typeid', prefix: 'order_line' }), 'order_line_01h455vb4pex5vsknk084sn02q');
  });

  it('rejects uppercase and mixed case instead of lowercasing', () => {
    rejects(TYPEID, 'ORD_01H455VB4PEX5VSKNK084SN02Q', 'typeid.case');
    rejects(TYPEID, 'ord_01H455VB4PEX5VSKNK084SN02Q', 'typeid.case');
    rejects(TYPEID, 'Ord_01h455vb4pex5vsknk084sn02q', 'typeid.case');
  });

  it('rejects another or a missing prefix', () => {
    rejects(TYPEID, 'usr_01h455vb4pex5vsknk084sn02q', 'typeid.prefix');
    rejects(TYPEID, '01h455vb4pex5vsknk084sn02q', 'typeid.prefix');
    rejects(TYPEID, '_01h455vb4pex5vsknk084sn02q', 'typeid.prefix');
    rejects(TYPEID, 'ord_x_01h455vb4pex5vsknk084sn02q', 'typeid.prefix');
    rejects(TYPEID, 'ordx01h455vb4pex5vsknk084sn02q', 'typeid.prefix');
  });

  it('rejects a bad suffix', () => {
    rejects(TYPEID, 'ord_01h455vb4pex5vsknk084sn02', 'typeid.shape');
    rejects(TYPEID, 'ord_01h455vb4pex5vsknk084sn02qq', 'typeid.shape');
    rejects(TYPEID, 'ord_', 'typeid.shape');
    rejects(TYPEID, 'ord_01h455vb4pex5vsknk084sn0iq', 'typeid.alphabet');
    rejects(TYPEID, 'ord_01h455vb4pex5vsknk084sn0uq', 'typeid.alphabet');
    rejects(TYPEID, 'ord_01h455vb4pex5vsknk084sn0-q', 'typeid.alphabet');
    rejects(TYPEID, 'ord_01h455vb4pex5vsknk084sn0éq', 'typeid.alphabet');
    rejects(TYPEID, 'ord_81h455vb4pex5vsknk084sn02q', 'typeid.overflow');
    rejects(TYPEID, 'ord_zzzzzzzzzzzzzzzzzzzzzzzzzz', 'typeid.overflow');
  });

  it('accepts every TypeID typeid-js generates', () => {
    const format = parseSchemeFormat({ kind: 'typeid', prefix: 'item' });
    fc.assert(
      fc.property(fc.uuid({ version: 7 }), (uuid) => {
        const value = TypeID.fromUUID('item', uuid).toString();
        accepts(format, value);
      }),
    );
    for (let i = 0; i < 100; i++) accepts(format, typeid('item').toString());
  });

  it('agrees with typeid-js on near-valid strings', () => {
    const chars = '0123456789abcdefghijklmnopqrstuvwxyz_';
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...chars), minLength: 25, maxLength: 27 }),
        (suffix) => {
          const raw = `ord_${suffix}`;
          let theirs: boolean;
          try {
            theirs = TypeID.fromString(raw, 'ord').toString() === raw;
          } catch {
            theirs = false;
          }
          assert.equal(normalizeIdentifier(TYPEID, raw).ok, theirs, raw);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('uuid', () => {
  it('accepts lowercase UUIDs of any version unchanged', () => {
    accepts(UUID, '550e8400-e29b-41d4-a716-446655440000');
    accepts(UUID, '017f22e2-79b0-7cc3-98c4-dc0c0c07398f');
    accepts(UUID, '6ba7b810-9dad-11d1-80b4-00c04fd430c8');
  });

  it('normalises uppercase hex to lowercase', () => {
    accepts(UUID, '550E8400-E29B-41D4-A716-446655440000', '550e8400-e29b-41d4-a716-446655440000');
    accepts(UUID, '550e8400-E29B-41d4-a716-446655440000', '550e8400-e29b-41d4-a716-446655440000');
  });

  it('accepts the nil and max UUIDs', () => {
    accepts(UUID, '00000000-0000-0000-0000-000000000000');
    accepts(UUID, 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', 'ffffffff-ffff-ffff-ffff-ffffffffffff');
  });

  it('rejects other spellings', () => {
    for (const raw of [
      '550e8400e29b41d4a716446655440000',
      '{550e8400-e29b-41d4-a716-446655440000}',
      'urn:uuid:550e8400-e29b-41d4-a716-446655440000',
      '550e8400-e29b-41d4-a716-44665544000',
      '550e8400-e29b-41d4-a716-4466554400000',
      '550e8400-e29b-41d4-a716_446655440000',
      '550e8400-e29b-41d4-a716-44665544000g',
      '550e840-0e29b-41d4-a716-446655440000',
    ]) {
      rejects(UUID, raw, 'uuid.shape');
    }
  });

  it('rejects variants other than RFC 9562', () => {
    rejects(UUID, '550e8400-e29b-41d4-0716-446655440000', 'uuid.variant');
    rejects(UUID, '550e8400-e29b-41d4-c716-446655440000', 'uuid.variant');
    rejects(UUID, '550e8400-e29b-41d4-F716-446655440000', 'uuid.variant');
    accepts(UUID, '550e8400-e29b-41d4-b716-446655440000');
  });

  it('accepts every UUID fast-check generates, of every version', () => {
    fc.assert(
      fc.property(fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] }), (uuid) => accepts(UUID, uuid)),
    );
  });

  it('agrees with a reference expression after lowercasing', () => {
    const reference = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0189abcfABF-g'), minLength: 36, maxLength: 36 }), (raw) => {
        const lower = raw.toLowerCase();
        const expected =
          reference.test(lower) ||
          lower === '00000000-0000-0000-0000-000000000000' ||
          lower === 'ffffffff-ffff-ffff-ffff-ffffffffffff';
        const result = normalizeIdentifier(UUID, raw);
        assert.equal(result.ok, expected, raw);
        if (result.ok) assert.equal(result.value, lower);
      }),
    );
  });
});

describe('uuidv7', () => {
  it('accepts version 7 UUIDs and lowercases them', () => {
    accepts(UUIDV7, '017f22e2-79b0-7cc3-98c4-dc0c0c07398f');
    accepts(UUIDV7, '017F22E2-79B0-7CC3-98C4-DC0C0C07398F', '017f22e2-79b0-7cc3-98c4-dc0c0c07398f');
    fc.assert(fc.property(fc.uuid({ version: 7 }), (uuid) => accepts(UUIDV7, uuid)));
  });

  it('rejects other versions, including nil and max', () => {
    rejects(UUIDV7, '550e8400-e29b-41d4-a716-446655440000', 'uuidv7.version');
    rejects(UUIDV7, '00000000-0000-0000-0000-000000000000', 'uuidv7.version');
    rejects(UUIDV7, 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'uuidv7.version');
    fc.assert(fc.property(fc.uuid({ version: [1, 4, 6, 8] }), (uuid) => rejects(UUIDV7, uuid, 'uuidv7.version')));
  });

  it('rejects a bad variant and other spellings', () => {
    rejects(UUIDV7, '017f22e2-79b0-7cc3-c8c4-dc0c0c07398f', 'uuid.variant');
    rejects(UUIDV7, '017f22e279b07cc398c4dc0c0c07398f', 'uuid.shape');
  });
});

describe('ulid', () => {
  it('accepts uppercase ULIDs unchanged', () => {
    accepts(ULID, '01ARZ3NDEKTSV4RRFFQ69G5FAV');
    accepts(ULID, '7ZZZZZZZZZZZZZZZZZZZZZZZZZ');
  });

  it('normalises lowercase and mixed case to uppercase', () => {
    accepts(ULID, '01arz3ndektsv4rrffq69g5fav', '01ARZ3NDEKTSV4RRFFQ69G5FAV');
    accepts(ULID, '01ARZ3ndektsv4RRFFQ69G5FAV', '01ARZ3NDEKTSV4RRFFQ69G5FAV');
  });

  it('rejects I, L, O and U rather than reading them as digits', () => {
    rejects(ULID, '01ARZ3NDEKTSV4RRFFQ69G5FAI', 'ulid.alphabet');
    rejects(ULID, '01ARZ3NDEKTSV4RRFFQ69G5FAl', 'ulid.alphabet');
    rejects(ULID, '01ARZ3NDEKTSV4RRFFQ69G5FAO', 'ulid.alphabet');
    rejects(ULID, '01ARZ3NDEKTSV4RRFFQ69G5FAu', 'ulid.alphabet');
    rejects(ULID, '01ARZ3NDEKTSV4RRFFQ69G5FA-', 'ulid.alphabet');
  });

  it('rejects a wrong length and overflow', () => {
    rejects(ULID, '01ARZ3NDEKTSV4RRFFQ69G5FA', 'ulid.shape');
    rejects(ULID, '01ARZ3NDEKTSV4RRFFQ69G5FAVV', 'ulid.shape');
    rejects(ULID, '81ARZ3NDEKTSV4RRFFQ69G5FAV', 'ulid.overflow');
    rejects(ULID, 'ZZZZZZZZZZZZZZZZZZZZZZZZZZ', 'ulid.overflow');
  });

  it('accepts every ULID fast-check generates, in either case', () => {
    fc.assert(
      fc.property(fc.ulid(), (ulid) => {
        accepts(ULID, ulid);
        accepts(ULID, ulid.toLowerCase(), ulid);
      }),
    );
  });
});

describe('integer', () => {
  it('accepts canonical integers unchanged', () => {
    for (const raw of ['0', '7', '-7', '1234567890', '9'.repeat(40), `-${'9'.repeat(40)}`]) accepts(INTEGER, raw);
  });

  it('drops leading zeros and the sign of zero', () => {
    accepts(INTEGER, '007', '7');
    accepts(INTEGER, '-007', '-7');
    accepts(INTEGER, '000', '0');
    accepts(INTEGER, '-0', '0');
    accepts(INTEGER, '-000', '0');
    accepts(INTEGER, `000${'9'.repeat(40)}`, '9'.repeat(40));
    accepts(INTEGER, '0'.repeat(100), '0');
  });

  it('rejects other spellings', () => {
    for (const raw of ['+7', '-', '--7', '7-', '1.0', '1e3', '0x1f', '1_000', '1,000', '١٢', '７', '9'.repeat(41), `-${'9'.repeat(41)}`, `0${'1'.repeat(41)}`]) {
      rejects(INTEGER, raw, 'integer.shape');
    }
  });

  it('checks the inclusive range exactly, beyond 2^53', () => {
    accepts(RANGED, '1');
    accepts(RANGED, '100');
    accepts(RANGED, '0100', '100');
    rejects(RANGED, '0', 'integer.range');
    rejects(RANGED, '101', 'integer.range');
    rejects(RANGED, '-5', 'integer.range');
    const huge = parseSchemeFormat({ kind: 'integer', min: '9007199254740993', max: '9007199254740995' });
    accepts(huge, '9007199254740993');
    rejects(huge, '9007199254740992', 'integer.range');
    rejects(huge, '9007199254740996', 'integer.range');
    const floor = parseSchemeFormat({ kind: 'integer', min: '-10' });
    accepts(floor, '-10');
    accepts(floor, '9'.repeat(40));
    rejects(floor, '-11', 'integer.range');
    const ceiling = parseSchemeFormat({ kind: 'integer', max: 0 });
    accepts(ceiling, '-0', '0');
    rejects(ceiling, '1', 'integer.range');
  });

  it('agrees with BigInt on every decimal spelling', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 39n), max: 10n ** 39n }), fc.nat({ max: 3 }), (number, zeros) => {
        const digits = (number < 0n ? -number : number).toString();
        const raw = `${number < 0n ? '-' : ''}${'0'.repeat(zeros)}${digits}`;
        const expected = number.toString();
        accepts(INTEGER, raw, expected);
        const inRange = number >= 1n && number <= 100n;
        assert.equal(normalizeIdentifier(RANGED, raw).ok, inRange);
      }),
    );
  });
});

describe('pattern', () => {
  it('matches the whole value', () => {
    accepts(PATTERN, 'ORD-123456');
    rejects(PATTERN, 'ORD-12345', 'pattern.match');
    rejects(PATTERN, 'XORD-12345', 'pattern.match');
    rejects(PATTERN, 'ord-123456', 'pattern.match');
    const alternation = parseSchemeFormat({ kind: 'pattern', pattern: 'a|b', maxLength: 5 });
    accepts(alternation, 'a');
    rejects(alternation, 'ab', 'pattern.match');
    rejects(alternation, 'xb', 'pattern.match');
  });

  it('folds case when asked, and only then', () => {
    accepts(FOLDED, 'abc-123', 'ABC-123');
    accepts(FOLDED, 'AbC-123', 'ABC-123');
    accepts(FOLDED, 'ABC-123');
    const lower = parseSchemeFormat({ kind: 'pattern', pattern: '[a-z]+', maxLength: 5, case: 'lower' });
    accepts(lower, 'ABC', 'abc');
    rejects(parseSchemeFormat({ kind: 'pattern', pattern: '[A-Z]{3}-\\d{3}', maxLength: 7 }), 'abc-123', 'pattern.match');
  });

  it('checks the length of the folded value before running the regex', () => {
    rejects(PATTERN, 'ORD-1234567', 'pattern.max-length');
    rejects(FOLDED, 'abcd-1234', 'pattern.max-length');
    // 'ß' folds to 'SS': the folded value is what must fit.
    const folded = parseSchemeFormat({ kind: 'pattern', pattern: '.+', maxLength: 3, case: 'upper' });
    accepts(folded, 'aß', 'ASS');
    rejects(folded, 'ßß', 'pattern.max-length');
    const catastrophic = parseSchemeFormat({ kind: 'pattern', pattern: '(a+)+b', maxLength: 1024 });
    const started = performance.now();
    rejects(catastrophic, 'a'.repeat(100_000), 'pattern.max-length');
    assert.ok(performance.now() - started < 100);
  });

  it('uses Unicode semantics', () => {
    const letters = parseSchemeFormat({ kind: 'pattern', pattern: '\\p{L}{2}', maxLength: 4 });
    accepts(letters, 'éß');
    accepts(parseSchemeFormat({ kind: 'pattern', pattern: '.', maxLength: 2 }), '😀');
  });
});

describe('normalisation', () => {
  function candidates(): fc.Arbitrary<string> {
    const flipCase = (s: string): string =>
      [...s].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c.toLowerCase())).join('');
    return fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.uuid().map(flipCase),
      fc.ulid().map((s) => s.toLowerCase()),
      fc.ulid().map(flipCase),
      fc.uuid({ version: 7 }).map((u) => TypeID.fromUUID('ord', u).toString()),
      fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map((n) => `00${n}`.replace('00-', '-00')),
      fc.integer({ min: 0, max: 999_999 }).map((n) => `ord-${String(n).padStart(6, '0')}`),
      fc.stringMatching(/^[a-zA-Zß ]{1,8}$/),
    );
  }

  it('is idempotent for every format', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_FORMATS), candidates(), (format, raw) => {
        const first = normalizeIdentifier(format, raw);
        if (!first.ok) return;
        assert.deepEqual(normalizeIdentifier(format, first.value), first);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('requireIdentifier', () => {
  it('returns the canonical value', () => {
    assert.equal(requireIdentifier(ULID, '01arz3ndektsv4rrffq69g5fav'), '01ARZ3NDEKTSV4RRFFQ69G5FAV');
  });

  it('throws INVALID_IDENTIFIER naming the rule and value', () => {
    assert.throws(
      () => requireIdentifier(TYPEID, 'ORD_01H455VB4PEX5VSKNK084SN02Q'),
      (error: unknown) => {
        assert.ok(isStableIdError(error, 'INVALID_IDENTIFIER'));
        assert.equal(error.context.rule, 'typeid.case');
        assert.equal(error.context.value, 'ORD_01H455VB4PEX5VSKNK084SN02Q');
        return true;
      },
    );
  });
});

describe('parseSchemeFormat', () => {
  it('returns frozen canonical definitions', () => {
    const format = parseSchemeFormat({ checkDigit: 'luhn', prefix: 'ord', kind: 'typeid' });
    assert.ok(Object.isFrozen(format));
    assert.deepEqual(Object.keys(format), ['kind', 'prefix', 'checkDigit']);
    assert.deepEqual(parseSchemeFormat({ kind: 'uuid', checkDigit: undefined }), { kind: 'uuid' });
    assert.deepEqual(Object.keys(parseSchemeFormat({ kind: 'uuid', checkDigit: undefined })), ['kind']);
    assert.deepEqual(parseSchemeFormat({ max: 100, min: '-007', kind: 'integer' }), { kind: 'integer', min: '-7', max: '100' });
    assert.deepEqual(parseSchemeFormat({ kind: 'integer', min: 10n ** 30n }), { kind: 'integer', min: (10n ** 30n).toString() });
    assert.deepEqual(parseSchemeFormat({ case: 'lower', maxLength: 5, pattern: 'x', kind: 'pattern' }), {
      kind: 'pattern',
      pattern: 'x',
      maxLength: 5,
      case: 'lower',
    });
  });

  it('is idempotent', () => {
    for (const format of ALL_FORMATS) assert.deepEqual(parseSchemeFormat(format), format);
  });

  it('rejects what is not an object or has no known kind', () => {
    schemeError(null, '$', 'scheme.type');
    schemeError('uuid', '$', 'scheme.type');
    schemeError([{ kind: 'uuid' }], '$', 'scheme.type');
    schemeError({}, 'kind', 'scheme.kind');
    schemeError({ kind: 'guid' }, 'kind', 'scheme.kind');
    schemeError({ kind: 'UUID' }, 'kind', 'scheme.kind');
    schemeError(Object.create({ kind: 'uuid' }), 'kind', 'scheme.kind');
  });

  it('rejects unknown keys, including keys of another kind', () => {
    schemeError({ kind: 'uuid', version: 7 }, 'version', 'scheme.unknown-key');
    schemeError({ kind: 'uuid', prefix: 'ord' }, 'prefix', 'scheme.unknown-key');
    schemeError({ kind: 'typeid', prefix: 'ord', min: '1' }, 'min', 'scheme.unknown-key');
  });

  it('rejects TypeID prefixes the spec forbids', () => {
    for (const prefix of [undefined, '', 'Ord', 'ORD', '_ord', 'ord_', 'or-d', 'ord1', 'órd', 'a'.repeat(64), 7]) {
      schemeError({ kind: 'typeid', prefix }, 'prefix', 'scheme.prefix');
    }
    for (const prefix of ['a', 'ord', 'order_line', 'a__b', 'a'.repeat(63)]) {
      assert.equal(parseSchemeFormat({ kind: 'typeid', prefix }).kind, 'typeid');
    }
  });

  it('rejects bounds that are not integers, and min above max', () => {
    for (const min of ['1.5', '1e3', '+1', '', ' 1', 1.5, Number.MAX_SAFE_INTEGER + 1, NaN, null, true, '9'.repeat(41)]) {
      schemeError({ kind: 'integer', min }, 'min', 'scheme.min');
    }
    schemeError({ kind: 'integer', max: 'ten' }, 'max', 'scheme.max');
    schemeError({ kind: 'integer', min: '101', max: '100' }, 'min', 'scheme.range');
    schemeError({ kind: 'integer', min: '9007199254740994', max: '9007199254740993' }, 'min', 'scheme.range');
    assert.deepEqual(parseSchemeFormat({ kind: 'integer', min: 5, max: '5' }), { kind: 'integer', min: '5', max: '5' });
  });

  it('rejects patterns that do not compile on their own', () => {
    for (const pattern of ['', '(', '[a-', 'a)|(b', '\\', '\\p{Nope}', 'a{2,1}', 42]) {
      schemeError({ kind: 'pattern', pattern, maxLength: 10 }, 'pattern', 'scheme.pattern');
    }
  });

  it('rejects maxLength outside 1..1024 and unknown case', () => {
    for (const maxLength of [0, -1, 1.5, 1025, '10', undefined, Infinity]) {
      schemeError({ kind: 'pattern', pattern: 'x', maxLength }, 'maxLength', 'scheme.max-length');
    }
    assert.equal(parseSchemeFormat({ kind: 'pattern', pattern: 'x', maxLength: 1024 }).kind, 'pattern');
    schemeError({ kind: 'pattern', pattern: 'x+', maxLength: 2, checkDigit: 'mod97-10' }, 'maxLength', 'scheme.max-length');
    schemeError({ kind: 'pattern', pattern: 'x', maxLength: 5, case: 'title' }, 'case', 'scheme.case');
  });

  it('rejects unknown check digit algorithms', () => {
    for (const checkDigit of ['LUHN', 'mod97', 'mod11', null, 1]) {
      schemeError({ kind: 'ulid', checkDigit }, 'checkDigit', 'scheme.check-digit');
    }
  });

  it('validates formats built by hand when they are first used', () => {
    const handMade: SchemeFormat = { kind: 'integer', min: '1' };
    accepts(handMade, '01', '1');
    assert.throws(
      () => normalizeIdentifier({ kind: 'integer', min: '2', max: '1' }, '1'),
      (error: unknown) => isStableIdError(error, 'INVALID_SCHEME'),
    );
  });
});

describe('describeFormat', () => {
  it('gives one short line per format', () => {
    assert.equal(describeFormat(TYPEID), 'typeid (prefix "ord")');
    assert.equal(
      describeFormat(parseSchemeFormat({ kind: 'pattern', pattern: 'ORD-\\d{6}', maxLength: 10, checkDigit: 'luhn' })),
      'pattern /ORD-\\d{6}/ (max 10) + luhn',
    );
    assert.equal(describeFormat(FOLDED), 'pattern /[A-Z]{3}-\\d{3}/ (max 7, uppercase)');
    assert.equal(describeFormat(UUID), 'uuid');
    assert.equal(describeFormat(parseSchemeFormat({ kind: 'uuidv7', checkDigit: 'mod97-10' })), 'uuidv7 + mod97-10');
    assert.equal(describeFormat(ULID), 'ulid');
    assert.equal(describeFormat(INTEGER), 'integer');
    assert.equal(describeFormat(RANGED), 'integer (min 1, max 100)');
    assert.equal(describeFormat(parseSchemeFormat({ kind: 'integer', max: '0' })), 'integer (max 0)');
  });
});
