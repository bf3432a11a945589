import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/program.js';
import { SqliteSource } from '../../src/migrate/source/sqlite-source.js';
import { MANIFESTS, MATRIX_AT, assertExpected, openReportFixture } from './fixtures.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('stableid matrix, calendar and quality', () => {
  let dir: string;
  let db: string;
  const run = async (...argv: string[]): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const err = new PassThrough();
    err.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await runCli(['--db', db, ...argv], { stdout: { write: (text: string) => (stdout += text), isTTY: false }, stderr: err, env: { STABLEID_ACTOR: 'test' } });
    await new Promise((done) => setImmediate(done));
    return { code, stdout, stderr };
  };
  before(async () => {
    const fixture = await openReportFixture();
    db = fixture.path;
    dir = await fixture.release();
    mkdirSync(join(dir, 'manifests'));
    MANIFESTS.forEach((manifest, index) => writeFileSync(join(dir, 'manifests', `${index}.json`), JSON.stringify(manifest)));
    const source = SqliteSource.open(join(dir, 'app.db'));
    const orders = await source.collection('orders');
    await orders.apply([{ kind: 'insert', key: '1', body: {} }, { kind: 'insert', key: '4', body: {} }]);
    await source.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('matrix prints the expected Markdown from manifests in a directory and usage beside the registry', async () => {
    const result = await run('matrix', '--manifest', join(dir, 'manifests'), '--at', MATRIX_AT.toISOString());
    assert.equal(result.code, 0, result.stderr);
    assertExpected('matrix.md', result.stdout);
  });

  it('matrix writes HTML to a file, prints JSON, and declared support only with --no-usage', async () => {
    const out = join(dir, 'matrix.html');
    const html = await run('matrix', '--manifest', join(dir, 'manifests'), '--at', '2025-04-15', '--format', 'html', '--out', out);
    assert.equal(html.code, 0, html.stderr);
    assert.equal(html.stdout, '');
    assert.match(html.stderr, /wrote .*matrix\.html \(html\)/);
    assert.match(readFileSync(out, 'utf8'), /^<!DOCTYPE html>/);
    const json = await run('--json', 'matrix', '--manifest', join(dir, 'manifests', '0.json'), '--namespace', 'order', '--no-usage', '--at', '2025-04-15');
    assert.equal(json.code, 0, json.stderr);
    const matrix = JSON.parse(json.stdout) as { window: unknown; namespaces: { namespace: string; rows: { service: string }[] }[] };
    assert.equal(matrix.window, null);
    assert.deepEqual(matrix.namespaces.map((n) => [n.namespace, n.rows.map((r) => r.service)]), [['order', ['billing']]]);
  });

  it('matrix refuses a bad manifest, a bad format and a bad window, naming what is wrong', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ service: 'x', namespaces: { order: { acepts: ['v1'] } } }));
    const refused = await run('matrix', '--manifest', bad);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /INVALID_ARGUMENT: manifest .*bad\.json: namespaces\.order\.acepts is not a known field/);
    writeFileSync(bad, '{');
    assert.match((await run('matrix', '--manifest', bad)).stderr, /bad\.json is not JSON/);
    assert.equal((await run('matrix', '--manifest', join(dir, 'missing.json'))).code, 2);
    assert.equal((await run('matrix', '--format', 'pdf')).code, 2);
    assert.equal((await run('matrix', '--days', '0')).code, 2);
    assert.equal((await run('--json', 'matrix', '--format', 'html')).code, 2, '--json prints JSON: html needs --out');
    assert.equal((await run('matrix', '--namespace', 'nope')).code, 3);
  });

  it('calendar prints the expected Markdown and writes the expected iCalendar file', async () => {
    const markdown = await run('calendar');
    assert.equal(markdown.code, 0, markdown.stderr);
    assertExpected('calendar.md', markdown.stdout);
    const out = join(dir, 'calendar.ics');
    const ics = await run('calendar', '--format', 'ics', '--out', out, '--uid-domain', 'registry.example.com');
    assert.equal(ics.code, 0, ics.stderr);
    assertExpected('calendar.ics', readFileSync(out, 'utf8'));
    const json = await run('--json', 'calendar', '--namespace', 'sku', '--from', '2025-03-01');
    const events = (JSON.parse(json.stdout) as { events: { namespace: string; date: string }[] }).events;
    assert.ok(events.length > 0 && events.every((e) => e.namespace === 'sku' && e.date >= '2025-03-01'));
    assert.equal((await run('calendar', '--from', 'March')).code, 2);
  });

  it('quality prints the score and failing items, and exits 6 only below --min-score', async () => {
    const source = join(dir, 'app.db');
    const report = await run('quality', '--source', source, '--namespace', 'order');
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /## order: 72\.5 \/ 100/);
    assert.match(report.stdout, /### Bindings whose document is missing \(2\)/);
    const below = await run('--json', 'quality', '--source', source, '--min-score', '80');
    assert.equal(below.code, 6);
    const doc = JSON.parse(below.stdout) as { namespaces: { namespace: string; score: number }[] };
    assert.deepEqual(doc.namespaces.map((n) => [n.namespace, n.score]), [['order', 72.5], ['sku', 70.6]]);
    const human = await run('quality', '--min-score', '80', '--limit', '1');
    assert.equal(human.code, 6);
    assert.match(human.stderr, /quality below --min-score 80: order 76\.5, sku 70\.6/);
    assert.equal((await run('quality', '--min-score', '70')).code, 0);
    assert.equal((await run('quality', '--min-score', '101')).code, 2);
    assert.equal((await run('quality', '--binding-store', 'main')).code, 2, '--binding-store needs --source');
    const out = join(dir, 'quality.json');
    assert.equal((await run('quality', '--format', 'json', '--out', out)).code, 0);
    assert.ok(existsSync(out));
  });
});
