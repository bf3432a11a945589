export * from './errors.js';
export * from './types.js';
export * from './formats/index.js';
export type { ChainedEvent, EventBodies, EventSecret, EventType, PlacedEvent } from './events.js';
export { hashEvent } from './events.js';
export { canonicalJson, commitValue, GENESIS_HASH } from './hashing.js';
export * from './merkle/index.js';
export * from './proof/index.js';
export * from './flags.js';
