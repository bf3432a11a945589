import { StableIdError } from '../errors.js';
import { isHexHash } from '../merkle/merkle-hash.js';
import { KEY_NAME, type Signer } from './signing.js';

/**
 * A namespace's log head as a checkpoint states it: the size of the log's
 * Merkle tree (its last event's seq), the tree's root, the hash of the last
 * event (the chain head) and when it was taken.
 */
export interface Checkpoint {
  readonly namespace: string;
  readonly size: number;
  /** MTH over the events' hashes 1…size, hex. */
  readonly root: string;
  /** The chain hash of event `size`, hex. */
  readonly head: string;
  /** ISO 8601 instant, UTC, milliseconds. */
  readonly time: string;
}

/** One signature line of a note: who signed its body. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: string;
  /** Ed25519 over the body's UTF-8 bytes, base64. */
  readonly signature: string;
}

/** A checkpoint as a signed note: the body that was signed and every signature on it (the registry's, then witnesses'). */
export interface CheckpointNote {
  readonly checkpoint: Checkpoint;
  /** The exact text signed: the checkpoint's lines, each ending in a newline. */
  readonly body: string;
  readonly signatures: readonly NoteSignature[];
}

/*
 * The text form, a signed note in the style of Go's checksum database and
 * the C2SP tlog checkpoints, kept to what stableid needs:
 *
 *   stableid checkpoint v1
 *   namespace order
 *   size 1042
 *   root 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328
 *   head 0f6a…(64 hex)
 *   time 2026-03-01T12:00:00.000Z
 *
 *   — registry 1a2b3c4d5e6f7081 <base64 signature>
 *   — witness-acme 0f0e0d0c0b0a0908 <base64 signature>
 *
 * Every field has one spelling, so the body a checkpoint formats to is the
 * one that was signed. Witnesses sign the same body and append their line.
 */
export const CHECKPOINT_HEADER = 'stableid checkpoint v1';
const SIGNATURE_MARK = '\u2014';

/** A namespace name, or a registry-wide log's (`@` and a name), such as the governance log's. */
const NAMESPACE = /^@?[a-z][a-z0-9_-]{0,62}$/;
const SIZE = /^(0|[1-9][0-9]{0,15})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SIGNATURE_LINE = /^\u2014 (\S+) ([0-9a-f]{16}) ([A-Za-z0-9+/]{86}==)$/;

/** The body of a checkpoint: the text its signatures sign. */
export function checkpointBody(checkpoint: Checkpoint): string {
  checkCheckpoint(checkpoint);
  const { namespace, size, root, head, time } = checkpoint;
  return `${CHECKPOINT_HEADER}\nnamespace ${namespace}\nsize ${size}\nroot ${root}\nhead ${head}\ntime ${time}\n`;
}

/** A new note: the checkpoint signed by `signer`. */
export function signCheckpoint(checkpoint: Checkpoint, signer: Signer): CheckpointNote {
  const body = checkpointBody(checkpoint);
  return { checkpoint, body, signatures: [{ name: signer.name, keyId: signer.keyId, signature: signer.sign(body) }] };
}

/** The note with `signer`'s signature added (a witness's co-signature); a key that signed already is not added twice. */
export function cosign(note: CheckpointNote, signer: Signer): CheckpointNote {
  if (note.signatures.some((s) => s.keyId === signer.keyId)) return note;
  return { ...note, signatures: [...note.signatures, { name: signer.name, keyId: signer.keyId, signature: signer.sign(note.body) }] };
}

/** The note as text: body, a blank line, one line per signature. */
export function formatCheckpointNote(note: CheckpointNote): string {
  return `${note.body}\n${note.signatures.map((s) => `${SIGNATURE_MARK} ${s.name} ${s.keyId} ${s.signature}\n`).join('')}`;
}

/** Reads a note; CHECKPOINT_FORMAT names the first line that is not as {@link formatCheckpointNote} writes it. */
export function parseCheckpointNote(text: string): CheckpointNote {
  if (text.includes('\r')) throw malformed('carriage returns are not allowed (save the file with \\n line ends)', 0);
  const lines = text.replace(/\n+$/, '').split('\n');
  const field = (index: number, name: string): string => {
    const line = lines[index];
    if (line === undefined || !line.startsWith(`${name} `)) throw malformed(`line ${index + 1} must be "${name} …"`, index + 1);
    return line.slice(name.length + 1);
  };
  if (lines[0] !== CHECKPOINT_HEADER) throw malformed(`the first line must be "${CHECKPOINT_HEADER}"`, 1);
  const namespace = field(1, 'namespace');
  const size = field(2, 'size');
  const root = field(3, 'root');
  const head = field(4, 'head');
  const time = field(5, 'time');
  if (!NAMESPACE.test(namespace)) throw malformed(`"${namespace}" is not a namespace name`, 2);
  if (!SIZE.test(size) || !Number.isSafeInteger(Number(size))) throw malformed(`size must be a whole number, got "${size}"`, 3);
  if (!isHexHash(root)) throw malformed('root must be 64 lowercase hex digits', 4);
  if (!isHexHash(head)) throw malformed('head must be 64 lowercase hex digits', 5);
  if (!isInstant(time)) throw malformed(`time must be an ISO 8601 instant like 2026-01-31T12:00:00.000Z, got "${time}"`, 6);
  if (lines[6] !== '') throw malformed('a blank line must follow the time line', 7);
  const signatures: NoteSignature[] = [];
  for (let index = 7; index < lines.length; index++) {
    const match = SIGNATURE_LINE.exec(lines[index] as string);
    if (!match || !KEY_NAME.test(match[1] as string)) throw malformed(`line ${index + 1} must be "${SIGNATURE_MARK} <key name> <key id> <base64 signature>"`, index + 1);
    signatures.push({ name: match[1] as string, keyId: match[2] as string, signature: match[3] as string });
  }
  const checkpoint: Checkpoint = { namespace, size: Number(size), root, head, time };
  return { checkpoint, body: checkpointBody(checkpoint), signatures };
}

const isInstant = (text: string): boolean => INSTANT.test(text) && !Number.isNaN(Date.parse(text)) && new Date(text).toISOString() === text;

function checkCheckpoint(c: Checkpoint): void {
  if (!NAMESPACE.test(c.namespace) || !Number.isSafeInteger(c.size) || c.size < 0 || !isHexHash(c.root) || !isHexHash(c.head) || !isInstant(c.time)) {
    throw new StableIdError('INTERNAL', `not a checkpoint: ${JSON.stringify(c)}`);
  }
}

function malformed(message: string, line: number): StableIdError {
  return new StableIdError('CHECKPOINT_FORMAT', `not a stableid checkpoint: ${message}`, line > 0 ? { line } : {});
}

/** What the registry keeps of a checkpoint it signed: the checkpoint and its own signature (the note is rebuilt from these and the key's name). */
export interface CheckpointRecord extends Checkpoint {
  readonly keyId: string;
  /** The registry key's signature over {@link checkpointBody}, base64. */
  readonly signature: string;
}
