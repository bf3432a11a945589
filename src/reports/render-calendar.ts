import type { MigrationCalendar } from './migration-calendar.js';
import { toICalendar } from './icalendar.js';
import { markdownTable } from './text-formats.js';

/** The migration calendar as Markdown and as iCalendar. Pure. */

export function calendarMarkdown(calendar: MigrationCalendar): string {
  const out = ['# Migration calendar', ''];
  if (calendar.events.length === 0) {
    out.push('Nothing deprecated, archived or migrated yet.');
  } else {
    const rows = calendar.events.map((event) => [event.date, event.summary, event.kind, event.description]);
    out.push(markdownTable(['date', 'event', 'kind', 'details'], rows));
  }
  return `${out.join('\n')}\n`;
}

export interface CalendarIcsOptions {
  /** The calendar's name in calendar applications (default "stableid migration calendar"). */
  readonly name?: string;
  /** The UID domain (default "stableid"); give each registry its own, e.g. "prod.registry.example.com". */
  readonly domain?: string;
}

export function calendarIcs(calendar: MigrationCalendar, options: CalendarIcsOptions = {}): string {
  return toICalendar(
    calendar.events.map((event) => ({ ...event, categories: [event.kind] })),
    { name: options.name ?? 'stableid migration calendar', domain: options.domain ?? 'stableid' },
  );
}
