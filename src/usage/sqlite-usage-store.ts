import { SqliteSideTables } from '../store/sqlite/side-tables.js';
import { REPORT_COLUMNS, TOTALS_SQL, queryDays, reportValues, retentionCutoff, toUsageTotal } from './usage-rows.js';
import { reportDay, reportDigest, reportReused } from './usage-report.js';
import { SQLITE_USAGE_MIGRATIONS } from './usage-schema.js';
import type { RecordOutcome, UsageQuery, UsageReceipt, UsageReport, UsageStore, UsageTotal } from './usage-store.js';

const ADD_COUNT = `INSERT INTO usage_counts (service, caller, namespace, scheme, day, requests, deprecated, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (service, caller, namespace, scheme, day) DO UPDATE SET
    requests = usage_counts.requests + excluded.requests,
    deprecated = usage_counts.deprecated + excluded.deprecated,
    last_seen = max(usage_counts.last_seen, excluded.last_seen)`;

/**
 * The usage store in the registry's SQLite file, on a connection of its own
 * (WAL, so that reports are recorded beside the registry's writes). A report
 * is recorded in one transaction that holds the write lock from its start,
 * so two processes receiving the same report count it once.
 */
export class SqliteUsageStore implements UsageStore {
  readonly description: string;
  readonly #tables: SqliteSideTables;

  private constructor(tables: SqliteSideTables) {
    this.#tables = tables;
    this.description = tables.description;
  }

  /** Opens (creating if needed) the database at `path` (or ':memory:') and brings the usage tables up to date. */
  static open(path: string): SqliteUsageStore {
    return new SqliteUsageStore(SqliteSideTables.open(path, { what: 'usage store', table: 'usage_schema', migrations: SQLITE_USAGE_MIGRATIONS }));
  }

  async record(report: UsageReport, receipt: UsageReceipt): Promise<RecordOutcome> {
    const digest = reportDigest(report);
    const day = reportDay(report);
    return this.#tables.transaction(() => {
      this.#tables.run('DELETE FROM usage_reports WHERE received_at < ?', retentionCutoff(receipt.at));
      const known = this.#tables.get('SELECT digest FROM usage_reports WHERE id = ?', report.id);
      if (known !== undefined) {
        if (known['digest'] !== digest) throw reportReused(report.id);
        return { report: report.id, recorded: false, counts: report.counts.length };
      }
      this.#tables.run(`INSERT INTO usage_reports (${REPORT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`, ...reportValues(report, digest, receipt.at, receipt.actor));
      const add = this.#tables.prepare(ADD_COUNT);
      for (const row of report.counts) add.run(report.service, row.caller, row.namespace, row.scheme, day, row.requests, row.deprecated, report.at);
      return { report: report.id, recorded: true, counts: report.counts.length };
    });
  }

  async totals(query: UsageQuery = {}): Promise<UsageTotal[]> {
    return this.#tables.all(TOTALS_SQL('?', '?'), ...queryDays(query)).map(toUsageTotal);
  }

  async close(): Promise<void> {
    this.#tables.close();
  }
}
