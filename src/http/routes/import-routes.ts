import { authorize } from '../../auth/scopes.js';
import { BatchRejectedError, StableIdError } from '../../model/errors.js';
import type { WriteRequest } from '../../registry/requests.js';
import { callContextOf } from '../auth.js';
import { toProblem } from '../errors.js';
import { refuseOverLimit } from '../batch-limit.js';
import { operation } from '../openapi.js';
import { ImportReportSchema, NamespaceParams, WriteHeaders, importBody } from '../schemas.js';
import type { HttpApp, RouteContext } from './route-context.js';

export function importRoutes(app: HttpApp, { registry, batchLimit }: RouteContext): void {
  const doc = operation({
    id: 'importWrites',
    latency: 'import',
    summary: `Carry out up to ${batchLimit} writes (register, alias, rebind, deprecate, archive) in one transaction`,
    tag: 'writes',
    guarantees:
      'Atomic: all or nothing in one transaction — when any item fails, nothing is written and the 422 BATCH_REJECTED problem lists every failure (`failures`: index, code, detail); ' +
      'with `continueOnError`, the items that succeed are written and the report lists the others. Retrying is idempotent item by item: an item already carried out is counted as `unchanged`. ' +
      'Honours `Idempotency-Key` as the single writes do.',
    notes: 'Needs the write role on the namespace, and the steward role as well when an item deprecates or archives (checked before anything is written: 403 otherwise). Items name no namespace: the path does.',
    errors: ['UNAUTHENTICATED', 'FORBIDDEN', 'NAMESPACE_NOT_FOUND', 'BATCH_REJECTED'],
    transport: { 413: `more than ${batchLimit} items (rule batch.limit), or a body over the size limit (rule body.size)` },
  });
  app.post(
    '/v1/namespaces/:namespace/import',
    {
      config: { access: 'import', idempotent: true },
      preValidation: refuseOverLimit('items', batchLimit, { request: 'an import holds', entries: 'items', outcome: 'nothing was written' }),
      schema: { ...doc.doc, params: NamespaceParams, headers: WriteHeaders, body: importBody(batchLimit), response: { 200: ImportReportSchema, ...doc.errors } },
    },
    async (request) => {
      const { namespace } = request.params;
      const context = callContextOf(request);
      for (const op of new Set(request.body.items.map((item) => item.op))) authorize(request.principal, op, namespace);
      const items = request.body.items.map((item) => ({ request: { ...item, namespace } as WriteRequest }));
      try {
        const report = await registry.writeMany(items, { ...context, continueOnError: request.body.continueOnError ?? false });
        if (report.total > 0 && report.failed === report.total && report.failures[0]?.error.code === 'NAMESPACE_NOT_FOUND') throw report.failures[0].error;
        return { ...report, outcomes: [...report.outcomes], failures: report.failures.map((f) => ({ index: f.index, error: toProblem(f.error, request.id) })) };
      } catch (error) {
        if (!(error instanceof BatchRejectedError)) throw error;
        const first = error.failures[0]?.error;
        // An unknown namespace fails every item alike: it fails the request (404).
        if (first?.code === 'NAMESPACE_NOT_FOUND') throw first;
        throw new StableIdError(
          'BATCH_REJECTED',
          error.message,
          { ...error.context, failures: error.failures.map((f) => ({ index: f.index, code: f.error.code, detail: f.error.message, ...f.error.context })) },
          { cause: error },
        );
      }
    },
  );
}
