import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { type CsvError, type InfoRecord, type Options as CsvOptions, parse } from 'csv-parse';
import { StableIdError } from '../model/errors.js';
import type { BatchItem } from '../registry/registry.js';
import { parseWriteRequest } from '../registry/request-shape.js';
import { type CsvLayout, type RowDefaults, csvRowToObject, readCsvHeader } from './csv-columns.js';
import { openFileStream, readFailure } from './file-stream.js';
import { MAX_LINE_LENGTH, countContentLines, isBlank, splitLines } from './lines.js';

export type ImportFormat = 'ndjson' | 'csv';

export interface ReadImportFileOptions {
  readonly path: string;
  /** Inferred from the extension when absent: .ndjson and .jsonl are NDJSON, .csv is CSV. */
  readonly format?: ImportFormat;
  /** The namespace of every line that names none. */
  readonly namespace?: string;
  /** The scheme of every register or alias line that names none. */
  readonly scheme?: string;
}

const EXTENSIONS: Readonly<Record<string, ImportFormat>> = { '.ndjson': 'ndjson', '.jsonl': 'ndjson', '.csv': 'csv' };

/** The format of an import file: the one given, else the one its extension names; INVALID_ARGUMENT otherwise. */
export function importFormatOf(path: string, format?: ImportFormat | null): ImportFormat {
  if (format !== undefined && format !== null) {
    if (format === 'ndjson' || format === 'csv') return format;
    throw new StableIdError('INVALID_ARGUMENT', `import format must be ndjson or csv, got ${JSON.stringify(format)}`, { field: 'format' });
  }
  const inferred = EXTENSIONS[extname(path).toLowerCase()];
  if (inferred === undefined) {
    throw new StableIdError(
      'INVALID_ARGUMENT',
      `cannot tell the format of ${JSON.stringify(path)} from its extension (.ndjson, .jsonl or .csv); name the format`,
      { field: 'format' },
    );
  }
  return inferred;
}

/**
 * Streams the write requests of an import file, each with its 1-based line
 * number; the file is never held in memory whole.
 *
 * NDJSON: every non-blank line is a JSON object in the shape
 * `parseWriteRequest` reads; `op` defaults to register. CSV: a header row
 * names the columns (see {@link CSV_COLUMNS}), each later row is one request.
 * A line that cannot be read yields `{ error, line }` (IMPORT_FORMAT, or the
 * INVALID_ARGUMENT of `parseWriteRequest`, its message naming the line) and
 * reading goes on. Errors about the file as a whole are thrown instead: an
 * unknown format at once, a missing file (INVALID_ARGUMENT on `file`) and a
 * bad CSV header (IMPORT_FORMAT) on the first iteration, before any item.
 */
export function readImportFile(options: ReadImportFileOptions): AsyncIterable<BatchItem> {
  const format = importFormatOf(options.path, options.format);
  const defaults: RowDefaults = Object.freeze({
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    ...(options.scheme !== undefined ? { scheme: options.scheme } : {}),
  });
  return format === 'csv' ? readCsv(options.path, defaults) : readNdjson(options.path, defaults);
}

/**
 * The number of data lines of an import file (non-blank lines, less the
 * header for CSV), counted by a streaming scan that does not parse. Exact for
 * NDJSON; for CSV a quoted field spanning lines makes it an overestimate. Meant
 * for progress and ETA.
 */
export async function countRecords(path: string, format?: ImportFormat | null): Promise<number> {
  const resolved = importFormatOf(path, format);
  const stream = await openFileStream(path);
  try {
    const lines = await countContentLines(stream as AsyncIterable<Buffer>);
    return resolved === 'csv' ? Math.max(0, lines - 1) : lines;
  } catch (error) {
    throw readFailure(path, error);
  } finally {
    stream.destroy();
  }
}

async function* readNdjson(path: string, defaults: RowDefaults): AsyncGenerator<BatchItem> {
  const stream = await openFileStream(path, 'utf8');
  let line = 0;
  try {
    for await (const batch of splitLines(stream as AsyncIterable<string>)) {
      for (const text of batch) {
        line += 1;
        if (text === null) {
          yield { error: tooLong(line), line };
          continue;
        }
        if (isBlank(text)) continue;
        yield ndjsonItem(text, line, defaults);
      }
    }
  } catch (error) {
    throw readFailure(path, error);
  } finally {
    stream.destroy();
  }
}

function ndjsonItem(text: string, line: number, defaults: RowDefaults): BatchItem {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    const failure = new StableIdError('IMPORT_FORMAT', `line ${line}: not valid JSON (${(error as Error).message})`, { line }, { cause: error });
    return { error: failure, line };
  }
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const fields = input as Record<string, unknown>;
    if (fields['namespace'] == null && defaults.namespace !== undefined) fields['namespace'] = defaults.namespace;
    const op = fields['op'] ?? 'register';
    if (fields['scheme'] == null && defaults.scheme !== undefined && (op === 'register' || op === 'alias')) fields['scheme'] = defaults.scheme;
  }
  return requestItem(input, line);
}

function requestItem(input: unknown, line: number): BatchItem {
  try {
    return { request: parseWriteRequest(input), line };
  } catch (error) {
    return { error: atLine(error, line), line };
  }
}

