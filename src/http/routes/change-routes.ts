import { Type } from 'typebox';
import type { ErrorCode } from '../../model/errors.js';
import { callContextOf } from '../auth.js';
import { operation } from '../openapi.js';
import { NamespaceName, NamespaceParams, Nullable } from '../schemas.js';
import type { HttpApp, RouteContext } from './route-context.js';

const ChangeRequestSchema = Type.Object({
  id: Type.Integer({ description: 'The seq of the request in the governance log.' }),
  namespace: Type.String(),
  kind: Type.String({ description: '`erase`, `deprecate-scheme` or `archive-scheme`.' }),
  request: Type.Object({}, { additionalProperties: true }),
  summary: Type.String(),
  requester: Type.String(),
  requestedAt: Type.String(),
  correlationId: Type.String(),
  reason: Nullable(Type.String()),
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]),
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Type.String()),
  decision: Nullable(Type.String()),
});

const ChangeParams = Type.Object({ namespace: NamespaceName, id: Type.Integer({ minimum: 1 }) });
const ChangeListQuery = Type.Object(
  { status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')])) },
  { additionalProperties: false },
);

const GUARANTEES =
  'Two-person rule: only a steward of the namespace (the token’s actor among its stewards) other than the requester decides. ' +
  'Approving carries the change out in the same transaction as the approval, judged again by the policy in force; rejecting writes nothing of it and needs `X-Reason`. ' +
  'Not idempotent by replay: a second decision on the same request is refused (409 STATE_CONFLICT) and writes nothing.';
const DECIDE_ERRORS: readonly ErrorCode[] = ['UNAUTHENTICATED', 'FORBIDDEN', 'CHANGE_NOT_FOUND', 'STATE_CONFLICT', 'POLICY_VIOLATION', 'INVALID_ARGUMENT'];

/** Change requests: writes the policy held for a second steward's approval (breaking changes of protected namespaces, erasures). */
export function changeRoutes(app: HttpApp, { registry }: RouteContext): void {
  const list = operation({
    id: 'listChanges',
    latency: 'page',
    summary: "The namespace's change requests, newest first",
    tag: 'governance',
    guarantees: 'Read-only, safe and idempotent. Requests, approvals and rejections are events of the governance log, so a decided request never changes again.',
    errors: ['UNAUTHENTICATED', 'FORBIDDEN'],
  });
  app.get(
    '/v1/namespaces/:namespace/changes',
    {
      config: { access: 'change.list' },
      schema: { ...list.doc, params: NamespaceParams, querystring: ChangeListQuery, response: { 200: Type.Object({ changes: Type.Array(ChangeRequestSchema) }), ...list.errors } },
    },
    async (request) => {
      const changes = [...(await registry.governance()).changes.values()]
        .filter((change) => change.namespace === request.params.namespace && (request.query.status === undefined || change.status === request.query.status))
        .reverse();
      return { changes };
    },
  );

  const approve = operation({
    id: 'approveChange',
    latency: 'write',
    summary: 'Approve a held change and carry it out',
    tag: 'governance',
    guarantees: GUARANTEES,
    errors: DECIDE_ERRORS,
  });
  app.post(
    '/v1/namespaces/:namespace/changes/:id/approve',
    {
      config: { access: 'change.decide' },
      schema: {
        ...approve.doc,
        params: ChangeParams,
        response: { 200: Type.Object({ change: ChangeRequestSchema, outcome: Type.Object({}, { additionalProperties: true }) }), ...approve.errors },
      },
    },
    async (request) => {
      const { change, outcome } = await registry.approveChange(request.params.id, callContextOf(request), { namespace: request.params.namespace });
      return { change: { ...change, status: 'approved' as const }, outcome: { ...outcome } };
    },
  );

  const reject = operation({
    id: 'rejectChange',
    latency: 'write',
    summary: 'Turn a held change down (the reason goes in X-Reason)',
    tag: 'governance',
    guarantees: GUARANTEES,
    errors: DECIDE_ERRORS,
  });
  app.post(
    '/v1/namespaces/:namespace/changes/:id/reject',
    {
      config: { access: 'change.decide' },
      schema: { ...reject.doc, params: ChangeParams, response: { 200: Type.Object({ change: ChangeRequestSchema }), ...reject.errors } },
    },
    async (request) => {
      const { change } = await registry.rejectChange(request.params.id, callContextOf(request), { namespace: request.params.namespace });
      return { change: { ...change, status: 'rejected' as const } };
    },
  );
}
