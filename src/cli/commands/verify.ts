import type { Command } from 'commander';
import { StableIdError } from '../../model/errors.js';
import { type MappingProofVerdict, verifyMappingProof } from '../../model/proof/mapping-proof.js';
import { trustedKeysOf } from '../../model/proof/key-records.js';
import { parsePublicKeys } from '../../model/proof/public-keys.js';
import type { CheckpointVerification } from '../../registry/checkpoints.js';
import type { CliContext } from '../cli-context.js';
import { renderVerify } from '../render.js';
import { readTextFile } from '../text-files.js';
import { ReportedError } from './reads.js';
import { trustedKeys } from './witness.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

interface VerifyOptions {
  ns: string[];
  checkpoint: string[];
  publicKey: string[];
  witnessKey: string[];
  proof?: string;
}

function renderCheckpoint(file: string, v: CheckpointVerification): string {
  const { checkpoint: c, consistency } = v;
  const lines = [
    `${v.ok ? 'ok  ' : 'FAIL'} ${file}: "${c.namespace}" at size ${c.size} (${c.time})`,
    ...v.signatures.map((s) => `  signature ${s.name} ${s.keyId}: ${s.status}`),
    `  consistency ${consistency.from} → ${consistency.to}: ${consistency.ok ? `proven (${consistency.proof.length} hashes)` : 'FAILED'}`,
    `  namespace verification: ${v.verification.ok ? `ok (${v.verification.events} events)` : `${v.verification.divergences.length} divergence(s)`}`,
  ];
  if (v.first) lines.push(`  first difference: seq ${v.first.seq ?? 'unknown'} [${v.first.table}/${v.first.kind}] ${v.first.message}`);
  return lines.join('\n');
}

function renderProof(file: string, verdict: MappingProofVerdict): string {
  const c = verdict.checkpoint;
  const head = `${verdict.ok ? 'ok  ' : 'FAIL'} ${file}${c ? `: against "${c.namespace}" at size ${c.size} (${c.time})` : ''}`;
  return [head, ...verdict.signatures.map((s) => `  signature ${s.name} ${s.keyId}: ${s.status}`), ...verdict.problems.map((p) => `  ${p}`)].join('\n');
}

export function addVerifyCommand(program: Command, cli: CliContext): void {
  program
    .command('verify')
    .description('recompute every hash chain, re-hash stored values against their commitments, rebuild the projections and the Merkle trees and compare; or prove the log extends a checkpoint; or check a mapping proof offline')
    .option('--ns <namespace>', 'verify only this namespace (repeatable)', collect, [])
    .option('--checkpoint <file>', 'prove that the current log is an append-only extension of this signed checkpoint (repeatable)', collect, [])
    .option('--public-key <file>', "the registry's published public keys to check signatures with (repeatable; default: the keys the registry records)", collect, [])
    .option('--witness-key <file>', "a witness's public key: its co-signature on the checkpoint is required (repeatable)", collect, [])
    .option('--proof <file>', 'check a mapping proof (stableid resolve --proof) offline, with --public-key; the database is not opened')
    .addHelpText(
      'after',
      `
Exit code 0 when everything matches, 6 at the first divergence (reported with namespace, seq and row),
at a signature that does not hold, or when the log is not an extension of the checkpoint (history
rewritten: reported with the first seq that differs, when a stored row shows it).

Examples:
  $ stableid verify
  $ stableid verify --ns order --json
  $ stableid verify --checkpoint order.checkpoint --public-key registry.pub
  $ stableid verify --checkpoint order.cosigned --public-key registry.pub --witness-key acme-witness.pub
  $ stableid verify --proof ord-42.proof.json --public-key registry.pub`,
    )
    .action(async (opts: VerifyOptions) => {
      if (opts.proof !== undefined) return verifyProof(cli, opts.proof, opts);
      if (opts.checkpoint.length > 0) return verifyCheckpoints(cli, opts);
      const report = await cli.registry().verify(opts.ns.length > 0 ? opts.ns : undefined);
      cli.print(() => [renderVerify(report), ...report.keys.map((k) => `FAIL ${k.message}`)].join('\n'), report);
      if (!report.ok) {
        const first = report.first;
        const message = first ? first.message : `the recorded signing keys are not intact: ${report.keys[0]?.message ?? ''}`;
        throw new ReportedError(new StableIdError('VERIFY_FAILED', message, first ? { namespace: first.namespace, seq: first.seq ?? undefined, table: first.table } : {}));
      }
    });
}

async function verifyProof(cli: CliContext, file: string, opts: VerifyOptions): Promise<void> {
  const trusted = await trustedKeys(cli, opts.publicKey);
  if (!trusted) throw new StableIdError('INVALID_ARGUMENT', "--proof needs --public-key: the registry's published key, which the proof is checked against", { field: 'public-key' });
  let document: unknown;
  try {
    document = JSON.parse(readTextFile(file, 'proof'));
  } catch (error) {
    if (error instanceof StableIdError) throw error;
    throw new StableIdError('CHECKPOINT_FORMAT', `${file} is not JSON: ${(error as Error).message}`, { field: 'proof' });
  }
  const verdict = verifyMappingProof(document, trusted);
  cli.print(() => renderProof(file, verdict), verdict);
  if (!verdict.ok) {
    const unsigned = !verdict.signatures.some((s) => s.status === 'valid');
    throw new ReportedError(new StableIdError(unsigned ? 'SIGNATURE_INVALID' : 'PROOF_FAILED', verdict.problems[0] ?? 'the proof does not hold', { field: 'proof' }));
  }
}

async function verifyCheckpoints(cli: CliContext, opts: VerifyOptions): Promise<void> {
  const registry = cli.registry();
  const witnesses = opts.witnessKey.flatMap((file) => parsePublicKeys(readTextFile(file, 'witness-key')));
  // Without published keys, the keys the registry records are trusted for its own signatures.
  const trusted = [...((await trustedKeys(cli, opts.publicKey)) ?? trustedKeysOf(await registry.signingKeys())), ...witnesses];
  const required = witnesses.map((w) => w.keyId);
  const results: { file: string; result: CheckpointVerification }[] = [];
  for (const file of opts.checkpoint) results.push({ file, result: await registry.verifyCheckpoint(readTextFile(file, 'checkpoint'), { trusted, required }) });
  cli.print(() => results.map(({ file, result }) => renderCheckpoint(file, result)).join('\n'), results.map(({ file, result }) => ({ file, ...result })));
  const failed = results.find(({ result }) => !result.ok)?.result;
  if (failed) {
    const first = failed.first;
    throw new ReportedError(
      new StableIdError(failed.consistency.ok ? 'VERIFY_FAILED' : 'PROOF_FAILED', first?.message ?? 'the log does not verify', {
        namespace: failed.checkpoint.namespace,
        size: failed.checkpoint.size,
        ...(first?.seq != null ? { seq: first.seq } : {}),
      }),
    );
  }
}
