import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StableIdError } from '../../src/model/errors.js';
import { consistencyProof, hashToHex, leafHash, merkleRoot } from '../../src/model/merkle/index.js';
import {
  type Checkpoint,
  type CheckpointNote,
  type SigningKeyRecord,
  checkKeyRecords,
  checkSignatures,
  checkpointBody,
  checkpointsConsistent,
  cosign,
  formatCheckpointNote,
  formatPublicKeys,
  keyIdOf,
  newKeyRecord,
  parseCheckpointNote,
  parsePublicKeys,
  requireSignatures,
  retirement,
  signCheckpoint,
  trustedKeysOf,
  witnessCosign,
} from '../../src/model/proof/index.js';
import { testSigner } from '../registry/proof-fixtures.js';

const ROOT = '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328';
const HEAD = 'ab'.repeat(32);
const checkpoint = (overrides: Partial<Checkpoint> = {}): Checkpoint => ({ namespace: 'order', size: 8, root: ROOT, head: HEAD, time: '2026-03-01T12:00:00.000Z', ...overrides });

function throwsCode(fn: () => unknown, code: string): StableIdError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof StableIdError, String(error));
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

/** A tree of `n` leaves and the checkpoint a signer makes of it. */
function treeCheckpoint(leaves: readonly Buffer[], n: number, time: string): Checkpoint {
  return checkpoint({ size: n, root: hashToHex(merkleRoot(leaves.slice(0, n))), head: hashToHex(leaves[n - 1] as Buffer), time });
}

describe('checkpoint notes', () => {
  const registry = testSigner('registry');

  it('write the body line by line, a blank line, then one signature line per signer', () => {
    const note = signCheckpoint(checkpoint(), registry);
    const text = formatCheckpointNote(note);
    const lines = text.split('\n');
    assert.deepEqual(lines.slice(0, 7), ['stableid checkpoint v1', 'namespace order', 'size 8', `root ${ROOT}`, `head ${HEAD}`, 'time 2026-03-01T12:00:00.000Z', '']);
    assert.match(lines[7] as string, new RegExp(`^— registry ${registry.keyId} [A-Za-z0-9+/]{86}==$`));
    assert.equal(lines[8], '');
    assert.equal(lines.length, 9);
    assert.equal(note.body, checkpointBody(checkpoint()));
  });

  it('read back exactly what was written, co-signatures included', () => {
    const witness = testSigner('witness-acme');
    const note = cosign(signCheckpoint(checkpoint(), registry), witness);
    const parsed = parseCheckpointNote(formatCheckpointNote(note));
    assert.deepEqual(parsed, note);
    assert.equal(cosign(parsed, witness), parsed, 'a witness signs once');
    assert.deepEqual(
      checkSignatures(parsed, trustedKeysOf([newKeyRecord(registry, '2026-01-01T00:00:00.000Z')])).map((c) => c.status),
      ['valid', 'untrusted'],
    );
  });

  it('carry signatures that break when any line of the body changes', () => {
    const text = formatCheckpointNote(signCheckpoint(checkpoint(), registry));
    const trusted = [{ name: registry.name, keyId: registry.keyId, publicKey: registry.publicKey }];
    assert.equal(requireSignatures(parseCheckpointNote(text), trusted)[0]?.status, 'valid');
    const edits: [string, string][] = [
      ['namespace order', 'namespace orders'],
      ['size 8', 'size 9'],
      [`root ${ROOT}`, `root ${'0'.repeat(64)}`],
      [`head ${HEAD}`, `head ${'cd'.repeat(32)}`],
      ['time 2026-03-01T12:00:00.000Z', 'time 2026-03-01T12:00:00.001Z'],
    ];
    for (const [from, to] of edits) {
      const forged = parseCheckpointNote(text.replace(from, to));
      assert.equal(checkSignatures(forged, trusted)[0]?.status, 'invalid', to);
      throwsCode(() => requireSignatures(forged, trusted), 'SIGNATURE_INVALID');
    }
  });

  it('trust a key only within its period, and insist on the witnesses asked for', () => {
    const note = signCheckpoint(checkpoint(), registry);
    const key = { name: registry.name, keyId: registry.keyId, publicKey: registry.publicKey };
    assert.equal(checkSignatures(note, [{ ...key, validUntil: '2026-02-01T00:00:00.000Z' }])[0]?.status, 'outside-validity');
    assert.equal(checkSignatures(note, [{ ...key, validFrom: '2026-04-01T00:00:00.000Z' }])[0]?.status, 'outside-validity');
    assert.equal(checkSignatures(note, [{ ...key, name: 'other' }])[0]?.status, 'invalid');
    throwsCode(() => requireSignatures(note, []), 'SIGNATURE_INVALID');
    const witness = testSigner('witness');
    throwsCode(() => requireSignatures(note, [key], [witness.keyId]), 'SIGNATURE_INVALID');
    const witnessKey = { name: witness.name, keyId: witness.keyId, publicKey: witness.publicKey };
    assert.equal(requireSignatures(cosign(note, witness), [key, witnessKey], [witness.keyId]).length, 2);
  });

  it('refuse malformed text with CHECKPOINT_FORMAT naming the line', () => {
    const text = formatCheckpointNote(signCheckpoint(checkpoint(), registry));
    const cases: [string, number | undefined][] = [
      [text.replace('stableid checkpoint v1', 'stableid checkpoint v2'), 1],
      [text.replace('size 8', 'size 08'), 3],
      [text.replace('size 8', 'size -1'), 3],
      [text.replace(`root ${ROOT}`, `root ${ROOT.toUpperCase()}`), 4],
      [text.replace('time 2026-03-01T12:00:00.000Z', 'time 2026-03-01T12:00:00Z'), 6],
      [text.replace('\n\n—', '\n—'), 7],
      [text.replace('— registry', '- registry'), 8],
      [text.replace(/\n/g, '\r\n'), undefined],
      ['', 1],
    ];
    for (const [bad, line] of cases) assert.equal(throwsCode(() => parseCheckpointNote(bad), 'CHECKPOINT_FORMAT').context.line, line, bad);
  });
});

