import { StableIdError } from '../model/errors.js';

/**
 * An iCalendar (RFC 5545) writer for all-day events: just what a
 * subscribable calendar needs. Pure. Lines end in CRLF and are folded at 75
 * octets, never inside a UTF-8 character; text is escaped (`\`, `;`, `,`,
 * line breaks).
 */

export interface AllDayEvent {
  /** Unique within the domain and stable across exports. */
  readonly uid: string;
  /** YYYY-MM-DD. */
  readonly date: string;
  readonly summary: string;
  readonly description: string;
  /** When what the event says was last recorded (an ISO instant): its DTSTAMP. */
  readonly recordedAt: string;
  readonly tentative: boolean;
  readonly categories: readonly string[];
}

export interface CalendarOptions {
  /** Shown by calendar applications as the calendar's name (X-WR-CALNAME). */
  readonly name: string;
  /** Appended to every UID (`<uid>@<domain>`), so that two registries' calendars never collide. */
  readonly domain: string;
}

const CRLF = '\r\n';
const MAX_OCTETS = 75;

/** A TEXT value: backslash, semicolon, comma and line breaks escaped (RFC 5545 §3.3.11). */
export function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
}

/** One content line folded at 75 octets: continuation lines start with a space (RFC 5545 §3.1). */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    // Every line after the first carries the leading space in its 75 octets.
    const limit = parts.length === 0 ? MAX_OCTETS : MAX_OCTETS - 1;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join(`${CRLF} `);
}

/** 2025-01-31 → 20250131, checked. */
function dateValue(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new StableIdError('INVALID_ARGUMENT', `an event date must be YYYY-MM-DD, got ${JSON.stringify(date)}`, { field: 'date' });
  }
  return date.replaceAll('-', '');
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}

/** An ISO instant as a UTC DATE-TIME: 20250131T120000Z. */
function dateTimeValue(instant: string): string {
  const time = Date.parse(instant);
  if (Number.isNaN(time)) throw new StableIdError('INVALID_ARGUMENT', `an event time must be an ISO instant, got ${JSON.stringify(instant)}`, { field: 'recordedAt' });
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** The calendar as an iCalendar object, events in the order given. */
export function toICalendar(events: readonly AllDayEvent[], options: CalendarOptions): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//stableid//migration calendar//EN', 'CALSCALE:GREGORIAN', `X-WR-CALNAME:${escapeText(options.name)}`];
  for (const event of events) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${escapeText(`${event.uid}@${options.domain}`)}`,
      `DTSTAMP:${dateTimeValue(event.recordedAt)}`,
      `DTSTART;VALUE=DATE:${dateValue(event.date)}`,
      `DTEND;VALUE=DATE:${dateValue(nextDay(event.date))}`,
      `SUMMARY:${escapeText(event.summary)}`,
      `DESCRIPTION:${escapeText(event.description)}`,
      ...(event.categories.length > 0 ? [`CATEGORIES:${event.categories.map(escapeText).join(',')}`] : []),
      `STATUS:${event.tentative ? 'TENTATIVE' : 'CONFIRMED'}`,
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join(CRLF) + CRLF;
}
