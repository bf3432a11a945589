import { type Static, Type } from 'typebox';
import { MAPPING_PROOF_FORMAT } from '../model/proof/mapping-proof.js';

/**
 * The JSON schemas of the HTTP API: Fastify validates requests and
 * serialises responses with them, and the OpenAPI document is generated from
 * them, so the three cannot drift apart.
 */

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const Instant = Type.String({ description: 'An ISO 8601 instant.' });
const State = Type.Union([Type.Literal('active'), Type.Literal('deprecated'), Type.Literal('archived')]);

export const NamespaceSchema = Type.Object(
  {
    name: Type.String(),
    owner: Type.String(),
    stewards: Type.Array(Type.String()),
    description: Nullable(Type.String()),
    createdAt: Instant,
  },
  { $id: 'Namespace' },
);

export const SchemeFormatSchema = Type.Object(
  { kind: Type.String({ description: 'typeid, uuidv7, uuid, ulid, integer or pattern; the other members depend on it.' }) },
  { additionalProperties: true, $id: 'SchemeFormat' },
);

export const SchemeSchema = Type.Object(
  {
    namespace: Type.String(),
    name: Type.String(),
    format: Type.Ref('SchemeFormat'),
    state: State,
    sunset: Nullable(Type.String()),
    replacement: Nullable(Type.String({ description: 'The scheme that replaces a deprecated one.' })),
    createdAt: Instant,
  },
  { $id: 'Scheme' },
);

export const IdentifierViewSchema = Type.Object(
  {
    scheme: Type.String(),
    value: Nullable(Type.String({ description: 'null once the value has been erased on request.' })),
    state: State,
    sunset: Nullable(Type.String()),
    createdAt: Instant,
    seq: Type.Integer({ description: "The event that created it; the identifier's id within the namespace." }),
    derivedFrom: Nullable(Type.Object({ scheme: Type.String(), value: Nullable(Type.String()) })),
    migration: Nullable(Type.String()),
  },
  { $id: 'Identifier' },
);

const BindingVersionSchema = Type.Object({
  store: Type.String(),
  collection: Type.String(),
  key: Type.String(),
  version: Type.Integer(),
  seq: Type.Integer(),
  at: Instant,
  migration: Nullable(Type.String()),
});

export const ResolutionSchema = Type.Object(
  {
    namespace: Type.String(),
    entity: Type.String({ description: 'The canonical entity id: never changed, reused or deleted.' }),
    identifier: Type.Ref('Identifier'),
    identifiers: Type.Array(Type.Ref('Identifier'), { description: 'Every identifier of the entity, oldest first.' }),
    binding: Nullable(BindingVersionSchema),
    asOf: Nullable(Instant),
  },
  { $id: 'Resolution' },
);

export const TranslationSchema = Type.Object(
  {
    namespace: Type.String(),
    entity: Type.String(),
    from: Type.Ref('Identifier'),
    to: Type.Ref('Identifier'),
  },
  { $id: 'Translation' },
);

export const DeprecationSchema = Type.Object(
  {
    scheme: Type.String(),
    value: Nullable(Type.String()),
    state: Type.Union([Type.Literal('deprecated'), Type.Literal('archived')]),
    sunset: Nullable(Type.String()),
    replacement: Nullable(Type.String({ description: 'The scheme to move to, when the deprecated scheme names one.' })),
  },
  { $id: 'Deprecation', description: 'The identifier asked for is retired: clients should move to the replacement before the sunset.' },
);

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'The stable error code.' }),
    correlationId: Type.String(),
  },
  {
    $id: 'Problem',
    additionalProperties: true,
    description: "An RFC 9457 problem document (application/problem+json); the error's context (namespace, scheme, value, rule, field, …) is added as members.",
  },
);

export const LineageSchema = Type.Object({
  namespace: Type.String(),
  entity: Type.String(),
  identifier: Type.Ref('Identifier'),
  lineage: Type.Array(Type.Ref('Identifier'), { description: 'Every identifier of the entity, oldest first, each with derivedFrom and migration.' }),
  asOf: Nullable(Instant),
});

export const EventSchema = Type.Object({
  namespace: Type.String(),
  seq: Type.Integer(),
  at: Instant,
  type: Type.String(),
  actor: Type.String(),
  correlationId: Type.String(),
  reason: Nullable(Type.String()),
  body: Type.Object({}, { additionalProperties: true }),
  prevHash: Type.String(),
  hash: Type.String(),
});

