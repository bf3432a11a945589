import { type PostgresTarget, parsePostgresUrl } from '../store/postgres/pg-url.js';
import { PostgresSideTables } from '../store/postgres/side-tables.js';
import { REPORT_COLUMNS, TOTALS_SQL, queryDays, reportValues, retentionCutoff, toUsageTotal } from './usage-rows.js';
import { reportDay, reportDigest, reportReused } from './usage-report.js';
import { POSTGRES_USAGE_MIGRATIONS } from './usage-schema.js';
import type { RecordOutcome, UsageQuery, UsageReceipt, UsageReport, UsageStore, UsageTotal } from './usage-store.js';

export interface PostgresUsageStoreOptions {
  /** The schema holding the usage tables (the registry's); overrides `?schema=` of the URL. Default `stableid`. */
  readonly schema?: string;
}

const POOL_SIZE = 2;

/**
 * Records the report and adds its rows in one statement, so that both or
 * neither happen: the rows are added only when the report's id was new. A
 * racing insert of the same id waits for the first one to commit and then
 * finds it, so a report received twice at once counts once.
 */
const RECORD = `WITH report AS (
    INSERT INTO usage_reports (${REPORT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (id) DO NOTHING RETURNING id
  ), counted AS (
    INSERT INTO usage_counts AS u (service, caller, namespace, scheme, day, requests, deprecated, last_seen)
    SELECT $2, c.caller, c.namespace, c.scheme, $8, c.requests, c.deprecated, $5
      FROM unnest($9::text[], $10::text[], $11::text[], $12::bigint[], $13::bigint[]) AS c(namespace, scheme, caller, requests, deprecated)
      WHERE EXISTS (SELECT 1 FROM report)
    ON CONFLICT (service, caller, namespace, scheme, day) DO UPDATE SET
      requests = u.requests + EXCLUDED.requests,
      deprecated = u.deprecated + EXCLUDED.deprecated,
      last_seen = GREATEST(u.last_seen, EXCLUDED.last_seen)
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM report) AS recorded`;

/**
 * The usage store in the registry's PostgreSQL schema, on a small pool of
 * its own. Tables are created on first use; recording a report is one
 * statement, so any number of service replicas may share the tables.
 */
export class PostgresUsageStore implements UsageStore {
  readonly description: string;
  readonly #tables: PostgresSideTables;

  private constructor(target: PostgresTarget) {
    this.description = target.description;
    this.#tables = new PostgresSideTables(target, { what: 'usage store', table: 'usage_schema', migrations: POSTGRES_USAGE_MIGRATIONS }, { poolSize: POOL_SIZE, statementPrefix: 'stableid_usage' });
  }

  /** A usage store for `postgres://…` (or `postgresql://…`); connects and creates its tables on first use. */
  static open(url: string, options: PostgresUsageStoreOptions = {}): PostgresUsageStore {
    return new PostgresUsageStore(parsePostgresUrl(url, options.schema));
  }

  /** The schema the tables live in. */
  get schema(): string {
    return this.#tables.target.schema;
  }

  async record(report: UsageReport, receipt: UsageReceipt): Promise<RecordOutcome> {
    const digest = reportDigest(report);
    await this.#tables.query('DELETE FROM usage_reports WHERE received_at < $1', [retentionCutoff(receipt.at)]);
    const rows = report.counts;
    const [result] = await this.#tables.query(RECORD, [
      ...reportValues(report, digest, receipt.at, receipt.actor),
      reportDay(report),
      rows.map((row) => row.namespace),
      rows.map((row) => row.scheme),
      rows.map((row) => row.caller),
      rows.map((row) => row.requests),
      rows.map((row) => row.deprecated),
    ]);
    if (Number(result?.['recorded']) === 1) return { report: report.id, recorded: true, counts: rows.length };
    const [known] = await this.#tables.query('SELECT digest FROM usage_reports WHERE id = $1', [report.id]);
    if (known !== undefined && known['digest'] !== digest) throw reportReused(report.id);
    return { report: report.id, recorded: false, counts: rows.length };
  }

  async totals(query: UsageQuery = {}): Promise<UsageTotal[]> {
    return (await this.#tables.query(TOTALS_SQL('$1', '$2'), queryDays(query))).map(toUsageTotal);
  }

  async close(): Promise<void> {
    await this.#tables.close();
  }
}
