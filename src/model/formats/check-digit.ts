import { StableIdError } from '../errors.js';

/** Check-character algorithms a scheme can append to its identifiers. */
export type CheckDigitAlgorithm = 'luhn' | 'mod97-10';

/** Every supported algorithm, in the order they are documented. */
export const CHECK_DIGIT_ALGORITHMS: readonly CheckDigitAlgorithm[] = Object.freeze(['luhn', 'mod97-10']);

/** Whether `value` names a supported algorithm. */
export function isCheckDigitAlgorithm(value: unknown): value is CheckDigitAlgorithm {
  return value === 'luhn' || value === 'mod97-10';
}

/** How many characters `algorithm` appends: 1 for Luhn, 2 for ISO 7064 MOD 97-10. */
export function checkCharCount(algorithm: CheckDigitAlgorithm): 1 | 2 {
  return algorithm === 'luhn' ? 1 : 2;
}

// Precomputed so that verifying a value allocates no strings.
const ONE_DIGIT: readonly string[] = Array.from({ length: 10 }, (_, i) => String(i));
const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/**
 * The value of one character in the digit string both algorithms work on:
 * 0–9 for digits, 10–35 for ASCII letters in either case (as ISIN and IBAN
 * expand them), -1 for anything else, which the algorithms skip.
 */
function charValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  if (code >= 97 && code <= 122) return code - 87;
  return -1;
}

function luhnTerm(digit: number, doubled: boolean): number {
  if (!doubled) return digit;
  const twice = digit * 2;
  return twice > 9 ? twice - 9 : twice;
}

/** Luhn check digit of `body`, or -1 when `body` has no digits or letters. */
function luhnDigit(body: string): number {
  // Walking right to left, the digit next to the (future) check digit is doubled first.
  let sum = 0;
  let doubled = true;
  let seen = false;
  for (let i = body.length - 1; i >= 0; i--) {
    const value = charValue(body.charCodeAt(i));
    if (value < 0) continue;
    seen = true;
    if (value < 10) {
      sum += luhnTerm(value, doubled);
      doubled = !doubled;
    } else {
      // A letter stands for two decimal digits; right to left means ones before tens.
      const ones = value % 10;
      sum += luhnTerm(ones, doubled);
      sum += luhnTerm((value - ones) / 10, !doubled);
    }
  }
  return seen ? (10 - (sum % 10)) % 10 : -1;
}

/** ISO 7064 MOD 97-10 check number (2–98) of `body`, or -1 when `body` has no digits or letters. */
function mod97Digits(body: string): number {
  // Horner's rule modulo 97 keeps every intermediate below 97 * 100, so no BigInt is needed.
  let remainder = 0;
  let seen = false;
  for (let i = 0; i < body.length; i++) {
    const value = charValue(body.charCodeAt(i));
    if (value < 0) continue;
    seen = true;
    remainder = (remainder * (value < 10 ? 10 : 100) + value) % 97;
  }
  if (!seen) return -1;
  return 98 - ((remainder * 100) % 97);
}

/**
 * The check characters `algorithm` appends to `body`, or undefined when
 * `body` contains no digit or ASCII letter to protect. Letters count
 * case-insensitively, other characters are ignored.
 */
export function computeCheckChars(algorithm: CheckDigitAlgorithm, body: string): string | undefined {
  if (algorithm === 'luhn') {
    const digit = luhnDigit(body);
    return digit < 0 ? undefined : ONE_DIGIT[digit];
  }
  const digits = mod97Digits(body);
  return digits < 0 ? undefined : TWO_DIGITS[digits];
}

/**
 * Appends the check characters of `algorithm` to `body`, so that the result
 * verifies. The body is used as given: callers pass a canonical body.
 * Throws StableIdError('INVALID_ARGUMENT') for an unknown algorithm or a
 * body without digits or letters (rule 'check-digit.empty').
 */
export function withCheckDigit(algorithm: CheckDigitAlgorithm, body: string): string {
  if (!isCheckDigitAlgorithm(algorithm)) {
    const shown = typeof algorithm === 'string' ? JSON.stringify(algorithm) : typeof algorithm;
    throw new StableIdError('INVALID_ARGUMENT', `unknown check digit algorithm ${shown}`, {
      field: 'algorithm',
      rule: 'check-digit.algorithm',
    });
  }
  const check = computeCheckChars(algorithm, body);
  if (check === undefined) {
    throw new StableIdError('INVALID_ARGUMENT', 'a check digit needs at least one digit or letter to protect', {
      field: 'body',
      rule: 'check-digit.empty',
      value: body,
    });
  }
  return body + check;
}
