import type { ExposureFlag, StageFlag } from './flags.js';
import type { SchemeFormat } from './formats/index.js';
import { canonicalJson, sha256Hex } from './hashing.js';
import type { JsonObject } from './json.js';
import type { Binding } from './types.js';

/**
 * What each event type records. Identifier values never appear here: the chain
 * holds a salted commitment, and the value with its salt is kept beside the
 * event (see {@link EventSecret}) so it can be erased without breaking the chain.
 * Identifiers are referred to by the seq of the event that created them.
 */
export interface EventBodies {
  'namespace.created': { owner: string; stewards: string[]; description: string | null };
  'scheme.added': { scheme: string; format: SchemeFormat };
  'scheme.deprecated': { scheme: string; sunset: string; replacement: string | null };
  'scheme.archived': { scheme: string };
  'identifier.registered': { entity: string; scheme: string; commitment: string; binding: Binding | null };
  'identifier.aliased': {
    entity: string;
    scheme: string;
    commitment: string;
    derivedFrom: number;
    migration: string | null;
  };
  'binding.changed': { entity: string; version: number; binding: Binding; migration: string | null };
  'identifier.deprecated': { identifier: number; sunset: string };
  'identifier.archived': { identifier: number };
  'identifier.erased': { identifier: number; commitment: string };
  // Governance, in the registry-wide log GOVERNANCE_LOG: audited like every write, projected into no table.
  /** A policy file applied: its rules and waivers, normalised. */
  'policy.applied': { policy: JsonObject };
  /** A contract file applied: its version and what of each namespace the registry keeps no row for. */
  'contract.applied': { version: string; namespaces: JsonObject };
  /** A write held until a steward other than the requester (the event's actor) approves it. */
  'change.requested': { namespace: string; kind: string; request: JsonObject; summary: string };
  /** The held write was approved (by the event's actor) and carried out. */
  'change.approved': { request: number };
  /** The held write was turned down (by the event's actor, the reason in the event's reason). */
  'change.rejected': { request: number };
  /** A lifecycle hook of the contract ran: what, for which change, and how it ended. */
  'hook.ran': { namespace: string; scheme: string | null; trigger: string; hook: string; ok: boolean; detail: string };
  /** A consumer's transition stage in a namespace set (a skip or a move back carries its reason in the event's reason). */
  'flag.stage.set': StageFlag;
  /** Whether a consumer is shown a scheme's identifiers, set. */
  'flag.exposure.set': ExposureFlag;
}

/** The registry-wide log of governance events; not a valid namespace name, so no namespace can take it. */
export const GOVERNANCE_LOG = '@governance';

export type EventType = keyof EventBodies;

export const EVENT_TYPES: readonly EventType[] = [
  'namespace.created',
  'scheme.added',
  'scheme.deprecated',
  'scheme.archived',
  'identifier.registered',
  'identifier.aliased',
  'binding.changed',
  'identifier.deprecated',
  'identifier.archived',
  'identifier.erased',
  'policy.applied',
  'contract.applied',
  'change.requested',
  'change.approved',
  'change.rejected',
  'hook.ran',
  'flag.stage.set',
  'flag.exposure.set',
];

/** An event as the registry decides it, before it is placed in the chain. */
export type EventDraft = {
  [T in EventType]: { readonly type: T; readonly body: EventBodies[T] };
}[EventType];

/** An event placed in its namespace's log — seq, time and who — but not yet chained. */
export type PlacedEvent = EventDraft & {
  readonly namespace: string;
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly correlationId: string;
  readonly reason: string | null;
};

/** An event as the registry hands it to a store: placed, with its content hash. */
export type AppendedEvent = PlacedEvent & { readonly contentHash: string };

/** A chained event: what the store keeps, append-only. */
export type ChainedEvent = PlacedEvent & {
  readonly prevHash: string;
  readonly hash: string;
};

/** The value an identifier event commits to, kept beside the event until erased. */
export interface EventSecret {
  readonly namespace: string;
  readonly seq: number;
  readonly salt: string;
  readonly value: string;
}

/** Domain tag of the chain step, so a link can never be mistaken for another hash. */
const LINK_TAG = 'stableid/event/v1\u0000';

/**
 * The hash of an event chained after `prevHash`: SHA-256 over the link tag,
 * the previous hash and the event's content hash. Any change to any field of
 * the event, or to any event before it, changes it.
 */
export function hashEvent(event: PlacedEvent, prevHash: string): string {
  return linkHash(prevHash, contentHash(event));
}

/** One step of the chain, given the event's content hash. */
export function linkHash(prevHash: string, content: string): string {
  return sha256Hex(LINK_TAG + prevHash + content);
}

/**
 * SHA-256 over the RFC 8785 encoding of an event's own fields. It does not
 * depend on the chain, so it can be computed where the event is decided while
 * the store links it.
 */
export function contentHash(event: PlacedEvent): string {
  return sha256Hex(canonicalContent(event));
}

/**
 * The RFC 8785 encoding of the object
 * { v: 1, namespace, seq, type, at, actor, correlationId, reason, body } —
 * written out with its keys already in canonical order, because this runs once
 * per event on the bulk-import hot path. A test holds it equal to
 * canonicalJson of that object.
 */
export function canonicalContent(event: PlacedEvent): string {
  return (
    `{"actor":${canonicalJson(event.actor)},"at":${canonicalJson(event.at)},"body":${canonicalJson(event.body)}` +
    `,"correlationId":${canonicalJson(event.correlationId)},"namespace":${canonicalJson(event.namespace)}` +
    `,"reason":${canonicalJson(event.reason)},"seq":${canonicalJson(event.seq)}` +
    `,"type":${TYPE.test(event.type) ? `"${event.type}"` : canonicalJson(event.type)},"v":1}`
  );
}

const TYPE = /^[a-z.]+$/;
