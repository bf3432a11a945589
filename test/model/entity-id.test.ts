import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypeID } from 'typeid-js';
import { newEntityId } from '../../src/model/entity-id.js';
import { normalizeIdentifier } from '../../src/model/formats/index.js';

describe('newEntityId', () => {
  it('makes TypeIDs with prefix ent over a UUIDv7 of the given time, as typeid-js reads them', () => {
    for (let i = 0; i < 2000; i += 1) {
      const now = 1_700_000_000_000 + i * 7919;
      const id = newEntityId(now);
      const parsed = TypeID.fromString(id);
      assert.equal(parsed.getType(), 'ent');
      const uuid = parsed.toUUID();
      assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(Number.parseInt(uuid.replace(/-/g, '').slice(0, 12), 16), now);
      assert.deepEqual(normalizeIdentifier({ kind: 'typeid', prefix: 'ent' }, id), { ok: true, value: id });
    }
  });

  it('never repeats and orders by time', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => newEntityId(1_700_000_000_000 + Math.floor(i / 100)));
    assert.equal(new Set(ids).size, ids.length);
    const first = newEntityId(1_700_000_000_000);
    const later = newEntityId(1_700_000_000_001);
    assert.ok(first.slice(0, 14) <= later.slice(0, 14), 'the time part sorts');
  });
});
