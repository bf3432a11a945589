/**
 * The tables both stores keep, as far as immutability goes: every table but
 * `namespace_heads` (moved by each append) and `identifier_values` (whose rows
 * an erasure deletes) refuses UPDATE and DELETE, in the database itself.
 */
export const APPEND_ONLY_TABLES = [
  'events',
  'namespaces',
  'schemes',
  'scheme_states',
  'entities',
  'identifiers',
  'identifier_states',
  'bindings',
  'erasures',
] as const;
