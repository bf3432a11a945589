import type { Command } from 'commander';
import { gatherCalendar } from '../../reports/gather.js';
import { calendarIcs, calendarMarkdown } from '../../reports/render-calendar.js';
import type { CliContext } from '../cli-context.js';
import { collect, emitReport, reportFormat } from '../report-output.js';

const FORMATS = ['markdown', 'ics', 'json'] as const;

interface CalendarOptions {
  readonly namespace: string[];
  readonly format?: string;
  readonly out?: string;
  readonly from?: string;
  readonly to?: string;
  readonly uidDomain: string;
  readonly name: string;
}

export function addCalendarCommand(program: Command, cli: CliContext): void {
  program
    .command('calendar')
    .description('the migration calendar: deprecations, sunsets, archives and migration waves, as Markdown or iCalendar (.ics)')
    .option('--namespace <name>', 'only this namespace (repeatable; default every namespace)', collect, [])
    .option('--format <format>', `${FORMATS.join(', ')} (default markdown)`)
    .option('--out <file>', 'write the calendar to this file instead of stdout')
    .option('--from <day>', 'only events on or after this day (YYYY-MM-DD)')
    .option('--to <day>', 'only events on or before this day (YYYY-MM-DD)')
    .option('--uid-domain <domain>', 'the domain of event UIDs: give each registry its own', 'stableid')
    .option('--name <text>', 'the calendar name subscribers see', 'stableid migration calendar')
    .addHelpText(
      'after',
      `
Event UIDs are stable: exporting again (e.g. on a schedule, to a URL teams
subscribe to) updates events in place when a sunset moves or a wave finishes.
Waves not yet run are listed as planned (tentative) on the day their run was
last recorded: runs have no schedule.

Examples:
  $ stableid calendar
  $ stableid calendar --format ics --out public/identifiers.ics --uid-domain registry.example.com
  $ stableid calendar --namespace order --from 2025-01-01 --json`,
    )
    .action(async (opts: CalendarOptions) => {
      const format = reportFormat(cli, opts.format, FORMATS, opts.out);
      const calendar = await gatherCalendar({ registry: cli.registry(), runs: cli.runs() }, { namespaces: opts.namespace, ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}) });
      emitReport(cli, {
        format,
        out: opts.out,
        model: calendar,
        render: () => (format === 'ics' ? calendarIcs(calendar, { domain: opts.uidDomain, name: opts.name }) : calendarMarkdown(calendar)),
      });
    });
}
