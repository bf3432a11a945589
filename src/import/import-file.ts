import type { BatchReport, CallContext, Registry } from '../registry/registry.js';
import { type ImportFormat, countRecords, importFormatOf, readImportFile } from './read-import-file.js';

export interface ImportProgress {
  /** Lines decided so far, failed ones included. */
  readonly done: number;
  readonly failed: number;
  /** The data lines the file holds (see {@link countRecords}), or null when not counted. */
  readonly total: number | null;
}

export interface ImportFileOptions extends CallContext {
  readonly path: string;
  readonly format?: ImportFormat;
  readonly namespace?: string;
  readonly scheme?: string;
  /** Write every line that succeeds and report the others, instead of writing nothing when one fails. */
  readonly continueOnError?: boolean;
  /**
   * Called once the file is counted (done 0) and after every chunk written.
   * The file is counted only when this is given.
   */
  readonly onProgress?: (progress: ImportProgress) => void;
}

/** Lines decided and flushed together: large enough to amortise a flush, small enough for lively progress. */
const CHUNK_SIZE = 5000;

/**
 * Imports an NDJSON or CSV file into the registry in one transaction (see
 * {@link Registry.writeMany}): all or nothing, unless `continueOnError`. The
 * report keeps failures but no outcomes, so memory stays flat for files of
 * millions of lines.
 */
export async function importFile(registry: Registry, options: ImportFileOptions): Promise<BatchReport> {
  const format = importFormatOf(options.path, options.format);
  const { onProgress } = options;
  let total: number | null = null;
  if (onProgress) {
    total = await countRecords(options.path, format);
    onProgress({ done: 0, failed: 0, total });
  }
  const items = readImportFile({
    path: options.path,
    format,
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    ...(options.scheme !== undefined ? { scheme: options.scheme } : {}),
  });
  return registry.writeMany(items, {
    keepOutcomes: false,
    chunkSize: CHUNK_SIZE,
    bulk: true,
    ...(options.continueOnError !== undefined ? { continueOnError: options.continueOnError } : {}),
    ...(options.actor !== undefined ? { actor: options.actor } : {}),
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
    ...(options.correlationId !== undefined ? { correlationId: options.correlationId } : {}),
    ...(onProgress ? { onProgress: ({ done, failed }) => onProgress({ done, failed, total }) } : {}),
  });
}
