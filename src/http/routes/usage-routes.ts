import { Type } from 'typebox';
import { authorize } from '../../auth/scopes.js';
import { StableIdError } from '../../model/errors.js';
import { parseUsageReport } from '../../usage/usage-report.js';
import type { UsageStore } from '../../usage/usage-store.js';
import { operation } from '../openapi.js';
import type { HttpApp, RouteContext } from './route-context.js';

const Name = Type.String({ minLength: 1, maxLength: 128 });

/** A usage report as sent; `parseUsageReport` checks what a schema cannot (dates, repeats, deprecated ≤ requests). */
const usageReportBody = (limit: number) =>
  Type.Object(
    {
      reportId: Type.String({ minLength: 8, maxLength: 128, description: 'Unique per report (e.g. a UUID); a retry repeats the id and the body.' }),
      service: Type.String({ ...Name, description: 'The reporting service, as its manifest names it.' }),
      serviceVersion: Type.Optional(Type.Union([Name, Type.Null()])),
      at: Type.String({ minLength: 10, maxLength: 64, description: 'When the counts were taken (ISO 8601): they count on its UTC day. At most 30 days ago, at most a day ahead.' }),
      counts: Type.Array(
        Type.Object(
          {
            namespace: Type.String({ minLength: 1, maxLength: 200 }),
            scheme: Type.String({ minLength: 1, maxLength: 200 }),
            caller: Type.Optional(Type.Union([Type.String({ ...Name, description: 'Who sent identifiers of the scheme to the service (its shim saw them); default the service itself.' }), Type.Null()])),
            requests: Type.Integer({ minimum: 1, description: 'Requests since the previous report that carried an identifier of the scheme.' }),
            deprecated: Type.Optional(Type.Integer({ minimum: 0, description: 'Of those, requests that carried a deprecated or archived identifier.' })),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: limit },
      ),
    },
    { additionalProperties: false },
  );

const UsageReceipt = Type.Object({
  reportId: Type.String(),
  recorded: Type.Boolean({ description: 'False when this report was recorded before: nothing was counted again.' }),
  counts: Type.Integer({ description: 'Rows in the report.' }),
});

/**
 * `POST /v1/usage`: services (their shim, or the SDK's UsageReporter) report
 * how often they used which schemes; `stableid matrix` shows it. Served only
 * when the app is given a usage store.
 */
export function usageRoutes(app: HttpApp, { registry, batchLimit }: RouteContext, usage: UsageStore): void {
  const report = operation({
    id: 'reportUsage',
    latency: 'write',
    summary: 'Report how often a service used identifier schemes',
    tag: 'usage',
    guarantees:
      'Atomic and idempotent by `reportId`: every row of the report is counted, or none; a retry with the same id and body counts nothing and answers 200 with `recorded: false`; ' +
      'the same id with another body is refused (422, rule usage.report-reused). Counts are deltas since the reporter’s previous report. A refused report records nothing.',
    notes:
      'Needs a bearer token, even where reads are open, with the read role in every namespace the report names. Every namespace and scheme must exist. ' +
      `At most ${batchLimit} rows; no two rows may share namespace, scheme and caller.`,
    errors: ['UNAUTHENTICATED', 'FORBIDDEN', 'NAMESPACE_NOT_FOUND', 'SCHEME_NOT_FOUND'],
    transport: { 422: 'rule usage.report-reused: the report id was used for another report' },
  });
  app.post(
    '/v1/usage',
    {
      config: { access: 'usage.report' },
      schema: { ...report.doc, body: usageReportBody(batchLimit), response: { 200: UsageReceipt, ...report.errors } },
    },
    async (request) => {
      const parsed = parseUsageReport(request.body, new Date(), batchLimit);
      const namespaces = [...new Set(parsed.counts.map((row) => row.namespace))];
      for (const namespace of namespaces) authorize(request.principal, 'usage.report', namespace);
      for (const namespace of namespaces) {
        const { schemes } = await registry.getNamespace(namespace);
        for (const row of parsed.counts) {
          if (row.namespace === namespace && !schemes.some((scheme) => scheme.name === row.scheme)) {
            throw new StableIdError('SCHEME_NOT_FOUND', `scheme "${row.scheme}" does not exist in namespace "${namespace}"`, { namespace, scheme: row.scheme });
          }
        }
      }
      const outcome = await usage.record(parsed, { at: new Date(), actor: request.principal?.actor ?? parsed.service });
      return { reportId: outcome.report, recorded: outcome.recorded, counts: outcome.counts };
    },
  );
}
