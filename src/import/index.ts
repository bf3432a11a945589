export { CSV_COLUMNS, type CsvColumn } from './csv-columns.js';
export { type ImportFileOptions, type ImportProgress, importFile } from './import-file.js';
export { type ImportFormat, type ReadImportFileOptions, countRecords, importFormatOf, readImportFile } from './read-import-file.js';
