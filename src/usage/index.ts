export type { RecordOutcome, UsageCount, UsageQuery, UsageReceipt, UsageReport, UsageStore, UsageTotal } from './usage-store.js';
export { REPORT_ID_RETENTION_DAYS } from './usage-store.js';
export { DEFAULT_MAX_USAGE_ROWS, MAX_REPORT_AGE_DAYS, parseUsageReport } from './usage-report.js';
export { SqliteUsageStore } from './sqlite-usage-store.js';
export { PostgresUsageStore, type PostgresUsageStoreOptions } from './postgres-usage-store.js';
export { openUsageStore } from './open-usage-store.js';
