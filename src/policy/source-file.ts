import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { StableIdError } from '../model/errors.js';

/** A place in a contract or policy file, for people and for SARIF/JUnit reports. */
export interface SourceLocation {
  readonly file: string;
  /** 1-based; 1 when the place is the file as a whole. */
  readonly line: number;
  readonly column: number;
}

/** A path into a parsed file: keys and array indexes. */
export type DocumentPath = readonly (string | number)[];

/**
 * A YAML (or JSON: YAML holds it) file kept in the repository, parsed, with
 * a way back from any path in its data to the line it was written on.
 */
export class SourceFile {
  readonly file: string;
  readonly data: unknown;
  readonly #locate: (path: DocumentPath) => SourceLocation;

  private constructor(file: string, data: unknown, locate: (path: DocumentPath) => SourceLocation) {
    this.file = file;
    this.data = data;
    this.#locate = locate;
  }

  /** Parses `text` as the contents of `file`; a syntax error is INVALID_ARGUMENT naming the file, line and column. */
  static parse(file: string, text: string): SourceFile {
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
    const [error] = document.errors;
    if (error) {
      const at = error.linePos?.[0];
      throw new StableIdError('INVALID_ARGUMENT', `${file}${at ? `:${at.line}:${at.col}` : ''}: ${error.message.split('\n')[0]}`, {
        field: file,
        rule: 'file.syntax',
      });
    }
    const locate = (path: DocumentPath): SourceLocation => {
      // The deepest node the path reaches: a key the file lacks is reported where its parent is.
      for (let depth = path.length; depth >= 0; depth -= 1) {
        const node = document.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
        if (node?.range) {
          const { line, col } = lines.linePos(node.range[0]);
          return { file, line, column: col };
        }
      }
      return { file, line: 1, column: 1 };
    };
    return new SourceFile(file, document.toJS({ maxAliasCount: 100 }) as unknown, locate);
  }

  /** Reads and parses a file; a missing file is INVALID_ARGUMENT. */
  static read(file: string): SourceFile {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new StableIdError('INVALID_ARGUMENT', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { field: file }, { cause: error });
    }
    return SourceFile.parse(file, text);
  }

  locate(path: DocumentPath): SourceLocation {
    return this.#locate(path);
  }

  /** An INVALID_ARGUMENT error about the value at `path`, naming the file, line and field. */
  invalid(path: DocumentPath, message: string): StableIdError {
    const at = this.locate(path);
    const field = pathText(path);
    return new StableIdError('INVALID_ARGUMENT', `${at.file}:${at.line}: ${field ? `${field}: ` : ''}${message}`, { field: field || at.file, rule: 'file.shape' });
  }
}

/** `namespaces.order.schemes.v1.sunset`, `rules[2].id`. */
export function pathText(path: DocumentPath): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}
