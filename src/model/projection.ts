import type { EventSecret, PlacedEvent } from './events.js';
import type { ProjectionRows } from './rows.js';
import { emptyRows } from './rows.js';

/** What one event does to the current-state tables. */
export interface EventEffect {
  /** Rows the event adds. */
  readonly rows: ProjectionRows;
  /** An identifier whose value row and secret the event removes (erasure only). */
  readonly erases: { readonly namespace: string; readonly identifier: number } | null;
}

/**
 * The projection: the rows an event adds to the current-state tables. Pure and
 * total, so the write path and `verify` derive exactly the same rows.
 * `secret` is the value the event commits to, absent when it has been erased.
 */
export function projectEvent(event: PlacedEvent, secret: EventSecret | undefined, into: ProjectionRows): EventEffect {
  const { namespace, seq, at } = event;
  switch (event.type) {
    case 'namespace.created':
      into.namespaces.push({
        name: namespace,
        owner: event.body.owner,
        stewards: event.body.stewards,
        description: event.body.description,
        createdSeq: seq,
        createdAt: at,
      });
      break;
    case 'scheme.added':
      into.schemes.push({ namespace, name: event.body.scheme, format: event.body.format, createdSeq: seq, createdAt: at });
      break;
    case 'scheme.deprecated':
      into.schemeStates.push({
        namespace,
        scheme: event.body.scheme,
        seq,
        at,
        state: 'deprecated',
        sunset: event.body.sunset,
        replacement: event.body.replacement,
      });
      break;
    case 'scheme.archived':
      into.schemeStates.push({ namespace, scheme: event.body.scheme, seq, at, state: 'archived', sunset: null, replacement: null });
      break;
    case 'identifier.registered':
    case 'identifier.aliased': {
      const body = event.body;
      if (event.type === 'identifier.registered') {
        into.entities.push({ id: body.entity, namespace, createdSeq: seq, createdAt: at });
        if (event.body.binding) {
          into.bindings.push({ namespace, entity: body.entity, version: 1, seq, at, ...event.body.binding, migration: null });
        }
      }
      into.identifiers.push({
        namespace,
        seq,
        scheme: body.scheme,
        entity: body.entity,
        commitment: body.commitment,
        derivedFrom: event.type === 'identifier.aliased' ? event.body.derivedFrom : null,
        migration: event.type === 'identifier.aliased' ? event.body.migration : null,
        createdAt: at,
      });
      if (secret) into.identifierValues.push({ namespace, scheme: body.scheme, value: secret.value, identifier: seq, entity: body.entity });
      break;
    }
    case 'binding.changed':
      into.bindings.push({
        namespace,
        entity: event.body.entity,
        version: event.body.version,
        seq,
        at,
        ...event.body.binding,
        migration: event.body.migration,
      });
      break;
    case 'identifier.deprecated':
      into.identifierStates.push({ namespace, identifier: event.body.identifier, seq, at, state: 'deprecated', sunset: event.body.sunset });
      break;
    case 'identifier.archived':
      into.identifierStates.push({ namespace, identifier: event.body.identifier, seq, at, state: 'archived', sunset: null });
      break;
    case 'identifier.erased':
      into.erasures.push({ namespace, identifier: event.body.identifier, seq, at });
      return { rows: into, erases: { namespace, identifier: event.body.identifier } };
    // Governance events are read from the log itself; no current-state table holds them.
    case 'policy.applied':
    case 'contract.applied':
    case 'change.requested':
    case 'change.approved':
    case 'change.rejected':
    case 'hook.ran':
    case 'flag.stage.set':
    case 'flag.exposure.set':
      break;
  }
  return { rows: into, erases: null };
}

/**
 * The rows a run of events adds, each identifier event with its secret when
 * one is given. What a store writes for an append is exactly this.
 */
export function projectEvents(events: readonly PlacedEvent[], secrets: readonly EventSecret[]): ProjectionRows {
  const rows = emptyRows();
  const bySeq = new Map<string, EventSecret>();
  for (const secret of secrets) bySeq.set(`${secret.namespace}\u0000${secret.seq}`, secret);
  for (const event of events) projectEvent(event, bySeq.get(`${event.namespace}\u0000${event.seq}`), rows);
  return rows;
}
