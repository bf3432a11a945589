import { randomFillSync } from 'node:crypto';

/** Crockford base32 in lowercase, the TypeID alphabet. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const POOL_IDS = 512;
const pool = Buffer.allocUnsafe(10 * POOL_IDS);
let offset = pool.length;
const bytes = new Uint8Array(16);

/**
 * A new canonical entity id: a TypeID with prefix `ent` over a UUIDv7 (time
 * ordered, so ids issued together sit together in an index; 74 random bits
 * from the CSPRNG, so ids are never reused). Written out rather than taken
 * from typeid-js because a bulk import issues one per identifier; a test
 * checks every id it makes with typeid-js.
 */
export function newEntityId(now: number = Date.now()): string {
  if (offset + 10 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  let time = now;
  for (let i = 5; i >= 0; i -= 1) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }
  for (let i = 0; i < 10; i += 1) bytes[6 + i] = pool[offset + i] as number;
  offset += 10;
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f); // version 7
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f); // RFC 9562 variant
  return `ent_${encodeBase32(bytes)}`;
}

/** 128 bits as 26 base32 characters, most significant first, with two zero bits in front (TypeID spec). */
function encodeBase32(input: Uint8Array): string {
  let text = '';
  for (let char = 0; char < 26; char += 1) {
    const bit = char * 5 - 2; // position of this character's first bit among the 128
    let value = 0;
    for (let b = bit; b < bit + 5; b += 1) {
      value = (value << 1) | (b < 0 ? 0 : (((input[b >> 3] as number) >> (7 - (b & 7))) & 1));
    }
    text += ALPHABET[value];
  }
  return text;
}