export const HistorySchema = Type.Object({
  events: Type.Array(EventSchema),
  next: Nullable(Type.Integer({ description: 'Pass as `after` for the next page; null on the last page.' })),
});

const NodeHash = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'A SHA-256 node hash of the Merkle tree, 64 lowercase hex digits.' });

export const MappingProofSchema = Type.Object(
  {
    format: Type.Literal(MAPPING_PROOF_FORMAT),
    checkpoint: Type.String({ description: "The signed checkpoint note the proofs are against (the namespace's latest), as `stableid checkpoint` writes it." }),
    resolution: Type.Ref('Resolution'),
    events: Type.Array(
      Type.Object({
        event: EventSchema,
        path: Type.Array(NodeHash, { description: "The event's inclusion proof as leaf seq − 1 of the checkpoint's tree, nearest sibling first." }),
      }),
      { description: 'Every event the resolution rests on, oldest first.' },
    ),
    salts: Type.Record(Type.String(), Type.String(), { description: "The salt of each identifier value shown, by the identifier's seq: it opens the value commitment in the identifier's event." }),
  },
  {
    $id: 'MappingProof',
    description:
      "A resolution with the proof that the registry's signed log holds it, verifiable offline with the registry's public key " +
      '(`stableid verify --proof <file> --public-key <file>`, or `verifyMappingProof`). It proves each fact shown was recorded in the log as of the checkpoint, ' +
      'not that no later event changed it.',
  },
);

export const WriteOutcomeSchema = Type.Object(
  {
    op: Type.String(),
    namespace: Type.String(),
    entity: Type.String(),
    scheme: Type.String(),
    value: Nullable(Type.String()),
    identifier: Type.Integer({ description: "The identifier's seq: its id within the namespace." }),
    changed: Type.Boolean({ description: 'False when the request repeated one already carried out: nothing was written.' }),
    seq: Nullable(Type.Integer({ description: 'The event written, or null.' })),
    pending: Type.Optional(Type.Integer({ description: "Present when the policy held the write for a steward's approval: the change request's id. Nothing else was written." })),
  },
  { $id: 'WriteOutcome' },
);

/** The schemas that responses refer to by $ref; registered once with app.addSchema. */
export const SHARED_SCHEMAS = [
  NamespaceSchema,
  SchemeFormatSchema,
  SchemeSchema,
  IdentifierViewSchema,
  ResolutionSchema,
  TranslationSchema,
  DeprecationSchema,
  ProblemSchema,
  WriteOutcomeSchema,
  MappingProofSchema,
];

// ── request parts ───────────────────────────────────────────────────────

export const NamespaceName = Type.String({ minLength: 1, maxLength: 200 });
const Value = Type.String({ minLength: 1, maxLength: 1024, description: 'The identifier value, URL-encoded.' });
const SchemeName = Type.String({ minLength: 1, maxLength: 200 });
const AsOf = Type.String({ minLength: 1, maxLength: 64, description: 'Answer with what was true at this ISO 8601 instant.' });

export const NamespaceParams = Type.Object({ namespace: NamespaceName });
export const IdentifierParams = Type.Object({ namespace: NamespaceName, value: Value });
export const TranslationParams = Type.Object({
  namespace: NamespaceName,
  value: Value,
  to: Type.String({ minLength: 1, maxLength: 200, description: 'The scheme to translate into.' }),
});

export const ReadQuery = Type.Object(
  {
    scheme: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The scheme of the value (default: every scheme whose format accepts it).' })),
    asOf: Type.Optional(AsOf),
  },
  { additionalProperties: false },
);

export const HistoryQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'Start after this seq (default 0).' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'At most this many events (default 100).' })),
  },
  { additionalProperties: false },
);

