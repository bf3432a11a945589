import { Type } from 'typebox';
import type { IdentifierView, Scheme } from '../../model/types.js';
import type { Registry } from '../../registry/registry.js';
import type { IdentifierRef } from '../../registry/requests.js';
import { CallerHeaders, consumerOf } from '../consumer.js';
import { deprecationOf, setDeprecationHeaders } from '../deprecation.js';
import { READ_GUARANTEES, operation } from '../openapi.js';
import { IdentifierParams, LineageSchema, ReadQuery, TranslationParams } from '../schemas.js';
import type { HttpApp, RouteContext } from './route-context.js';

const refOf = (value: string, scheme: string | undefined): IdentifierRef => (scheme === undefined ? { value } : { scheme, value });

/** The namespace's schemes by name, read only when an answer is retired (the replacement is on the scheme). */
export async function schemesWhenRetired(registry: Registry, namespace: string, views: readonly IdentifierView[]): Promise<ReadonlyMap<string, Scheme>> {
  if (views.every((view) => view.state === 'active')) return new Map();
  const { schemes } = await registry.getNamespace(namespace);
  return new Map(schemes.map((scheme) => [scheme.name, scheme]));
}

const DEPRECATION_NOTE =
  'When the identifier asked for (or its scheme) is deprecated or archived, the answer carries `Deprecation` (RFC 9745), `Sunset` (RFC 8594) ' +
  'and, when the scheme names a replacement, `Link: <…>; rel="successor-version"` pointing at the translation into it.';

