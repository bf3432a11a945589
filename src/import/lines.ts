/**
 * The longest line read into memory, in UTF-16 code units. A longer line is
 * reported rather than buffered, so that a file without line breaks (a JSON
 * array renamed .ndjson, a binary file) is never loaded whole.
 */
export const MAX_LINE_LENGTH = 1 << 20;

/**
 * Splits a text stream into lines, yielded in batches (one per chunk read) so
 * that callers loop synchronously within a batch. Every physical line is
 * yielded, blank ones included, so the n-th line yielded is line n of the
 * file. A trailing "\r" (CRLF files) and a leading byte order mark are
 * removed; a line longer than `maxLength` is yielded as null.
 */
export async function* splitLines(chunks: AsyncIterable<string>, maxLength = MAX_LINE_LENGTH): AsyncGenerator<(string | null)[]> {
  let partial = '';
  // The current line has outgrown maxLength: its text is dropped up to its end.
  let overlong = false;
  let first = true;
  for await (const raw of chunks) {
    let chunk = raw;
    if (first && chunk.length > 0) {
      first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    const lines: (string | null)[] = [];
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      if (overlong) {
        lines.push(null);
        overlong = false;
      } else {
        const text = partial.length > 0 ? partial + chunk.slice(start, end) : chunk.slice(start, end);
        partial = '';
        lines.push(text.length > maxLength ? null : withoutCr(text));
      }
      start = end + 1;
    }
    if (!overlong && start < chunk.length) {
      partial += chunk.slice(start);
      if (partial.length > maxLength) {
        overlong = true;
        partial = '';
      }
    }
    if (lines.length > 0) yield lines;
  }
  if (overlong) yield [null];
  else if (partial.length > 0) yield [withoutCr(partial)];
}

function withoutCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

const SPACE = 32;
const TAB = 9;
const CR = 13;

/** Whether a line holds nothing but spaces, tabs and carriage returns. */
export function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code !== SPACE && code !== TAB && code !== CR) return false;
  }
  return true;
}

/**
 * Counts the lines that are not blank (in the sense of {@link isBlank}) in a
 * byte stream, without decoding it: the scan skips to the next line break as
 * soon as a line shows content.
 */
export async function countContentLines(chunks: AsyncIterable<Buffer>): Promise<number> {
  let count = 0;
  let content = false;
  let first = true;
  for await (const chunk of chunks) {
    let i = 0;
    if (first && chunk.length > 0) {
      first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    }
    const length = chunk.length;
    while (i < length) {
      if (content) {
        const end = chunk.indexOf(10, i);
        if (end === -1) break;
        count += 1;
        content = false;
        i = end + 1;
      } else {
        const byte = chunk[i] as number;
        if (byte !== 10 && byte !== SPACE && byte !== TAB && byte !== CR) content = true;
        i += 1;
      }
    }
  }
  return content ? count + 1 : count;
}
