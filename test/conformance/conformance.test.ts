import { describe } from 'node:test';
import { batchesSuite } from './batches.suite.js';
import { bulkSuite } from './bulk.suite.js';
import { definitionsSuite } from './definitions.suite.js';
import { erasureSuite } from './erasure.suite.js';
import { immutabilitySuite } from './immutability.suite.js';
import { postgresKind } from './postgres-kind.js';
import { propertiesSuite } from './properties.suite.js';
import { proofsSuite } from './proofs.suite.js';
import { readsSuite } from './reads.suite.js';
import { SQLITE, type StoreKind } from './stores.js';
import { tamperRandomSuite } from './tamper-random.suite.js';
import { tamperSuite } from './tamper.suite.js';
import { writesSuite } from './writes.suite.js';

/** Every store kind the registry runs on; a new store is one more entry. */
const STORES: StoreKind[] = [SQLITE, await postgresKind()];

for (const kind of STORES) {
  describe(kind.name, { skip: kind.skip }, () => {
    definitionsSuite(kind);
    writesSuite(kind);
    readsSuite(kind);
    batchesSuite(kind);
    erasureSuite(kind);
    immutabilitySuite(kind);
    tamperSuite(kind);
    tamperRandomSuite(kind);
    proofsSuite(kind);
    bulkSuite(kind);
    propertiesSuite(kind);
    kind.ownSuite?.();
  });
}
