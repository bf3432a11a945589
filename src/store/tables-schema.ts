/**
 * The tables a component keeps beside the registry's (run records, API
 * tokens): forward-only migrations recorded in a table of the component's
 * own, so that each component upgrades on its own schedule.
 */
export interface TablesMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export interface TablesSchema {
  /** What the tables are, in messages: "run store", "token store". */
  readonly what: string;
  /** The table recording which migrations are applied, e.g. `migration_schema`. */
  readonly table: string;
  readonly migrations: readonly TablesMigration[];
}
