import { StableIdError } from '../model/errors.js';

/** The columns an import CSV may have, in the order they are documented. */
export const CSV_COLUMNS = [
  'op',
  'namespace',
  'scheme',
  'value',
  'store',
  'collection',
  'key',
  'from_scheme',
  'from_value',
  'identifier_scheme',
  'identifier_value',
  'migration',
  'sunset',
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** Where each known column sits in a row; absent columns are undefined. */
export type CsvLayout = Readonly<Partial<Record<CsvColumn, number>>>;

const isColumn = (name: string): name is CsvColumn => (CSV_COLUMNS as readonly string[]).includes(name);

/**
 * Reads a header row. Names are trimmed; an unknown, empty or repeated name
 * is an IMPORT_FORMAT error that lists the allowed columns.
 */
export function readCsvHeader(cells: readonly string[], line: number): { layout: CsvLayout; width: number } {
  const layout: Partial<Record<CsvColumn, number>> = {};
  cells.forEach((cell, index) => {
    const name = cell.trim();
    if (!isColumn(name)) {
      const what = name === '' ? `column ${index + 1} of the header has no name` : `unknown column ${JSON.stringify(name)}`;
      throw new StableIdError('IMPORT_FORMAT', `line ${line}: ${what}; allowed columns: ${CSV_COLUMNS.join(', ')}`, {
        line,
        column: name,
        allowed: [...CSV_COLUMNS],
      });
    }
    if (layout[name] !== undefined) {
      throw new StableIdError('IMPORT_FORMAT', `line ${line}: column ${JSON.stringify(name)} appears twice in the header`, { line, column: name });
    }
    layout[name] = index;
  });
  return { layout: Object.freeze(layout), width: cells.length };
}

export interface RowDefaults {
  readonly namespace?: string;
  readonly scheme?: string;
}

/**
 * Turns a data row into the object shape `parseWriteRequest` reads, the same
 * shape an NDJSON line has. An empty cell counts as absent, so defaults apply
 * to it; cells are never trimmed. Store, collection and key form the binding:
 * all three or none, else INVALID_ARGUMENT.
 */
export function csvRowToObject(cells: readonly string[], layout: CsvLayout, defaults: RowDefaults): Record<string, unknown> {
  const cell = (column: CsvColumn): string | undefined => {
    const index = layout[column];
    const text = index === undefined ? undefined : cells[index];
    return text === '' ? undefined : text;
  };
  const op = cell('op') ?? 'register';
  const object: Record<string, unknown> = { op, namespace: cell('namespace') ?? defaults.namespace };
  const scheme = cell('scheme') ?? (op === 'register' || op === 'alias' ? defaults.scheme : undefined);
  if (scheme !== undefined) object['scheme'] = scheme;
  const value = cell('value');
  if (value !== undefined) object['value'] = value;

  const store = cell('store');
  const collection = cell('collection');
  const key = cell('key');
  if (store !== undefined && collection !== undefined && key !== undefined) {
    object['binding'] = { store, collection, key };
  } else if (store !== undefined || collection !== undefined || key !== undefined) {
    throw new StableIdError('INVALID_ARGUMENT', 'store, collection and key form the binding: give all three or none', { field: 'binding' });
  }

  const fromScheme = cell('from_scheme');
  const fromValue = cell('from_value');
  if (fromScheme !== undefined || fromValue !== undefined) object['from'] = { scheme: fromScheme, value: fromValue };
  const identifierScheme = cell('identifier_scheme');
  const identifierValue = cell('identifier_value');
  if (identifierScheme !== undefined || identifierValue !== undefined) {
    object['identifier'] = { scheme: identifierScheme, value: identifierValue };
  }
  const migration = cell('migration');
  if (migration !== undefined) object['migration'] = migration;
  const sunset = cell('sunset');
  if (sunset !== undefined) object['sunset'] = sunset;
  return object;
}