describe('keys', () => {
  it('have ids that depend on their name and public key', () => {
    const key = testSigner('registry');
    assert.match(key.keyId, /^[0-9a-f]{16}$/);
    assert.equal(keyIdOf('registry', key.publicKey), key.keyId);
    assert.notEqual(keyIdOf('registry-2', key.publicKey), key.keyId);
    throwsCode(() => keyIdOf('registry', 'AAAA'), 'CHECKPOINT_FORMAT');
  });

  it('are published as PEM with a naming line, and read back with their periods', () => {
    const a = testSigner('registry');
    const b = testSigner('witness-acme');
    const text = formatPublicKeys([{ ...a, validFrom: '2026-01-01T00:00:00.000Z', validUntil: '2026-06-01T00:00:00.000Z' }, b]);
    assert.match(text, /^# stableid public key registry [0-9a-f]{16} valid-from 2026-01-01T00:00:00.000Z valid-until 2026-06-01T00:00:00.000Z\n-----BEGIN PUBLIC KEY-----\n/);
    assert.deepEqual(parsePublicKeys(text), [
      { name: a.name, keyId: a.keyId, publicKey: a.publicKey, validFrom: '2026-01-01T00:00:00.000Z', validUntil: '2026-06-01T00:00:00.000Z' },
      { name: b.name, keyId: b.keyId, publicKey: b.publicKey, validFrom: null, validUntil: null },
    ]);
    throwsCode(() => parsePublicKeys(text.replace(a.keyId, b.keyId)), 'CHECKPOINT_FORMAT');
    throwsCode(() => parsePublicKeys(text.replace(/^# .*\n/, '')), 'CHECKPOINT_FORMAT');
    throwsCode(() => parsePublicKeys('nothing here'), 'CHECKPOINT_FORMAT');
  });

  it('are recorded so that any change to a record, its period or the succession is found', () => {
    const [a, b, c] = [testSigner('registry'), testSigner('registry'), testSigner('registry-3')];
    const t = ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'] as const;
    const records: SigningKeyRecord[] = [
      { ...newKeyRecord(a, t[0]), ...retirement(a.keyId, t[1], b) },
      { ...newKeyRecord(b, t[1]), ...retirement(b.keyId, t[2], c) },
      newKeyRecord(c, t[2]),
    ];
    assert.deepEqual(checkKeyRecords(records), []);
    const tampered: [string, SigningKeyRecord[]][] = [
      ['name', records.map((r, i) => (i === 1 ? { ...r, name: 'evil' } : r))],
      ['public key', records.map((r, i) => (i === 1 ? { ...r, publicKey: c.publicKey } : r))],
      ['valid-from', records.map((r, i) => (i === 0 ? { ...r, validFrom: '2025-12-01T00:00:00.000Z' } : r))],
      ['valid-until', records.map((r, i) => (i === 0 ? { ...r, validUntil: '2026-01-15T00:00:00.000Z' } : r))],
      ['un-retired', records.map((r, i) => (i === 0 ? { ...r, validUntil: null, retiredBy: null, retirementSignature: null } : r))],
      ['retired last', records.map((r, i) => (i === 2 ? { ...r, ...retirement(c.keyId, '2026-04-01T00:00:00.000Z', a) } : r))],
      ['missing middle', [records[0] as SigningKeyRecord, records[2] as SigningKeyRecord]],
      ['retirement signed by another', records.map((r, i) => (i === 0 ? { ...r, ...retirement(a.keyId, t[1], c), retiredBy: b.keyId } : r))],
    ];
    for (const [what, list] of tampered) assert.ok(checkKeyRecords(list).length > 0, what);
  });
});

describe('witnesses', () => {
  const registry = testSigner('registry');
  const witness = testSigner('witness-acme');
  const trusted = [{ name: registry.name, keyId: registry.keyId, publicKey: registry.publicKey }];
  const leaves = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from(`event ${i}`)));
  const noteAt = (n: number, time: string, of: readonly Buffer[] = leaves): CheckpointNote => signCheckpoint(treeCheckpoint(of, n, time), registry);

  it('co-sign a checkpoint that extends the last one they signed, proven by a consistency proof', () => {
    const first = witnessCosign(noteAt(10, '2026-03-01T00:00:00.000Z'), null, [], trusted, witness);
    assert.deepEqual(
      first.signatures.map((s) => s.name),
      ['registry', 'witness-acme'],
    );
    const next = noteAt(25, '2026-03-02T00:00:00.000Z');
    const proof = consistencyProof(leaves, 10, 25).map(hashToHex);
    assert.ok(checkpointsConsistent(first.checkpoint, next.checkpoint, proof));
    assert.equal(witnessCosign(next, first, proof, trusted, witness).signatures.length, 2);
    assert.equal(witnessCosign(noteAt(10, '2026-03-03T00:00:00.000Z'), first, [], trusted, witness).signatures.length, 2, 'no new events');
  });

  it('refuse a fork: a checkpoint whose history differs from the one they signed, whatever proof comes with it', () => {
    const first = witnessCosign(noteAt(10, '2026-03-01T00:00:00.000Z'), null, [], trusted, witness);
    const forked = leaves.map((leaf, i) => (i === 7 ? leafHash(Buffer.from('rewritten')) : leaf));
    const fork = noteAt(25, '2026-03-02T00:00:00.000Z', forked);
    throwsCode(() => witnessCosign(fork, first, consistencyProof(forked, 10, 25).map(hashToHex), trusted, witness), 'PROOF_FAILED');
    throwsCode(() => witnessCosign(fork, first, consistencyProof(leaves, 10, 25).map(hashToHex), trusted, witness), 'PROOF_FAILED');
    throwsCode(() => witnessCosign(noteAt(10, '2026-03-02T00:00:00.000Z', forked), first, [], trusted, witness), 'PROOF_FAILED');
    throwsCode(() => witnessCosign(noteAt(8, '2026-03-02T00:00:00.000Z'), first, [], trusted, witness), 'PROOF_FAILED');
    throwsCode(() => witnessCosign(noteAt(12, '2026-02-01T00:00:00.000Z'), first, consistencyProof(leaves, 10, 12).map(hashToHex), trusted, witness), 'PROOF_FAILED');
    throwsCode(() => witnessCosign(noteAt(12, '2026-03-02T00:00:00.000Z'), first, consistencyProof(leaves, 10, 12).map(hashToHex), [], witness), 'SIGNATURE_INVALID');
  });
});
