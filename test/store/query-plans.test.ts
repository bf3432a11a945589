import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STATES_OF_IDENTIFIER, SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

describe('SQLite query plans', () => {
  it("finds one identifier's states through its index, not by reading the namespace's", async () => {
    const store = SqliteStore.open(':memory:');
    try {
      const plan = store.connection.prepare(`EXPLAIN QUERY PLAN ${STATES_OF_IDENTIFIER}`).all('order', 1) as { detail: string }[];
      assert.deepEqual(
        plan.map((step) => step.detail),
        ['SEARCH identifier_states USING INDEX identifier_states_by_identifier (namespace=? AND identifier=?)'],
      );
    } finally {
      await store.close();
    }
  });
});
