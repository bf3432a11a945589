export { ANONYMOUS_CALLER, CALLER_HEADER, type ShimOptions, type ShimRequest, type ShimRequestHead, StableIdShim } from './stable-id-shim.js';
export type { ShimExchange, ShimIdentifier } from './shim-exchange.js';
export {
  type CompiledShimRoute,
  type IdentifierLocation,
  type IdentifierSource,
  type ResponseLocation,
  type ShimRoute,
  compileShimRoute,
} from './shim-route.js';
export type { TranslatedAnswer, TranslatedItem, TranslationInput, Translator } from './translator.js';
export { OTHER_CALLER, UsageCounter, type UsageCounterOptions, type UsageRow } from './usage-counter.js';
export { deprecationHeaders } from './deprecation-headers.js';
export { type ProblemAnswer, problemAnswer } from './problem.js';
export { DEFAULT_BODY_LIMIT } from './json-body.js';
export { type FastifyShimHooks, fastifyShimHooks, registerFastifyShim } from './fastify.js';
export { type ExpressShimMiddleware, type ExpressShimOptions, type ExpressShimRequest, expressShim } from './express.js';
export { type NodeHttpShimOptions, type NodeHttpShimRoute, type ShimmedHandler, type ShimmedRequest, nodeHttpShim } from './node-http.js';
export { ENTITY_HEADER } from './entity-header.js';
