import { describe } from 'node:test';
import { dynamoKind } from './dynamodb-source-kind.js';
import { fencingSuite } from './fencing.suite.js';
import { postgresKind } from './postgres-source-kind.js';
import { propertiesSuite } from './properties.suite.js';
import { redisKind } from './redis-source-kind.js';
import { readsSuite } from './reads.suite.js';
import { type SourceKind, sqliteKind } from './source-kinds.js';
import { writesSuite } from './writes.suite.js';

/** Every kind of migration source; a new source is one more entry. */
const SOURCES: SourceKind[] = [sqliteKind, await postgresKind(), await redisKind('json'), await redisKind('hash'), dynamoKind];

for (const kind of SOURCES) {
  describe(`${kind.name} source`, { skip: kind.skip }, () => {
    readsSuite(kind);
    writesSuite(kind);
    fencingSuite(kind);
    propertiesSuite(kind);
    kind.ownSuite?.();
  });
}
