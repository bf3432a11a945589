import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { Finding } from '../registry/policy/judgement.js';
import type { Policy, RuleSetting, Waiver } from '../registry/policy/policy.js';
import { RULES } from '../registry/policy/rules.js';

/** What `stableid check` found: every finding (waived ones included), the rules in force and every waiver of the policy. */
export interface CheckReport {
  /** No error that is not waived. */
  readonly ok: boolean;
  readonly checkedAt: string;
  /** What was checked: the contract, migration modules, the registry. */
  readonly inputs: readonly string[];
  readonly rules: readonly RuleSetting[];
  readonly findings: readonly Finding[];
  /** Listed in every report, each with whether it still holds. */
  readonly waivers: readonly (Waiver & { readonly expired: boolean })[];
}

export function checkReport(policy: Policy, findings: readonly Finding[], inputs: readonly string[], now: string): CheckReport {
  return {
    ok: findings.every((finding) => finding.severity !== 'error' || finding.waiver !== null),
    checkedAt: now,
    inputs,
    rules: [...policy.rules.values()],
    findings,
    waivers: policy.waivers.map((waiver) => ({ ...waiver, expired: waiver.expires <= now })),
  };
}

const subjectText = (finding: Finding): string =>
  [finding.subject.namespace, finding.subject.scheme, finding.subject.identifier].filter(Boolean).join('/') || finding.subject.migration || '';

/** The report for people: one line per finding, waivers at the end. */
export function renderCheck(report: CheckReport): string {
  const lines: string[] = [];
  for (const finding of report.findings) {
    const where = finding.location ? `${finding.location.file}:${finding.location.line}: ` : '';
    const waived = finding.waiver ? ` [waived until ${finding.waiver.expires.slice(0, 10)}: ${finding.waiver.reason}]` : '';
    lines.push(`${where}${finding.severity} ${finding.rule} ${subjectText(finding)}: ${finding.message}${waived}`);
  }
  const errors = report.findings.filter((f) => f.severity === 'error' && f.waiver === null).length;
  const waived = report.findings.filter((f) => f.waiver !== null).length;
  lines.push(
    `${report.ok ? 'ok' : 'FAILED'}: ${report.findings.length} finding(s), ${errors} error(s) not waived, ${waived} waived; ${report.rules.length} rule(s) in force over ${report.inputs.join(', ') || 'nothing'}`,
  );
  for (const waiver of report.waivers) {
    const scope = [waiver.namespace, waiver.scheme, waiver.migration].filter(Boolean).join('/') || 'everything';
    lines.push(`waiver: ${waiver.rule} for ${scope} until ${waiver.expires.slice(0, 10)}${waiver.expired ? ' (EXPIRED)' : ''}: ${waiver.reason}`);
  }
  return lines.join('\n');
}

const LEVEL = { error: 'error', warning: 'warning', note: 'note' } as const;

/** SARIF 2.1.0: one run of the stableid tool, its rules, one result per finding (a waived one suppressed, with the waiver's reason). */
export function toSarif(report: CheckReport, version: string): Log {
  const rules: ReportingDescriptor[] = report.rules.map((rule) => ({
    id: rule.id,
    shortDescription: { text: RULES[rule.id].summary },
    fullDescription: { text: rule.message },
    defaultConfiguration: { level: LEVEL[rule.severity] },
  }));
  const index = new Map(report.rules.map((rule, i) => [rule.id, i]));
  const results: Result[] = report.findings.map((finding) => ({
    ruleId: finding.rule,
    ruleIndex: index.get(finding.rule) ?? -1,
    level: LEVEL[finding.severity],
    message: { text: `${subjectText(finding) ? `${subjectText(finding)}: ` : ''}${finding.message}` },
    ...(finding.location
      ? {
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: finding.location.file },
                region: { startLine: finding.location.line, startColumn: finding.location.column },
              },
            },
          ],
        }
      : {}),
    ...(finding.waiver
      ? { suppressions: [{ kind: 'external' as const, status: 'accepted' as const, justification: `${finding.waiver.reason} (waived until ${finding.waiver.expires.slice(0, 10)})` }] }
      : {}),
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'stableid', version, informationUri: 'https://github.com/stableid/stableid', rules } },
        invocations: [{ executionSuccessful: true, endTimeUtc: report.checkedAt }],
        results,
      },
    ],
  };
}

const escapeXml = (text: string): string =>
  // Characters XML 1.0 cannot hold at all are dropped; the five special ones are escaped.
  text
    .replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

/**
 * JUnit XML (the Jenkins schema): one test suite per rule in force, a
 * passing test case when the rule found nothing, else one failing (or, when
 * waived, skipped) test case per finding.
 */
export function toJunit(report: CheckReport): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  for (const rule of report.rules) {
    const found = report.findings.filter((finding) => finding.rule === rule.id);
    const cases: string[] = [];
    if (found.length === 0) cases.push(`    <testcase name="${escapeXml(rule.id)}" classname="stableid.${escapeXml(rule.id)}"/>`);
    let failed = 0;
    let skipped = 0;
    for (const finding of found) {
      const name = escapeXml(`${subjectText(finding) || rule.id}${finding.location ? ` (${finding.location.file}:${finding.location.line})` : ''}`);
      if (finding.waiver) {
        skipped += 1;
        cases.push(`    <testcase name="${name}" classname="stableid.${escapeXml(rule.id)}">\n      <skipped>${escapeXml(`waived until ${finding.waiver.expires.slice(0, 10)}: ${finding.waiver.reason}`)}</skipped>\n    </testcase>`);
      } else if (finding.severity === 'error') {
        failed += 1;
        cases.push(`    <testcase name="${name}" classname="stableid.${escapeXml(rule.id)}">\n      <failure type="${escapeXml(rule.id)}" message="${escapeXml(finding.message)}">${escapeXml(finding.message)}</failure>\n    </testcase>`);
      } else {
        cases.push(`    <testcase name="${name}" classname="stableid.${escapeXml(rule.id)}">\n      <system-out>${escapeXml(`${finding.severity}: ${finding.message}`)}</system-out>\n    </testcase>`);
      }
    }
    tests += cases.length;
    failures += failed;
    suites.push(
      `  <testsuite name="${escapeXml(rule.id)}" tests="${cases.length}" failures="${failed}" errors="0" skipped="${skipped}" timestamp="${report.checkedAt.replace(/Z$/, '')}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="stableid check" tests="${tests}" failures="${failures}" errors="0">\n${suites.join('\n')}\n</testsuites>\n`;
}
