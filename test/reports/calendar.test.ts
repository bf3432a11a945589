import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gatherCalendar } from '../../src/reports/gather.js';
import { escapeText, foldLine, toICalendar } from '../../src/reports/icalendar.js';
import type { MigrationCalendar } from '../../src/reports/migration-calendar.js';
import { calendarIcs, calendarMarkdown } from '../../src/reports/render-calendar.js';
import { ORDER } from '../registry/fixtures.js';
import { type ReportFixture, assertExpected, openReportFixture } from './fixtures.js';

describe('migration calendar', () => {
  let fixture: ReportFixture;
  let calendar: MigrationCalendar;
  before(async () => {
    fixture = await openReportFixture();
    calendar = await gatherCalendar({ registry: fixture.registry, runs: fixture.runs });
  });
  after(async () => fixture.close());

  it('renders the fixture registry as the expected Markdown and iCalendar', () => {
    assertExpected('calendar.md', calendarMarkdown(calendar));
    assertExpected('calendar.ics', calendarIcs(calendar, { domain: 'registry.example.com' }));
  });

  it('lists scheme and identifier lifecycles and every stage of the runs, in date order', () => {
    const kinds = calendar.events.map((event) => `${event.date} ${event.kind} ${event.uid}`);
    assert.deepEqual(kinds, [...kinds].sort((a, b) => (a.slice(0, 10) < b.slice(0, 10) ? -1 : a.slice(0, 10) > b.slice(0, 10) ? 1 : 0)));
    const uids = calendar.events.map((event) => event.uid);
    assert.equal(new Set(uids).size, uids.length, 'UIDs are unique');
    for (const uid of [
      'scheme-deprecated/order/v1',
      'scheme-sunset/order/v1',
      'scheme-deprecated/order/v3',
      'scheme-archived/order/v3',
      'identifiers-deprecated/order/v1/2025-01-11',
      'identifiers-sunset/order/v1/2025-04-30',
      'identifiers-archived/order/v1/2025-02-20',
      'wave/run_0001/1',
      'wave/run_0001/2',
      'wave/run_0002/1',
      'wave/run_0002/2',
      'waves-planned/run_0002',
      'wave/run_0003/1',
      'waves-planned/run_0003',
      'waves-planned/run_0004',
    ]) {
      assert.ok(uids.includes(uid), uid);
    }
    assert.ok(!uids.includes('scheme-sunset/order/v3'), 'an archived scheme has no sunset left');
    const byUid = new Map(calendar.events.map((event) => [event.uid, event]));
    assert.equal(byUid.get('wave/run_0002/2')?.kind, 'wave-under-way');
    assert.equal(byUid.get('wave/run_0003/1')?.kind, 'wave-failed');
    assert.equal(byUid.get('waves-planned/run_0002')?.tentative, true);
    assert.match(byUid.get('waves-planned/run_0002')?.summary ?? '', /waves 3–4\/4 \(50%, 100%\) planned/);
    assert.equal(byUid.get('scheme-sunset/order/v1')?.date, '2025-03-31');
  });

  it('keeps UIDs when a sunset moves, so subscribers see the event move', async () => {
    const before = calendarIcs(await gatherCalendar({ registry: fixture.registry, runs: fixture.runs }));
    assert.equal(before, calendarIcs(calendar), 'the same registry exports the same file');
    await fixture.registry.deprecateScheme(ORDER, 'v1', '2025-05-31', 'v2');
    const moved = await gatherCalendar({ registry: fixture.registry, runs: fixture.runs });
    const sunsets = moved.events.filter((event) => event.uid === 'scheme-sunset/order/v1');
    assert.deepEqual(sunsets.map((event) => event.date), ['2025-05-31']);
    assert.ok(moved.events.filter((event) => event.uid === 'scheme-deprecated/order/v1').every((event) => event.date === '2025-01-31'), 'deprecated on its first deprecation');
  });

  it('filters by namespace and by days', async () => {
    const sku = await gatherCalendar({ registry: fixture.registry, runs: fixture.runs }, { namespaces: ['sku'] });
    assert.ok(sku.events.length > 0 && sku.events.every((event) => event.namespace === 'sku'));
    const march = await gatherCalendar({ registry: fixture.registry, runs: fixture.runs }, { from: '2025-03-01', to: '2025-03-31' });
    assert.ok(march.events.length > 0 && march.events.every((event) => event.date >= '2025-03-01' && event.date <= '2025-03-31'));
    await assert.rejects(gatherCalendar({ registry: fixture.registry }, { from: '2025-3-1' }), (error: { code?: string }) => error.code === 'INVALID_ARGUMENT');
  });
});

describe('iCalendar writer', () => {
  it('escapes backslashes, semicolons, commas and line breaks', () => {
    assert.equal(escapeText('a\\b;c,d\ne\r\nf: g'), 'a\\\\b\\;c\\,d\\ne\\nf: g');
  });

  it('folds lines at 75 octets without splitting a UTF-8 character', () => {
    const line = `SUMMARY:${'é'.repeat(100)}`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    assert.ok(parts.length > 1);
    for (const part of parts) assert.ok(Buffer.byteLength(part, 'utf8') <= 75, `${Buffer.byteLength(part, 'utf8')} octets`);
    for (const part of parts.slice(1)) assert.ok(part.startsWith(' '));
    assert.equal(parts.map((part, i) => (i === 0 ? part : part.slice(1))).join(''), line, 'unfolding gives the line back');
    assert.equal(foldLine('SHORT:1'), 'SHORT:1');
    assert.equal(foldLine('X'.repeat(75)), 'X'.repeat(75));
  });

  it('writes all-day events with CRLF line endings, DTSTAMP, DTEND the next day and the domain in UIDs', () => {
    const text = toICalendar([{ uid: 'x/1', date: '2024-12-31', summary: 'a, b; c', description: 'line 1\nline 2', recordedAt: '2024-12-01T10:11:12.345Z', tentative: true, categories: ['k'] }], { name: 'n', domain: 'd.example' });
    assert.ok(text.endsWith('\r\n'));
    assert.equal(text.replace(/\r\n/g, '').includes('\n'), false, 'no bare LF');
    const lines = text.split('\r\n');
    for (const expected of ['BEGIN:VCALENDAR', 'VERSION:2.0', 'UID:x/1@d.example', 'DTSTAMP:20241201T101112Z', 'DTSTART;VALUE=DATE:20241231', 'DTEND;VALUE=DATE:20250101', 'SUMMARY:a\\, b\\; c', 'DESCRIPTION:line 1\\nline 2', 'STATUS:TENTATIVE', 'END:VCALENDAR']) {
      assert.ok(lines.includes(expected), expected);
    }
    assert.throws(() => toICalendar([{ uid: 'x', date: '2024-13-01', summary: '', description: '', recordedAt: '2024-01-01T00:00:00Z', tentative: false, categories: [] }], { name: 'n', domain: 'd' }));
  });
});
