import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TypeID } from 'typeid-js';

/** A deterministic TypeID: a UUIDv7 whose timestamp and random bits come from a counter. */
export function orderTypeId(i: number): string {
  const time = (1_700_000_000_000 + i).toString(16).padStart(12, '0');
  const counter = i.toString(16).padStart(15, '0');
  const uuid = `${time.slice(0, 8)}-${time.slice(8)}-7000-8${counter.slice(0, 3)}-${counter.slice(3)}`;
  return TypeID.fromUUID('ord', uuid).toString();
}

export interface OrderFiles {
  readonly n: number;
  /** NDJSON: each order registered in scheme v1 of namespace `order`, with a binding. */
  readonly register: string;
  /** NDJSON: each order aliased into scheme v2 (TypeID `ord`) by migration m1. */
  readonly alias: string;
}

/** The two import files for orders 1…n, named `<name>-register.ndjson` and `<name>-alias.ndjson`, written 10,000 lines at a time. */
export function writeOrderFiles(dir: string, name: string, n: number, orderNumber: (i: number) => string): OrderFiles {
  const files = { n, register: join(dir, `${name}-register.ndjson`), alias: join(dir, `${name}-alias.ndjson`) };
  const register = openSync(files.register, 'w');
  const alias = openSync(files.alias, 'w');
  try {
    for (let from = 1; from <= n; from += 10_000) {
      const registerLines: string[] = [];
      const aliasLines: string[] = [];
      for (let i = from; i < Math.min(from + 10_000, n + 1); i++) {
        const legacy = orderNumber(i);
        registerLines.push(
          JSON.stringify({ op: 'register', namespace: 'order', scheme: 'v1', value: legacy, binding: { store: 'legacy-pg', collection: 'orders', key: String(i) } }),
        );
        aliasLines.push(JSON.stringify({ op: 'alias', namespace: 'order', from: { scheme: 'v1', value: legacy }, scheme: 'v2', value: orderTypeId(i), migration: 'm1' }));
      }
      writeSync(register, `${registerLines.join('\n')}\n`);
      writeSync(alias, `${aliasLines.join('\n')}\n`);
    }
  } finally {
    closeSync(register);
    closeSync(alias);
  }
  return files;
}
