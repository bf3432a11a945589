import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StableIdError } from '../model/errors.js';
import { type Migration, defineMigration } from './migration.js';

/**
 * Loads a migration module: its default export (or an export named
 * `migration`), checked by defineMigration. A `.ts` module is loaded through
 * tsx when it is installed; otherwise it must be compiled to `.js` first.
 */
export async function loadMigration(path: string): Promise<Migration> {
  const file = resolve(path);
  if (!existsSync(file)) throw new StableIdError('MIGRATION_INVALID', `no migration module at ${file}`, { field: 'module' });
  if (['.ts', '.mts', '.cts'].includes(extname(file))) await registerTypeScript(file);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new StableIdError('MIGRATION_INVALID', `cannot load ${file}: ${error instanceof Error ? error.message : String(error)}`, { field: 'module' }, { cause: error });
  }
  const exported = module['default'] ?? module['migration'];
  if (exported === undefined) throw new StableIdError('MIGRATION_INVALID', `${file} exports no migration (export default defineMigration({...}))`, { field: 'module' });
  return defineMigration(exported as Migration);
}

let typeScriptRegistered = false;

async function registerTypeScript(file: string): Promise<void> {
  if (typeScriptRegistered) return;
  try {
    const tsx = (await import('tsx/esm/api')) as { register: () => unknown };
    tsx.register();
    typeScriptRegistered = true;
  } catch (error) {
    throw new StableIdError('MIGRATION_INVALID', `${file} is TypeScript: install tsx (npm i -D tsx) or compile it to .js`, { field: 'module' }, { cause: error });
  }
}
