import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { parseContract } from '../../src/policy/contract.js';
import type { Contract } from '../../src/policy/contract.js';
import { parsePolicy } from '../../src/policy/policy-file.js';
import { SourceFile } from '../../src/policy/source-file.js';
import type { HookPayload, HookRunner } from '../../src/registry/lifecycle-hooks.js';
import type { Policy } from '../../src/registry/policy/policy.js';
import { Registry } from '../../src/registry/registry.js';
import { TestClock } from '../registry/fixtures.js';

export const DAY = 86_400_000;

/** A policy from YAML text, as if read from `policy.yaml`. */
export const policyOf = (text: string): Policy => parsePolicy(SourceFile.parse('policy.yaml', text));

/** A contract from YAML text, as if read from `contract.yaml`. */
export const contractOf = (text: string): Contract => parseContract(SourceFile.parse('contract.yaml', text));

/** Every rule on, with small windows: what most tests judge by. */
export const STRICT_POLICY = `
rules:
  - id: deprecation-window
    days: 30
  - id: identifier-min-active
    days: 7
  - id: naming
    namespace: '^[a-z]+$'
    scheme: '^v[0-9]+$'
  - id: exposure-flag
  - id: format-immutable
  - id: breaking-change
  - id: migration-records-mapping
  - id: migration-rollback
  - id: migration-rate
  - id: migration-pure
`;

export const ORDER_CONTRACT = `
contract: 1.0.0
namespaces:
  order:
    owner: orders-team
    stewards: [alice, bob]
    protected: true
    schemes:
      v1:
        format: { kind: pattern, pattern: 'ORD-\\d{6}', maxLength: 10 }
        exposure: flagged
      v2:
        format: { kind: typeid, prefix: ord }
        primary: true
        exposure: flagged
    hooks:
      deprecate: [{ command: 'notify deprecate' }]
      sunset: [{ webhook: 'https://hooks.example/sunset' }]
      archive: [{ command: 'notify archive' }]
`;

export interface GovernedRegistry {
  readonly registry: Registry;
  readonly clock: TestClock;
  /** Every hook run, in order. */
  readonly hooks: { hook: string; payload: HookPayload }[];
  close(): Promise<void>;
}

/** A registry in memory acting as `alice`, its clock by hand, its hooks recorded (and failing when the command says `fail`). */
export function governedRegistry(): GovernedRegistry {
  const clock = new TestClock();
  const hooks: GovernedRegistry['hooks'] = [];
  const hookRunner: HookRunner = async (hook, payload) => {
    const name = String(hook['command'] ?? hook['webhook']);
    hooks.push({ hook: name, payload });
    return name.includes('fail') ? { ok: false, detail: 'exit 1' } : { ok: true, detail: 'exit 0' };
  };
  let counter = 0;
  const registry = new Registry(SqliteStore.open(':memory:'), {
    clock: clock.read,
    actor: 'alice',
    hookRunner,
    newEntityId: () => `ent_${String((counter += 1)).padStart(6, '0')}`,
  });
  return { registry, clock, hooks, close: () => registry.close() };
}
