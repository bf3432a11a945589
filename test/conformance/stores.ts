import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

export type RawRow = Record<string, unknown>;

/** SQL straight to the database, past the registry and the store: what an operator (or attacker) with database access can do. */
export interface RawAccess {
  /** Runs one statement and returns its rows (none for a statement that returns none). */
  query(sql: string): Promise<RawRow[]>;
  /**
   * Runs one statement with the database's guards (the triggers that refuse
   * updates and deletes) out of the way, as an attacker with full control of
   * the database could, and puts them back. Absent when a kind cannot.
   */
  tamper?(sql: string): Promise<void>;
}

/** A fresh, empty store of one kind, with raw access to the same database. */
export interface TestStore {
  readonly store: Store;
  readonly raw: RawAccess;
  /** Closes the store and removes what it created (file, schema). */
  readonly close: () => Promise<void>;
}

/** One kind of store the conformance suite runs against. */
export interface StoreKind {
  readonly name: string;
  /** Why this kind's tests do not run here, or false when they do. */
  readonly skip: string | false;
  open(): TestStore;
  /** Tests of what only this kind has (its schema, its failure modes), run after the shared suites. */
  readonly ownSuite?: () => void;
}

/** SQLite in a file of its own, so that bulk writes take the two-connection path real imports take. */
export const SQLITE: StoreKind = {
  name: 'sqlite',
  skip: false,
  open() {
    const dir = mkdtempSync(join(tmpdir(), 'stableid-test-'));
    const store = SqliteStore.open(join(dir, 'registry.db'));
    return {
      store,
      raw: {
        async query(sql) {
          const statement = store.connection.prepare(sql);
          if (statement.reader) return statement.all() as RawRow[];
          statement.run();
          return [];
        },
        async tamper(sql) {
          // DDL is transactional in SQLite: the triggers come back even when the statement fails.
          const db = store.connection;
          const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all() as { name: string; sql: string }[];
          db.transaction(() => {
            for (const { name } of triggers) db.exec(`DROP TRIGGER "${name}"`);
            db.exec(sql);
            for (const trigger of triggers) db.exec(trigger.sql);
          })();
        },
      },
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
