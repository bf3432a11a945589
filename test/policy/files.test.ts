import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StableIdError } from '../../src/model/errors.js';
import { ORDER_CONTRACT, contractOf, policyOf } from './fixtures.js';

/** The message of the INVALID_ARGUMENT a malformed file gives. */
function refusal(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    assert.ok(error instanceof StableIdError && error.code === 'INVALID_ARGUMENT', String(error));
    return error.message;
  }
  assert.fail('the file was accepted');
}

describe('contract and policy files', () => {
  it('reads a contract in YAML or JSON alike', () => {
    const yaml = contractOf(ORDER_CONTRACT);
    const json = contractOf(JSON.stringify({ contract: '1.0.0', namespaces: { order: { owner: 'orders-team', stewards: ['alice', 'bob'], protected: true, schemes: { v2: { format: { kind: 'typeid', prefix: 'ord' }, primary: true } } } } }));
    assert.deepEqual([yaml.version, yaml.namespaces[0]?.schemes.map((s) => s.name), yaml.namespaces[0]?.hooks.sunset], ['1.0.0', ['v1', 'v2'], [{ webhook: 'https://hooks.example/sunset' }]]);
    assert.deepEqual([json.namespaces[0]?.schemes[0]?.primary, json.namespaces[0]?.schemes[0]?.exposure], [true, 'open']);
  });

  it('names the file, line and field of what is wrong', () => {
    assert.match(refusal(() => contractOf('contract: 1.0\nnamespaces: {}\n')), /^contract\.yaml:1: contract: must be a semantic version/);
    assert.match(refusal(() => contractOf(ORDER_CONTRACT.replace('exposure: flagged\n      v2', 'exposure: flagged\n        state: deprecated\n      v2'))), /contract\.yaml:\d+: namespaces\.order\.schemes\.v1\.sunset: a deprecated scheme needs a sunset date/);
    assert.match(refusal(() => contractOf(ORDER_CONTRACT.replace('protected: true', 'protected: true\n    colour: blue'))), /namespaces\.order\.colour: is not a known key here/);
    assert.match(refusal(() => contractOf(ORDER_CONTRACT.replace("prefix: ord }", "prefix: 'ORD' }"))), /namespaces\.order\.schemes\.v2\.format:/);
    assert.match(refusal(() => contractOf('contract: 1.0.0\nnamespaces: [\n')), /^contract\.yaml:\d+:\d+: /);
    assert.match(refusal(() => policyOf('rules:\n  - id: no-such-rule\n')), /^policy\.yaml:2: rules\[0\]\.id: names no rule/);
    assert.match(refusal(() => policyOf('waivers:\n  - rule: naming\n    expires: 2026-01-01\n')), /waivers\[0\]\.reason: must be a non-empty string/);
    assert.match(refusal(() => policyOf('rules:\n  - id: naming\n    scheme: "(["\n')), /rules\[0\]\.scheme: must be a valid regular expression/);
  });

  it('keeps the rules that are always on, whatever the policy file says', () => {
    const policy = policyOf('rules: []');
    assert.deepEqual([...policy.rules.keys()].sort(), ['erasure-approval', 'lifecycle-order', 'namespace-immutable', 'no-removal', 'stage-order']);
  });
});
