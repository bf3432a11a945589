/**
 * Signed checkpoints of namespace logs, the keys that sign them, and proofs
 * that can be checked offline against them. Pure: keys and documents come
 * in as values; reading key files and stores is for the callers.
 */
export { type Checkpoint, type CheckpointNote, type CheckpointRecord, CHECKPOINT_HEADER, type NoteSignature, checkpointBody, cosign, formatCheckpointNote, parseCheckpointNote, signCheckpoint } from './checkpoint-note.js';
export { checkpointsConsistent } from './checkpoint-consistency.js';
export { type KeyRecordProblem, type SigningKeyRecord, checkKeyRecords, keyStatement, newKeyRecord, retirement, retirementStatement, trustedKeysOf } from './key-records.js';
export { MAPPING_PROOF_FORMAT, type MappingProof, type MappingProofVerdict, type ProvenEvent, verifyMappingProof } from './mapping-proof.js';
export { formatPublicKeys, parsePublicKeys } from './public-keys.js';
export { type SignatureCheck, type SignatureStatus, type TrustedKey, checkSignatures, requireSignatures } from './signature-check.js';
export { KEY_NAME, type PublicKeyInfo, type Signer, keyIdOf, publicKeyObject, publicKeyOf, signerOf, verifySignature } from './signing.js';
export { witnessCosign } from './witness.js';
