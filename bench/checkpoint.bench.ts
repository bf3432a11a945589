import { generateKeyPairSync, hash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MerkleBuilder } from '../src/model/merkle/index.js';
import { verifyMappingProof } from '../src/model/proof/mapping-proof.js';
import { trustedKeysOf } from '../src/model/proof/key-records.js';
import { type Signer, signerOf } from '../src/model/proof/signing.js';
import { Registry } from '../src/registry/registry.js';
import { SqliteStore } from '../src/store/sqlite/index.js';
import { type Bench, type BenchResult, envInteger, formatNumber, median, timed } from './bench.js';
import { MAX_ORDERS, NAMESPACE, orderNumber, registryFile } from './http-fixture.js';

/** Checkpointing this many events must take at most this long: seconds, not minutes. */
const TARGET_SECONDS = 10;
const RUNS = 3;
/** SHA-256 calls per throughput run: as many as the tree over a million leaves makes. */
const SHA_CALLS = 2_000_000;
/** Proofs per run of resolve --proof. */
const PROOFS = 50;

/**
 * Checkpointing a namespace of BENCH_CHECKPOINT_N events (default
 * 1,000,000): the registry of bench/http-fixture.ts with n/2 orders, each
 * registered and aliased (two events), built once into the temp directory
 * and reused, and copied before each bench so the shared file stays as it
 * was. Each run signs a checkpoint with a freshly rotated key, so that it
 * does the whole work: read every event hash from SQLite, recompute the
 * RFC 9162 tree (2n − 1 SHA-256 calls), check it against the earlier
 * checkpoints and stored tiles, sign, and record. Beside it, raw SHA-256
 * throughput on 65-byte inputs (a node's size) measured in the same process
 * — the tree can go no faster than half of it — and the tree alone over the
 * same hashes held in memory. Then resolve --proof against that checkpoint,
 * each proof built from the stored tiles, and its offline verification.
 */
const bench: Bench = {
  name: 'checkpoint',
  async run(log) {
    const events = envInteger('BENCH_CHECKPOINT_N', 1_000_000, 1_000, 2 * MAX_ORDERS);
    const orders = Math.ceil((events - 3) / 2);
    const shared = await registryFile(orders, log);
    const dir = mkdtempSync(join(tmpdir(), 'stableid-bench-checkpoint-'));
    try {
      const path = join(dir, 'registry.db');
      copyFileSync(shared, path);
      const registry = new Registry(SqliteStore.open(path));
      try {
        const size = (await registry.history(NAMESPACE, 0, 1)).length > 0 ? await headOf(registry) : 0;
        log(`  ${formatNumber(size)} events in "${NAMESPACE}"; ${formatNumber(SHA_CALLS)} SHA-256 calls per throughput run`);

        const sha: number[] = [];
        const tree: number[] = [];
        const checkpoint: number[] = [];
        const seconds: number[] = [];
        const leaves = await registry.store.read((reader) => reader.eventHashes(NAMESPACE, 1, size));
        let signer = newSigner();
        await registry.addSigningKey(signer);
        for (let run = 1; run <= RUNS; run++) {
          sha.push(shaThroughput());
          const inMemory = await timed(async () => {
            const builder = new MerkleBuilder();
            for (const leaf of leaves) builder.appendEntry(leaf.hash);
            return builder.root();
          });
          tree.push((size * 1000) / inMemory.ms);
          if (run > 1) {
            // A new key, so that this run signs the head afresh instead of finding it signed.
            await new Promise((resolve) => setTimeout(resolve, 2));
            signer = newSigner();
            await registry.rotateSigningKey(signer);
          }
          const signed = await timed(() => registry.checkpoint(NAMESPACE, signer));
          if (!signed.result.created || signed.result.record.size !== size) throw new Error('the checkpoint measured nothing');
          checkpoint.push((size * 1000) / signed.ms);
          seconds.push(signed.ms / 1000);
          log(
            `  run ${run}/${RUNS}: checkpoint ${(signed.ms / 1000).toFixed(2)} s (${formatNumber(checkpoint.at(-1) ?? 0)} events/s), ` +
              `tree in memory ${formatNumber(tree.at(-1) ?? 0)} leaves/s, raw SHA-256 ${formatNumber(sha.at(-1) ?? 0)} hashes/s`,
          );
        }

        const trusted = trustedKeysOf(await registry.signingKeys());
        // Orders spread over the whole log, a different set per run; each run's figure is its proofs per second.
        const proofs: number[] = [];
        let hashes = 0;
        for (let run = 0; run < RUNS; run++) {
          let ms = 0;
          for (let i = 0; i < PROOFS; i++) {
            const order = orderNumber(1 + Math.floor(((i * RUNS + run) * orders) / (PROOFS * RUNS)));
            const proved = await timed(() => registry.resolveWithProof(NAMESPACE, { value: order }));
            const verdict = verifyMappingProof(proved.result, trusted);
            if (!verdict.ok) throw new Error(`the proof of ${order} does not verify: ${verdict.problems.join('; ')}`);
            ms += proved.ms;
            hashes = Math.max(hashes, ...proved.result.events.map((e) => e.path.length));
          }
          proofs.push((PROOFS * 1000) / ms);
        }
        log(`  resolve --proof: ${formatNumber(median(proofs))} proofs/s, at most ${hashes} hashes per event (⌈log2 ${formatNumber(size)}⌉ = ${Math.ceil(Math.log2(size))})`);

        const shaBaseline = { name: 'raw SHA-256', value: median(sha), unit: 'hashes/s' };
        const worst = Math.max(...seconds);
        return [
          {
            name: `checkpoint ${formatNumber(size)} events`,
            value: median(checkpoint),
            unit: 'events/s',
            runs: checkpoint,
            baseline: shaBaseline,
            verdict: `≤ ${TARGET_SECONDS} s: ${worst <= TARGET_SECONDS ? 'PASS' : 'FAIL'} (${median(seconds).toFixed(2)} s)`,
          },
          { name: 'merkle tree in memory', value: median(tree), unit: 'leaves/s', runs: tree, baseline: shaBaseline },
          { name: 'resolve --proof', value: median(proofs), unit: 'proofs/s', runs: proofs, verdict: `≤ ${Math.ceil(Math.log2(size))} hashes per event: ${hashes <= Math.ceil(Math.log2(size)) ? 'PASS' : 'FAIL'}` },
        ] satisfies BenchResult[];
      } finally {
        await registry.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;

const newSigner = (): Signer => signerOf('bench', generateKeyPairSync('ed25519').privateKey);

async function headOf(registry: Registry): Promise<number> {
  return registry.store.read(async (reader) => (await reader.head(NAMESPACE))?.seq ?? 0);
}

/** SHA-256 calls per second on 65-byte inputs, the size of an interior node's. */
function shaThroughput(): number {
  const input = Buffer.alloc(65, 1);
  const start = performance.now();
  for (let i = 0; i < SHA_CALLS; i++) {
    input[i & 63] = i & 0xff;
    hash('sha256', input, 'buffer');
  }
  return (SHA_CALLS * 1000) / (performance.now() - start);
}
