import { Type } from 'typebox';
import type { ErrorCode } from '../../model/errors.js';
import { STAGES, type StageFlag } from '../../model/flags.js';
import { callContextOf } from '../auth.js';
import { READ_GUARANTEES, operation } from '../openapi.js';
import { NamespaceName, NamespaceParams, Nullable, WriteHeaders } from '../schemas.js';
import type { HttpApp, RouteContext } from './route-context.js';

const StageName = Type.Union(
  [Type.Literal('off'), Type.Literal('dualwrite'), Type.Literal('shadow'), Type.Literal('live'), Type.Literal('rampdown'), Type.Literal('complete')],
  { description: `One of ${STAGES.join(', ')}, in that order.` },
);
const Percent = Type.Integer({ minimum: 0, maximum: 100 });
const Consumer = Type.String({ minLength: 1, maxLength: 128, description: 'The consumer (service), URL-encoded; `*` for every consumer without a flag of its own.' });

const StageFlagSchema = Type.Object({
  namespace: Type.String(),
  consumer: Type.String(),
  stage: StageName,
  percent: Type.Integer({ description: 'The share of identifiers (by deterministic bucket of consumer and identifier) in `stage`; the rest are in the stage before it.' }),
  stages: Type.Array(StageName, { description: 'The stages the migration uses, in order.' }),
});
const ExposureFlagSchema = Type.Object({
  namespace: Type.String(),
  scheme: Type.String(),
  consumer: Type.String(),
  percent: Type.Integer({ description: '0 hides the scheme from the consumer, 100 shows it; in between, the identifiers in that share of buckets.' }),
});

const StageParams = Type.Object({ namespace: NamespaceName, consumer: Consumer });
const ExposureParams = Type.Object({ namespace: NamespaceName, scheme: Type.String({ minLength: 1, maxLength: 200 }), consumer: Consumer });
const StageBody = Type.Object(
  {
    stage: StageName,
    percent: Type.Optional({ ...Percent, description: 'Default 100.' }),
    stages: Type.Optional(Type.Array(StageName, { minItems: 2, maxItems: STAGES.length, description: 'Default: those of the flag in force, else all six.' })),
  },
  { additionalProperties: false },
);
const ExposureBody = Type.Object({ percent: Percent }, { additionalProperties: false });

/** A flag as the response schema types it (mutable arrays). */
const stageJson = (flag: StageFlag) => ({ ...flag, stages: [...flag.stages] });

const SET_GUARANTEES =
  'Atomic and idempotent: it appends one event to the governance log or nothing; setting the flag it already has writes nothing and answers `seq: null`. ' +
  "The event records the token's actor, the correlation id and `X-Reason`. A refused request writes nothing.";
const SET_ERRORS: readonly ErrorCode[] = ['UNAUTHENTICATED', 'FORBIDDEN', 'NAMESPACE_NOT_FOUND'];

/** Transition stages and exposure flags of a namespace: read by services and SDKs, set by stewards. */
export function flagRoutes(app: HttpApp, { registry }: RouteContext): void {
  const list = operation({
    id: 'getFlags',
    latency: 'lookup',
    summary: "The namespace's stage flag per consumer and exposure flag per scheme and consumer",
    tag: 'flags',
    guarantees: `${READ_GUARANTEES} Flags are events of the governance log: the answer is the latest of each.`,
    notes: 'A consumer without a flag of its own follows the `*` flag; without either, its stage is `off` and every scheme is shown to it.',
    errors: ['UNAUTHENTICATED', 'FORBIDDEN', 'NAMESPACE_NOT_FOUND'],
  });
  app.get(
    '/v1/namespaces/:namespace/flags',
    {
      // Revalidated on every read: a stage moved back must reach every reader within seconds, not a max-age later.
      config: { cache: 'revalidate', access: 'flag.read' },
      schema: {
        ...list.doc,
        params: NamespaceParams,
        response: { 200: Type.Object({ namespace: Type.String(), stages: Type.Array(StageFlagSchema), exposure: Type.Array(ExposureFlagSchema) }), ...list.errors },
      },
    },
    async (request) => {
      const flags = await registry.flags(request.params.namespace);
      return { ...flags, stages: flags.stages.map(stageJson) };
    },
  );

  const stage = operation({
    id: 'setStage',
    latency: 'write',
    summary: "Set a consumer's transition stage (the reason, needed for a skip or a move back, goes in X-Reason)",
    tag: 'flags',
    guarantees: SET_GUARANTEES,
    notes:
      'Needs the steward role. `move` says how the stage in force for the consumer (its own flag, else `*`’s, else `off`) changed: `same`, `forward` (to the next declared stage), `skip` or `back`. ' +
      'A skip or a move back without `X-Reason` is refused (409 POLICY_VIOLATION, rule stage-order). `stages` must run from off to complete in order.',
    errors: [...SET_ERRORS, 'POLICY_VIOLATION'],
  });
  app.put(
    '/v1/namespaces/:namespace/flags/stage/:consumer',
    {
      config: { access: 'flag.set', idempotent: true },
      schema: {
        ...stage.doc,
        params: StageParams,
        headers: WriteHeaders,
        body: StageBody,
        response: {
          200: Type.Object({
            flag: StageFlagSchema,
            seq: Nullable(Type.Integer({ description: 'The event in the governance log; null when the flag was already so.' })),
            move: Type.Union([Type.Literal('same'), Type.Literal('forward'), Type.Literal('skip'), Type.Literal('back')]),
          }),
          ...stage.errors,
        },
      },
    },
    async (request) => {
      const { namespace, consumer } = request.params;
      const { stage: to, percent, stages } = request.body;
      const outcome = await registry.setStage(
        { namespace, consumer, stage: to, ...(percent === undefined ? {} : { percent }), ...(stages === undefined ? {} : { stages }) },
        callContextOf(request),
      );
      return { ...outcome, flag: stageJson(outcome.flag) };
    },
  );

  const expose = operation({
    id: 'setExposure',
    latency: 'write',
    summary: "Set whether a consumer is shown a scheme's identifiers in resolve and translate",
    tag: 'flags',
    guarantees: SET_GUARANTEES,
    notes:
      'Needs the steward role. Reads name their consumer with `X-Stableid-Caller` (else the token’s actor, else `*`); a consumer not exposed to a scheme for an identifier ' +
      'does not see the entity’s identifier in it, and a translation into it answers 404 TRANSLATION_NOT_FOUND. The value asked for is always answered.',
    errors: [...SET_ERRORS, 'SCHEME_NOT_FOUND'],
  });
  app.put(
    '/v1/namespaces/:namespace/flags/exposure/:scheme/:consumer',
    {
      config: { access: 'flag.set', idempotent: true },
      schema: {
        ...expose.doc,
        params: ExposureParams,
        headers: WriteHeaders,
        body: ExposureBody,
        response: {
          200: Type.Object({ flag: ExposureFlagSchema, seq: Nullable(Type.Integer({ description: 'The event in the governance log; null when the flag was already so.' })) }),
          ...expose.errors,
        },
      },
    },
    async (request) => {
      const { namespace, scheme, consumer } = request.params;
      return registry.setExposure({ namespace, scheme, consumer, percent: request.body.percent }, callContextOf(request));
    },
  );
}
