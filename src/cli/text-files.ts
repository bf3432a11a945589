import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StableIdError } from '../model/errors.js';

/** A small text file the user named (a checkpoint, a key, a proof); INVALID_ARGUMENT naming the option when it cannot be read. */
export function readTextFile(path: string, field: string): string {
  try {
    return readFileSync(resolve(path), 'utf8');
  } catch (error) {
    throw new StableIdError('INVALID_ARGUMENT', `cannot read ${path} (--${field}): ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { field }, { cause: error });
  }
}

/** Writes a text file whole: into a temporary file beside it, then renamed over it, so a reader never sees half of it. */
export function writeTextFile(path: string, text: string, field: string): void {
  const target = resolve(path);
  const partial = `${target}.${process.pid}.partial`;
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(partial, text);
    renameSync(partial, target);
  } catch (error) {
    throw new StableIdError('INVALID_ARGUMENT', `cannot write ${path} (--${field}): ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { field }, { cause: error });
  }
}