const IdentifierRefSchema = Type.Object(
  { scheme: Type.Optional(SchemeName), value: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

export const resolveBatchBody = (limit: number) =>
  Type.Object(
    {
      identifiers: Type.Array(IdentifierRefSchema, { minItems: 1, maxItems: limit }),
      asOf: Type.Optional(AsOf),
    },
    { additionalProperties: false },
  );

export const translateBatchBody = (limit: number) =>
  Type.Object(
    {
      to: SchemeName,
      identifiers: Type.Array(IdentifierRefSchema, { minItems: 1, maxItems: limit }),
      asOf: Type.Optional(AsOf),
    },
    { additionalProperties: false },
  );

const failedItem = Type.Object({ ok: Type.Literal(false), error: Type.Ref('Problem') });

export const ResolveBatchResponse = Type.Object({
  results: Type.Array(
    Type.Union([Type.Object({ ok: Type.Literal(true), result: Type.Ref('Resolution'), deprecation: Nullable(Type.Ref('Deprecation')) }), failedItem]),
    { description: 'One per identifier, in the order asked.' },
  ),
});

export const TranslateBatchResponse = Type.Object({
  results: Type.Array(
    Type.Union([Type.Object({ ok: Type.Literal(true), result: Type.Ref('Translation'), deprecation: Nullable(Type.Ref('Deprecation')) }), failedItem]),
    { description: 'One per identifier, in the order asked.' },
  ),
});

export type DeprecationNotice = Static<typeof DeprecationSchema>;

// ── writes ──────────────────────────────────────────────────────────────

const BindingSchema = Type.Object(
  { store: Type.String({ minLength: 1, maxLength: 200 }), collection: Type.String({ minLength: 1, maxLength: 200 }), key: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false, description: "Where the entity's record lives." },
);
const Migration = Type.String({ minLength: 1, maxLength: 200, description: 'The migration the write belongs to, recorded as lineage.' });
const Sunset = Type.String({ minLength: 1, maxLength: 64, description: 'ISO 8601 date or date-time after which clients must have moved on.' });

/** The headers a write reads; others are ignored. */
export const WriteHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Retries with the same key and body get the first answer again (`Idempotent-Replayed: true`), for 24 h.' })),
  'x-reason': Type.Optional(Type.String({ maxLength: 500, description: 'Why: recorded on the events written.' })),
});

export const WriteQuery = Type.Object(
  { scheme: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The scheme of the identifier in the path (default: every scheme whose format accepts it).' })) },
  { additionalProperties: false },
);

export const RegisterBody = Type.Object({ scheme: SchemeName, value: Type.String({ minLength: 1, maxLength: 1024 }), binding: Type.Optional(Nullable(BindingSchema)) }, { additionalProperties: false });
export const AliasBody = Type.Object({ scheme: SchemeName, value: Type.String({ minLength: 1, maxLength: 1024 }), migration: Type.Optional(Nullable(Migration)) }, { additionalProperties: false });
export const RebindBody = Type.Object(
  { store: BindingSchema.properties.store, collection: BindingSchema.properties.collection, key: BindingSchema.properties.key, migration: Type.Optional(Nullable(Migration)) },
  { additionalProperties: false },
);
export const DeprecationBody = Type.Object({ sunset: Sunset }, { additionalProperties: false });

const ItemRef = Type.Object({ scheme: Type.Optional(SchemeName), value: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });
export const ImportItem = Type.Union([
  Type.Object({ op: Type.Literal('register'), scheme: SchemeName, value: Type.String({ minLength: 1, maxLength: 1024 }), binding: Type.Optional(Nullable(BindingSchema)) }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('alias'), from: ItemRef, scheme: SchemeName, value: Type.String({ minLength: 1, maxLength: 1024 }), migration: Type.Optional(Nullable(Migration)) }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('rebind'), identifier: ItemRef, binding: BindingSchema, migration: Type.Optional(Nullable(Migration)) }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('deprecate'), identifier: ItemRef, sunset: Sunset }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('archive'), identifier: ItemRef }, { additionalProperties: false }),
]);

export const importBody = (limit: number) =>
  Type.Object(
    {
      items: Type.Array(ImportItem, { minItems: 1, maxItems: limit }),
      continueOnError: Type.Optional(Type.Boolean({ description: 'Write the items that succeed and report the others (default false: all or nothing).' })),
    },
    { additionalProperties: false },
  );

export const ImportReportSchema = Type.Object({
  total: Type.Integer(),
  written: Type.Integer(),
  unchanged: Type.Integer(),
  failed: Type.Integer(),
  failures: Type.Array(Type.Object({ index: Type.Integer(), error: Type.Ref('Problem') })),
  outcomes: Type.Array(Type.Ref('WriteOutcome')),
  correlationId: Type.String(),
});
