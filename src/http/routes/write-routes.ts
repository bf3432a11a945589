import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { ErrorCode } from '../../model/errors.js';
import type { IdentifierRef, WriteOutcome } from '../../registry/requests.js';
import { callContextOf } from '../auth.js';
import { operation } from '../openapi.js';
import { AliasBody, DeprecationBody, IdentifierParams, NamespaceParams, RebindBody, RegisterBody, WriteHeaders, WriteQuery } from '../schemas.js';
import type { HttpApp, RouteContext } from './route-context.js';

const refOf = (value: string, scheme: string | undefined): IdentifierRef => (scheme === undefined ? { value } : { scheme, value });

export const WRITE_GUARANTEES =
  'Atomic and idempotent: it writes one event or nothing, and repeating a request already carried out writes nothing and answers 200 with `changed: false`; ' +
  'with an `Idempotency-Key`, a retry with the same body gets the first answer again (`Idempotent-Replayed: true`) and the same key with another body is refused (422, rule idempotency.key-reused). ' +
  "The event records the token's actor, the correlation id and `X-Reason`. A refused request writes nothing.";

const AUTH_ERRORS: readonly ErrorCode[] = ['UNAUTHENTICATED', 'FORBIDDEN'];
const LOOKUP_ERRORS: readonly ErrorCode[] = ['NAMESPACE_NOT_FOUND', 'SCHEME_NOT_FOUND', 'IDENTIFIER_NOT_FOUND', 'INVALID_IDENTIFIER', 'AMBIGUOUS_IDENTIFIER', 'IDENTIFIER_ERASED'];

const answered = (changed: string) => ({ 200: Type.Ref('WriteOutcome', { description: changed }) });

/** 201 with the new identifier's URL when the write created it; 200 when it repeated an earlier one. */
function created(reply: FastifyReply, outcome: WriteOutcome): WriteOutcome {
  if (outcome.changed && outcome.value !== null) {
    reply.code(201).header('location', `/v1/namespaces/${encodeURIComponent(outcome.namespace)}/identifiers/${encodeURIComponent(outcome.value)}?scheme=${encodeURIComponent(outcome.scheme)}`);
  }
  return outcome;
}

