import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StableIdError } from '../model/errors.js';
import { type ServiceManifest, parseServiceManifest } from './service-manifest.js';
import { bytewise } from './registry-facts.js';

/**
 * Reads manifests from files and directories (every `*.json` directly in
 * one, by name). A file that cannot be read or parsed is INVALID_ARGUMENT
 * naming it; so is a path that does not exist.
 */
export function readManifests(paths: readonly string[]): ServiceManifest[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (error) {
      throw new StableIdError('INVALID_ARGUMENT', `manifest ${path} cannot be read: ${(error as Error).message}`, { field: 'manifest', file: path }, { cause: error });
    }
    if (!isDirectory) files.push(path);
    else files.push(...readdirSync(path).filter((name) => name.endsWith('.json')).sort(bytewise).map((name) => join(path, name)));
  }
  return files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new StableIdError('INVALID_ARGUMENT', `manifest ${file} cannot be read: ${(error as Error).message}`, { field: 'manifest', file }, { cause: error });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new StableIdError('INVALID_ARGUMENT', `manifest ${file} is not JSON: ${(error as Error).message}`, { field: 'manifest', file, rule: 'manifest' }, { cause: error });
    }
    return parseServiceManifest(json, file);
  });
}
