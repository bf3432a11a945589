export * from './registry.js';
export * from './requests.js';
export { parseWriteRequest } from './request-shape.js';
export type { Divergence, DivergenceKind, NamespaceVerification, VerifyReport } from './verify.js';
