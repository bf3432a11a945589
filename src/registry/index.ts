export * from './registry.js';
export * from './requests.js';
export { parseWriteRequest } from './request-shape.js';
export type { Divergence, DivergenceKind, NamespaceVerification, VerifyReport } from './verify.js';
export { type RegistryDiff, diffRegistries } from './diff.js';
export { type FieldDifference, MappingDigest, type MappingDiff, type MappingDifference, type RangeDigest, diffDigests } from './mapping-digest.js';
export { type Mapping, mappingKey, mappingsOf } from './mappings.js';
export type { CheckpointOutcome, CheckpointVerification, KeptCheckpoint } from './checkpoints.js';