export function writeRoutes(app: HttpApp, { registry }: RouteContext): void {
  const register = operation({
    id: 'registerIdentifier',
    latency: 'write',
    summary: 'Register an identifier for a new entity, optionally bound to its record',
    tag: 'writes',
    guarantees: WRITE_GUARANTEES,
    notes: 'Needs the write role on the namespace. 201 with `Location` when registered; 200 when the same identifier was already registered the same way.',
    errors: [...AUTH_ERRORS, 'NAMESPACE_NOT_FOUND', 'SCHEME_NOT_FOUND', 'INVALID_IDENTIFIER', 'IDENTIFIER_CONFLICT', 'SCHEME_ARCHIVED'],
  });
  app.post(
    '/v1/namespaces/:namespace/identifiers',
    {
      config: { access: 'register', idempotent: true },
      schema: {
        ...register.doc,
        params: NamespaceParams,
        headers: WriteHeaders,
        body: RegisterBody,
        response: { 201: Type.Ref('WriteOutcome', { description: 'Registered.' }), ...answered('Already registered: nothing written.'), ...register.errors },
      },
    },
    async (request, reply) => {
      const { scheme, value, binding } = request.body;
      const outcome = await registry.register({ namespace: request.params.namespace, scheme, value, binding: binding ?? null }, callContextOf(request));
      return created(reply, outcome);
    },
  );

  const alias = operation({
    id: 'aliasIdentifier',
    latency: 'write',
    summary: "Give an identifier's entity another identifier, in another scheme",
    tag: 'writes',
    guarantees: WRITE_GUARANTEES,
    notes: 'Needs the write role. The identifier in the path (`?scheme=` names its scheme) is recorded as the new one’s lineage, with `migration`. 201 with `Location` when added; 200 when it already existed.',
    errors: [...AUTH_ERRORS, ...LOOKUP_ERRORS, 'IDENTIFIER_CONFLICT', 'ALIAS_CONFLICT', 'SCHEME_ARCHIVED', 'STATE_CONFLICT'],
  });
  app.post(
    '/v1/namespaces/:namespace/identifiers/:value/aliases',
    {
      config: { access: 'alias', idempotent: true },
      schema: {
        ...alias.doc,
        params: IdentifierParams,
        querystring: WriteQuery,
        headers: WriteHeaders,
        body: AliasBody,
        response: { 201: Type.Ref('WriteOutcome', { description: 'Added.' }), ...answered('Already there: nothing written.'), ...alias.errors },
      },
    },
    async (request, reply) => {
      const { namespace, value } = request.params;
      const outcome = await registry.alias(
        { namespace, from: refOf(value, request.query.scheme), scheme: request.body.scheme, value: request.body.value, migration: request.body.migration ?? null },
        callContextOf(request),
      );
      return created(reply, outcome);
    },
  );

  const rebind = operation({
    id: 'rebindIdentifier',
    latency: 'write',
    summary: "Point an identifier's entity at another record (a new binding version)",
    tag: 'writes',
    guarantees: WRITE_GUARANTEES,
    notes: 'Needs the write role. Answers 200 with `changed: true` when a new binding version was written, `false` when the binding was already this one.',
    errors: [...AUTH_ERRORS, ...LOOKUP_ERRORS, 'STATE_CONFLICT'],
  });
  app.put(
    '/v1/namespaces/:namespace/identifiers/:value/binding',
    {
      config: { access: 'rebind', idempotent: true },
      schema: { ...rebind.doc, params: IdentifierParams, querystring: WriteQuery, headers: WriteHeaders, body: RebindBody, response: { ...answered('Bound (see `changed`).'), ...rebind.errors } },
    },
    async (request) => {
      const { namespace, value } = request.params;
      const { store, collection, key, migration } = request.body;
      return registry.rebind({ namespace, identifier: refOf(value, request.query.scheme), binding: { store, collection, key }, migration: migration ?? null }, callContextOf(request));
    },
  );

  const deprecate = operation({
    id: 'deprecateIdentifier',
    latency: 'write',
    summary: 'Deprecate an identifier, with the sunset after which clients must have moved on',
    tag: 'writes',
    guarantees: WRITE_GUARANTEES,
    notes: 'Needs the steward role. Reads of the identifier then carry `Deprecation` and `Sunset`.',
    errors: [...AUTH_ERRORS, ...LOOKUP_ERRORS, 'STATE_CONFLICT'],
  });
  app.post(
    '/v1/namespaces/:namespace/identifiers/:value/deprecation',
    {
      config: { access: 'deprecate', idempotent: true },
      schema: { ...deprecate.doc, params: IdentifierParams, querystring: WriteQuery, headers: WriteHeaders, body: DeprecationBody, response: { ...answered('Deprecated (see `changed`).'), ...deprecate.errors } },
    },
    async (request) => {
      const { namespace, value } = request.params;
      return registry.deprecate({ namespace, identifier: refOf(value, request.query.scheme), sunset: request.body.sunset }, callContextOf(request));
    },
  );

  const archive = operation({
    id: 'archiveIdentifier',
    latency: 'write',
    summary: 'Archive an identifier: retire it for good; reads still answer it, marked archived',
    tag: 'writes',
    guarantees: WRITE_GUARANTEES,
    notes: 'Needs the steward role. Takes no body.',
    errors: [...AUTH_ERRORS, ...LOOKUP_ERRORS, 'STATE_CONFLICT'],
  });
  app.post(
    '/v1/namespaces/:namespace/identifiers/:value/archive',
    {
      config: { access: 'archive', idempotent: true },
      schema: { ...archive.doc, params: IdentifierParams, querystring: WriteQuery, headers: WriteHeaders, response: { ...answered('Archived (see `changed`).'), ...archive.errors } },
    },
    async (request) => {
      const { namespace, value } = request.params;
      return registry.archive({ namespace, identifier: refOf(value, request.query.scheme) }, callContextOf(request));
    },
  );
}
