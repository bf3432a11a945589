import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { Registry } from '../../registry/registry.js';

/** The Fastify instance of the service, typed from its TypeBox schemas. */
export type HttpApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** What route modules share: the registry they call, and the app's limits. */
export interface RouteContext {
  readonly registry: Registry;
  /** The most identifiers one batch request may name. */
  readonly batchLimit: number;
}
