import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { StableIdError } from '../model/errors.js';

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files',
};

/**
 * The error for a file that cannot be read: INVALID_ARGUMENT on the `file`
 * field, with a one-line reason and no stack material in the message; the
 * system error is kept as `cause`.
 */
export function unreadableFile(path: string, error: unknown): StableIdError {
  const code = (error as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' ? (REASONS[code] ?? code) : 'read failed';
  return new StableIdError('INVALID_ARGUMENT', `cannot read import file ${JSON.stringify(path)}: ${reason}`, { field: 'file', path }, { cause: error });
}

/** What to throw for a failure while reading `path`: system errors become {@link unreadableFile}, anything else is passed on. */
export function readFailure(path: string, error: unknown): unknown {
  if (error instanceof StableIdError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? unreadableFile(path, error) : error;
}

/**
 * Opens a regular file for streaming. The caller owns the stream: destroying
 * it (or reading it to the end) closes the file.
 */
export async function openFileStream(path: string, encoding?: BufferEncoding): Promise<Readable> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw unreadableFile(path, error);
  }
  try {
    if ((await handle.stat()).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (error) {
    await handle.close();
    throw unreadableFile(path, error);
  }
  return handle.createReadStream({ ...(encoding ? { encoding } : {}), highWaterMark: 256 * 1024 });
}
