import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TypeID } from 'typeid-js';
import { Registry, SqliteStore } from '../../src/index.js';
import type { BatchItem } from '../../src/registry/registry.js';

export const ORDER = 'order';

/** The n-th legacy order number, e.g. ORD-000042. */
export const legacy = (n: number): string => `ORD-${String(n).padStart(6, '0')}`;

/** The n-th TypeID of prefix `ord`: a UUIDv7 whose timestamp and random bits come from a counter. */
export function orderTypeId(n: number): string {
  const time = (1_700_000_000_000 + n).toString(16).padStart(12, '0');
  const counter = n.toString(16).padStart(15, '0');
  return TypeID.fromUUID('ord', `${time.slice(0, 8)}-${time.slice(8)}-7000-8${counter.slice(0, 3)}-${counter.slice(3)}`).toString();
}

/** A registry over in-memory SQLite with the `order` namespace: v1 legacy `ORD-\d{6}`, v2 TypeID `ord`. */
export async function orderRegistry(): Promise<Registry> {
  const registry = new Registry(SqliteStore.open(':memory:'));
  await registry.createNamespace({ name: ORDER, owner: 'orders-team' });
  await registry.addScheme(ORDER, 'v1', { kind: 'pattern', pattern: 'ORD-\\d{6}', maxLength: 10 });
  await registry.addScheme(ORDER, 'v2', { kind: 'typeid', prefix: 'ord' });
  return registry;
}

/** A temporary directory for import files; `remove` deletes it. */
export function scratch(): { file: (name: string, text: string) => string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'stableid-import-'));
  return {
    path: (name) => join(dir, name),
    file: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const ndjson = (lines: readonly unknown[]): string => `${lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n')}\n`;

export async function collect(items: AsyncIterable<BatchItem>): Promise<BatchItem[]> {
  const all: BatchItem[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** The items as [line, request] or [line, error code] pairs, for compact assertions. */
export function summary(items: readonly BatchItem[]): [number | undefined, string][] {
  return items.map((item) => ('error' in item ? [item.line, item.error.code] : [item.line, item.request.op]));
}
