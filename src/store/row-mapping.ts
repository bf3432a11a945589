import type { ChainedEvent } from '../model/events.js';
import { parseSchemeFormat } from '../model/formats/index.js';
import type { CheckpointRecord } from '../model/proof/checkpoint-note.js';
import type { SigningKeyRecord } from '../model/proof/key-records.js';
import type { BindingRow, EntityRow, ErasureRow, IdentifierStateRow, NamespaceRow, SchemeRow, SchemeStateRow } from '../model/rows.js';
import type { LifecycleState } from '../model/types.js';
import type { StoredIdentifier } from './store.js';

/*
 * Rows as the SQL stores return them (snake_case columns, integers perhaps as
 * strings, hashes as bytes) turned into the model's rows. Both stores use the
 * same table and column names, so one set of mappers serves them.
 */

export type Row = Record<string, unknown>;

/** A hash column as hex: stored as bytes, or as text where someone wrote text into it. */
export const hex = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString('hex') : String(value));

export const str = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export function toNamespace(row: Row): NamespaceRow {
  return {
    name: String(row['name']),
    owner: String(row['owner']),
    stewards: JSON.parse(String(row['stewards'])) as string[],
    description: str(row['description']),
    createdSeq: Number(row['created_seq']),
    createdAt: String(row['created_at']),
  };
}

export function toScheme(row: Row): SchemeRow {
  return {
    namespace: String(row['namespace']),
    name: String(row['name']),
    format: parseSchemeFormat(JSON.parse(String(row['format']))),
    createdSeq: Number(row['created_seq']),
    createdAt: String(row['created_at']),
  };
}

/** A scheme row as stored, its format read without validation: what `verify` compares, where a tampered format must not stop the comparison. */
export function toSchemeAsStored(row: Row): SchemeRow {
  return { ...toSchemeBase(row), format: JSON.parse(String(row['format'])) as SchemeRow['format'] };
}

function toSchemeBase(row: Row): Omit<SchemeRow, 'format'> {
  return { namespace: String(row['namespace']), name: String(row['name']), createdSeq: Number(row['created_seq']), createdAt: String(row['created_at']) };
}

export function toSchemeState(row: Row): SchemeStateRow {
  return {
    namespace: String(row['namespace']),
    scheme: String(row['scheme']),
    seq: Number(row['seq']),
    at: String(row['at']),
    state: String(row['state']) as LifecycleState,
    sunset: str(row['sunset']),
    replacement: str(row['replacement']),
  };
}

export function toEntity(row: Row): EntityRow {
  return { id: String(row['id']), namespace: String(row['namespace']), createdSeq: Number(row['created_seq']), createdAt: String(row['created_at']) };
}

export function toIdentifier(row: Row): StoredIdentifier {
  const derived = row['derived_from'];
  return {
    namespace: String(row['namespace']),
    seq: Number(row['seq']),
    scheme: String(row['scheme']),
    entity: String(row['entity']),
    commitment: hex(row['commitment']),
    derivedFrom: derived === null || derived === undefined ? null : Number(derived),
    migration: str(row['migration']),
    createdAt: String(row['created_at']),
    value: str(row['value']),
  };
}

export function toErasure(row: Row): ErasureRow {
  return { namespace: String(row['namespace']), identifier: Number(row['identifier']), seq: Number(row['seq']), at: String(row['at']) };
}

export function toIdentifierState(row: Row): IdentifierStateRow {
  return {
    namespace: String(row['namespace']),
    identifier: Number(row['identifier']),
    seq: Number(row['seq']),
    at: String(row['at']),
    state: String(row['state']) as LifecycleState,
    sunset: str(row['sunset']),
  };
}

export function toBinding(row: Row): BindingRow {
  return {
    namespace: String(row['namespace']),
    entity: String(row['entity']),
    version: Number(row['version']),
    seq: Number(row['seq']),
    at: String(row['at']),
    store: String(row['store']),
    collection: String(row['collection']),
    key: String(row['key']),
    migration: str(row['migration']),
  };
}

export function toEvent(row: Row): ChainedEvent {
  return {
    namespace: String(row['namespace']),
    seq: Number(row['seq']),
    prevHash: hex(row['prev_hash']),
    hash: hex(row['hash']),
    type: String(row['type']),
    at: String(row['at']),
    actor: String(row['actor']),
    correlationId: String(row['correlation_id']),
    reason: str(row['reason']),
    body: JSON.parse(String(row['body'])),
  } as ChainedEvent;
}

/** A hash column as its bytes: stored as bytes, or as hex (or anything else) where someone wrote text into it. */
export function bytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  const text = String(value);
  return /^([0-9a-f]{2})*$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'utf8');
}

export function toCheckpoint(row: Row): CheckpointRecord {
  return {
    namespace: String(row['namespace']),
    size: Number(row['size']),
    root: hex(row['root']),
    head: hex(row['head']),
    time: String(row['at']),
    keyId: String(row['key_id']),
    signature: String(row['signature']),
  };
}

export function toSigningKey(row: Row): SigningKeyRecord {
  return {
    keyId: String(row['key_id']),
    name: String(row['name']),
    publicKey: String(row['public_key']),
    validFrom: String(row['valid_from']),
    validUntil: str(row['valid_until']),
    signature: String(row['signature']),
    retiredBy: str(row['retired_by']),
    retirementSignature: str(row['retirement_signature']),
  };
}
