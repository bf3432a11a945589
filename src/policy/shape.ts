import type { DocumentPath, SourceFile } from './source-file.js';

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Type checks over a parsed file, each failure naming the file, line and field. */
export class Shape {
  readonly source: SourceFile;

  constructor(source: SourceFile) {
    this.source = source;
  }

  object(at: DocumentPath, value: unknown): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw this.source.invalid(at, 'must be a mapping');
    return value as Record<string, unknown>;
  }

  array(at: DocumentPath, value: unknown): unknown[] {
    if (!Array.isArray(value)) throw this.source.invalid(at, 'must be a list');
    return value;
  }

  string(at: DocumentPath, value: unknown): string {
    if (typeof value !== 'string' || value.trim() === '' || value.includes('\u0000')) throw this.source.invalid(at, 'must be a non-empty string');
    return value;
  }

  boolean(at: DocumentPath, value: unknown): boolean {
    if (typeof value !== 'boolean') throw this.source.invalid(at, 'must be true or false');
    return value;
  }

  integer(at: DocumentPath, value: unknown, min: number): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw this.source.invalid(at, `must be a whole number of at least ${min}`);
    return value;
  }

  /** An ISO date or date-time, as the registry keeps it (a date is midnight UTC). */
  date(at: DocumentPath, value: unknown): string {
    if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(value))) throw this.source.invalid(at, 'must be an ISO date such as 2027-06-30');
    return new Date(Date.parse(value)).toISOString();
  }

  name(at: DocumentPath, name: string): void {
    if (!NAME.test(name)) throw this.source.invalid(at, `the name must match ${NAME.source}`);
  }

  keys(at: DocumentPath, value: Record<string, unknown>, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) if (!allowed.includes(key)) throw this.source.invalid([...at, key], `is not a known key here (${allowed.join(', ')})`);
  }
}