export function identifierRoutes(app: HttpApp, { registry }: RouteContext): void {
  const resolve = operation({
    id: 'resolveIdentifier',
    latency: 'lookup',
    summary: 'Resolve an identifier: its entity, all its identifiers with states and lineage, and its binding',
    tag: 'identifiers',
    guarantees: `${READ_GUARANTEES} With \`asOf\`, the answer is what the log held at that instant.`,
    notes: `Without \`scheme\`, every scheme whose format accepts the value is tried. ${DEPRECATION_NOTE}`,
    errors: ['NAMESPACE_NOT_FOUND', 'SCHEME_NOT_FOUND', 'IDENTIFIER_NOT_FOUND', 'INVALID_IDENTIFIER', 'AMBIGUOUS_IDENTIFIER'],
  });
  app.get(
    '/v1/namespaces/:namespace/identifiers/:value',
    {
      config: { cache: true, access: 'resolve' },
      schema: { ...resolve.doc, params: IdentifierParams, querystring: ReadQuery, headers: CallerHeaders, response: { 200: Type.Ref('Resolution'), ...resolve.errors } },
    },
    async (request, reply) => {
      const { namespace, value } = request.params;
      const resolution = await registry.resolve(namespace, refOf(value, request.query.scheme), { asOf: request.query.asOf ?? null, consumer: consumerOf(request, reply) });
      const notice = deprecationOf(resolution.identifier, await schemesWhenRetired(registry, namespace, [resolution.identifier]));
      if (notice) setDeprecationHeaders(reply, notice, { namespace, asOf: resolution.asOf });
      return resolution;
    },
  );

  const prove = operation({
    id: 'proveIdentifier',
    latency: 'proof',
    summary: "Resolve an identifier with its proof: the events the answer rests on, each with an inclusion proof against the namespace's latest signed checkpoint",
    tag: 'identifiers',
    guarantees:
      `${READ_GUARANTEES} The answer is the mapping proof document \`stableid resolve --proof\` writes; its \`resolution\` is what the resolve route answers. ` +
      "It verifies offline, with nothing but the registry's published public key (`stableid verify --proof`, `verifyMappingProof`, the SDK's `resolveVerified`): " +
      'each fact shown was recorded in the signed log as of the checkpoint. It does not prove that no event after the checkpoint changed the mapping. ' +
      'The same question answers the same document (and ETag) until the namespace is checkpointed again.',
    notes:
      'A separate route rather than a flag on the resolve route, so that plain resolves keep their answer and their speed. ' +
      `\`scheme\` and \`asOf\` as for the resolve route: with \`asOf\`, the events proven are those up to that instant. ${DEPRECATION_NOTE}`,
    errors: ['NAMESPACE_NOT_FOUND', 'SCHEME_NOT_FOUND', 'IDENTIFIER_NOT_FOUND', 'INVALID_IDENTIFIER', 'AMBIGUOUS_IDENTIFIER', 'CHECKPOINT_NOT_FOUND', 'VERIFY_FAILED'],
  });
  app.get(
    '/v1/namespaces/:namespace/identifiers/:value/proof',
    {
      config: { cache: true, access: 'resolve' },
      schema: { ...prove.doc, params: IdentifierParams, querystring: ReadQuery, headers: CallerHeaders, response: { 200: Type.Ref('MappingProof'), ...prove.errors } },
    },
    async (request, reply) => {
      const { namespace, value } = request.params;
      const proof = await registry.resolveWithProof(namespace, refOf(value, request.query.scheme), { asOf: request.query.asOf ?? null, consumer: consumerOf(request, reply) });
      const { identifier, asOf } = proof.resolution;
      const notice = deprecationOf(identifier, await schemesWhenRetired(registry, namespace, [identifier]));
      if (notice) setDeprecationHeaders(reply, notice, { namespace, asOf });
      return proof;
    },
  );

  const translate = operation({
    id: 'translateIdentifier',
    latency: 'lookup',
    summary: "Translate an identifier into the same entity's identifier in another scheme",
    tag: 'identifiers',
    guarantees: `${READ_GUARANTEES} With \`asOf\`, the answer is what the log held at that instant.`,
    notes: `\`to\` names the target scheme; \`scheme\` optionally names the scheme of the value. ${DEPRECATION_NOTE}`,
    errors: ['NAMESPACE_NOT_FOUND', 'SCHEME_NOT_FOUND', 'IDENTIFIER_NOT_FOUND', 'INVALID_IDENTIFIER', 'AMBIGUOUS_IDENTIFIER', 'TRANSLATION_NOT_FOUND', 'IDENTIFIER_ERASED'],
  });
  app.get(
    '/v1/namespaces/:namespace/identifiers/:value/translations/:to',
    {
      config: { cache: true, access: 'translate' },
      schema: { ...translate.doc, params: TranslationParams, querystring: ReadQuery, headers: CallerHeaders, response: { 200: Type.Ref('Translation'), ...translate.errors } },
    },
    async (request, reply) => {
      const { namespace, value, to } = request.params;
      const asOf = request.query.asOf ?? null;
      const translation = await registry.translate(namespace, refOf(value, request.query.scheme), to, { asOf, consumer: consumerOf(request, reply) });
      const notice = deprecationOf(translation.from, await schemesWhenRetired(registry, namespace, [translation.from]));
      if (notice) setDeprecationHeaders(reply, notice, { namespace, asOf });
      return translation;
    },
  );

  const lineage = operation({
    id: 'identifierLineage',
    latency: 'lookup',
    summary: "The lineage of an identifier's entity: every identifier, oldest first, with what it was derived from and by which migration",
    tag: 'identifiers',
    guarantees: `${READ_GUARANTEES} With \`asOf\`, the lineage is what the log held at that instant.`,
    errors: ['NAMESPACE_NOT_FOUND', 'SCHEME_NOT_FOUND', 'IDENTIFIER_NOT_FOUND', 'INVALID_IDENTIFIER', 'AMBIGUOUS_IDENTIFIER'],
  });
  app.get(
    '/v1/namespaces/:namespace/identifiers/:value/lineage',
    {
      config: { cache: true, access: 'resolve' },
      schema: { ...lineage.doc, params: IdentifierParams, querystring: ReadQuery, headers: CallerHeaders, response: { 200: LineageSchema, ...lineage.errors } },
    },
    async (request, reply) => {
      const { namespace, value } = request.params;
      const resolution = await registry.resolve(namespace, refOf(value, request.query.scheme), { asOf: request.query.asOf ?? null, consumer: consumerOf(request, reply) });
      return { namespace, entity: resolution.entity, identifier: resolution.identifier, lineage: [...resolution.identifiers], asOf: resolution.asOf };
    },
  );
}