/** The error of one line, its message prefixed with the line number. */
function atLine(error: unknown, line: number): StableIdError {
  if (!(error instanceof StableIdError)) throw error;
  return new StableIdError(error.code, `line ${line}: ${error.message}`, { ...error.context, line }, { cause: error });
}

function tooLong(line: number): StableIdError {
  return new StableIdError('IMPORT_FORMAT', `line ${line}: longer than ${MAX_LINE_LENGTH} characters`, { line });
}

/** A record as the CSV parser hands it over: its cells, the line it starts on, its position among records. */
interface CsvRow {
  readonly cells: string[];
  readonly line: number;
  readonly index: number;
}

async function* readCsv(path: string, defaults: RowDefaults): AsyncGenerator<BatchItem> {
  const file = await openFileStream(path);
  // The parser runs ahead of this loop, so rows it could not read are queued
  // with the number of records parsed before them, and yielded in file order.
  const skipped: { item: { error: StableIdError; line: number }; before: number }[] = [];
  let records = 0;
  // Line breaks csv-parse has counted twice so far (see breaks()).
  let overcount = 0;
  const options: CsvOptions<CsvRow, string[]> = {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_LINE_LENGTH,
    on_record: (cells: string[], info: InfoRecord): CsvRow => {
      const { counted, doubled } = breaks(cells);
      const row = { cells, line: info.lines - overcount - counted, index: records };
      overcount += doubled;
      records += 1;
      return row;
    },
    on_skip: (error: CsvError | undefined) => {
      const reported = error?.['lines'];
      const line = typeof reported === 'number' ? reported - overcount : 0;
      const message = `line ${line}: ${withoutLine(error?.message ?? 'the row cannot be read')}`;
      const item = { error: new StableIdError('IMPORT_FORMAT', message, { line, csv: error?.code }, { cause: error }), line };
      skipped.push({ item, before: records });
      return undefined;
    },
  };
  // csv-parse types on_record's result only for the `columns` overload; ours turns arrays into CsvRows.
  const parser = parse(options as unknown as CsvOptions);
  // A read error destroys the parser with it, so it surfaces in the loop below.
  pipeline(file as Readable, parser, () => undefined);
  const skippedUpTo = (index: number): { error: StableIdError; line: number }[] => {
    let count = 0;
    while (count < skipped.length && (skipped[count]?.before ?? Infinity) <= index) count += 1;
    return skipped.splice(0, count).map((s) => s.item);
  };
  let header: { layout: CsvLayout; width: number } | undefined;
  try {
    for await (const { cells, line, index } of parser as AsyncIterable<CsvRow>) {
      const unreadable = skippedUpTo(index);
      if (header === undefined) {
        if (unreadable[0]) throw unreadable[0].error;
        header = readCsvHeader(cells, line);
        continue;
      }
      yield* unreadable;
      if (cells.every(isBlank)) continue;
      if (cells.length !== header.width) {
        const message = `line ${line}: ${cells.length} fields where the header has ${header.width}`;
        yield { error: new StableIdError('IMPORT_FORMAT', message, { line }), line };
        continue;
      }
      let input: Record<string, unknown>;
      try {
        input = csvRowToObject(cells, header.layout, defaults);
      } catch (error) {
        yield { error: atLine(error, line), line };
        continue;
      }
      yield requestItem(input, line);
    }
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    throw typeof code === 'string' && code.startsWith('CSV_') ? toImportFormat(error, overcount) : readFailure(path, error);
  } finally {
    parser.destroy();
    file.destroy();
  }
  const unreadable = skippedUpTo(Infinity);
  if (header === undefined) {
    throw unreadable[0]?.error ?? new StableIdError('IMPORT_FORMAT', 'the CSV file has no header row', { line: 1 });
  }
  yield* unreadable;
}

/** A parse failure csv-parse could not skip past. */
function toImportFormat(error: unknown, overcount: number): StableIdError {
  const reported = (error as { lines?: unknown } | null)?.lines;
  const line = typeof reported === 'number' ? reported - overcount : undefined;
  const where = line === undefined ? '' : `line ${line}: `;
  return new StableIdError('IMPORT_FORMAT', `${where}${withoutLine((error as Error).message)}`, line === undefined ? {} : { line }, { cause: error });
}

/** csv-parse's message without its own line number, which drifts (see breaks()); ours leads the message. */
function withoutLine(message: string): string {
  return message.replace(/ (at|on) line \d+/g, '');
}

/**
 * The line breaks inside a record's quoted cells. csv-parse counts every CR
 * and every LF as a line (`counted`), so a CRLF inside quotes is counted
 * twice (`doubled` of them) and its line numbers drift from what an editor
 * shows; the reader subtracts both to report the line a record starts on.
 */
function breaks(cells: readonly string[]): { counted: number; doubled: number } {
  let counted = 0;
  let doubled = 0;
  for (const cell of cells) {
    if (!cell.includes('\n') && !cell.includes('\r')) continue;
    for (let i = 0; i < cell.length; i++) {
      const code = cell.charCodeAt(i);
      if (code === 10 || code === 13) counted += 1;
      if (code === 13 && cell.charCodeAt(i + 1) === 10) doubled += 1;
    }
  }
  return { counted, doubled };
}
