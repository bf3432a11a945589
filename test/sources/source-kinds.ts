import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { JsonObject, Source, SourceCollection } from '../../src/migrate/source/index.js';
import { SqliteSource } from '../../src/migrate/source/index.js';

/** A fresh, empty source of one kind, with a way past the port to the same database. */
export interface TestSource {
  readonly source: Source;
  /** A new, empty collection (creating its table where the source would not). */
  collection(name: string): Promise<SourceCollection>;
  /** Overwrites a document's body straight in the database, as an application that knows nothing of stableid would. */
  writeBehind(collection: string, key: string, body: JsonObject): Promise<void>;
  /** Closes the source and removes what it created (file, schema). */
  close(): Promise<void>;
}

/** One kind of source the conformance suite runs against. */
export interface SourceKind {
  readonly name: string;
  /** Why this kind's tests do not run here, or false when they do. */
  readonly skip: string | false;
  open(): Promise<TestSource>;
  /** Tests of what only this kind has (its failure modes), run after the shared suites. */
  readonly ownSuite?: () => void;
  /** Collection names the source refuses with INVALID_ARGUMENT. */
  readonly invalidCollectionNames: readonly string[];
  /** What the store gives back of a body written through the port; the body itself, unless the store cannot hold every JSON value (a Redis hash holds strings). */
  readonly stored?: (body: JsonObject) => JsonObject;
  /** Whether versions are digests of the content, so that the same body written again may get back a version it had. */
  readonly versionsFromContent?: boolean;
  /** Whether the store can hold a number; every JSON number by default (DynamoDB: magnitudes from 1e-130 to below 1e126). */
  readonly holdsNumber?: (value: number) => boolean;
  /** Whether the empty string cannot be a key (a DynamoDB key attribute cannot be empty). */
  readonly refusesEmptyKey?: boolean;
}

/** Names that are not plain lowercase SQL identifiers, which the SQL sources refuse. */
export const SQL_INVALID_NAMES: readonly string[] = ['Orders', 'orders; DROP TABLE x', '1orders', '', 'a'.repeat(64), 'or-ders', 'orders"', 'a.b.c', 'sch.Orders'];

/** The embedded source in a file of its own; the application writes through a second connection, as another process would. */
export const sqliteKind: SourceKind = {
  name: 'sqlite',
  skip: false,
  invalidCollectionNames: SQL_INVALID_NAMES,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'stableid-source-'));
    const path = join(dir, 'app.db');
    const source = SqliteSource.open(path);
    const application = new Database(path);
    application.pragma('busy_timeout = 5000');
    return {
      source,
      collection: (name) => source.collection(name),
      async writeBehind(collection, key, body) {
        application.prepare(`UPDATE ${collection} SET doc = ? WHERE key = ?`).run(JSON.stringify(body), key);
      },
      async close() {
        application.close();
        await source.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
