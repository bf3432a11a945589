import type { IdentifierView } from '../../model/types.js';
import type { ItemResult } from '../../registry/registry.js';
import { refuseOverLimit } from '../batch-limit.js';
import { CallerHeaders, consumerOf } from '../consumer.js';
import { deprecationOf } from '../deprecation.js';
import { toProblem } from '../errors.js';
import { operation } from '../openapi.js';
import { NamespaceParams, ResolveBatchResponse, TranslateBatchResponse, resolveBatchBody, translateBatchBody } from '../schemas.js';
import { schemesWhenRetired } from './identifier-routes.js';
import type { HttpApp, RouteContext } from './route-context.js';

const BATCH_GUARANTEES =
  'Read-only and idempotent: it writes nothing and may be retried freely (POST only because the list travels in the body). ' +
  'Every item is answered from the same consistent snapshot; each succeeds or fails on its own, in the order asked.';

/**
 * The items of a batch answer, each with its deprecation notice or its problem.
 * An unknown namespace fails every item alike, so it fails the request (404).
 */
async function itemsOf<T>(
  context: RouteContext,
  namespace: string,
  results: readonly ItemResult<T>[],
  asked: (result: T) => IdentifierView,
  correlationId: string,
) {
  const failed = results[0];
  if (failed && !failed.ok && failed.error.code === 'NAMESPACE_NOT_FOUND') throw failed.error;
  const views = results.flatMap((item) => (item.ok ? [asked(item.result)] : []));
  const schemes = await schemesWhenRetired(context.registry, namespace, views);
  return results.map((item) =>
    item.ok
      ? { ok: true as const, result: item.result, deprecation: deprecationOf(asked(item.result), schemes) }
      : { ok: false as const, error: toProblem(item.error, correlationId) },
  );
}

const ITEM_ERRORS = ['SCHEME_NOT_FOUND', 'IDENTIFIER_NOT_FOUND', 'INVALID_IDENTIFIER', 'AMBIGUOUS_IDENTIFIER'] as const;

export function batchRoutes(app: HttpApp, context: RouteContext): void {
  const { registry, batchLimit } = context;
  const limitBatch = refuseOverLimit('identifiers', batchLimit, { request: 'a batch names', entries: 'identifiers', outcome: 'nothing was done' });
  const transport = { 413: `more than ${batchLimit} identifiers (rule batch.limit), or a body over the size limit (rule body.size)` };

  const resolve = operation({
    id: 'resolveBatch',
    latency: 'batch',
    summary: `Resolve up to ${batchLimit} identifiers of a namespace`,
    tag: 'batches',
    guarantees: BATCH_GUARANTEES,
    notes: `Each result is \`{ ok: true, result, deprecation }\` or \`{ ok: false, error }\` (a problem document with one of ${ITEM_ERRORS.join(', ')}). \`deprecation\` is non-null when the identifier asked for is retired.`,
    errors: ['NAMESPACE_NOT_FOUND'],
    transport,
  });
  app.post(
    '/v1/namespaces/:namespace/resolve',
    {
      config: { access: 'resolve' },
      preValidation: limitBatch,
      schema: { ...resolve.doc, params: NamespaceParams, headers: CallerHeaders, body: resolveBatchBody(batchLimit), response: { 200: ResolveBatchResponse, ...resolve.errors } },
    },
    async (request, reply) => {
      const { namespace } = request.params;
      const results = await registry.resolveMany(namespace, request.body.identifiers, { asOf: request.body.asOf ?? null, consumer: consumerOf(request, reply) });
      return { results: await itemsOf(context, namespace, results, (r) => r.identifier, request.id) };
    },
  );

  const translate = operation({
    id: 'translateBatch',
    latency: 'batch',
    summary: `Translate up to ${batchLimit} identifiers of a namespace into another scheme`,
    tag: 'batches',
    guarantees: BATCH_GUARANTEES,
    notes: `Each result is \`{ ok: true, result, deprecation }\` or \`{ ok: false, error }\` (a problem document with one of ${[...ITEM_ERRORS, 'TRANSLATION_NOT_FOUND', 'IDENTIFIER_ERASED'].join(', ')}). \`deprecation\` is non-null when the identifier asked for is retired.`,
    errors: ['NAMESPACE_NOT_FOUND'],
    transport,
  });
  app.post(
    '/v1/namespaces/:namespace/translate',
    {
      config: { access: 'translate' },
      preValidation: limitBatch,
      schema: { ...translate.doc, params: NamespaceParams, headers: CallerHeaders, body: translateBatchBody(batchLimit), response: { 200: TranslateBatchResponse, ...translate.errors } },
    },
    async (request, reply) => {
      const { namespace } = request.params;
      const results = await registry.translateMany(namespace, request.body.identifiers, request.body.to, { asOf: request.body.asOf ?? null, consumer: consumerOf(request, reply) });
      return { results: await itemsOf(context, namespace, results, (r) => r.from, request.id) };
    },
  );
}
