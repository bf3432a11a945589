import { createInterface } from 'node:readline';
import { openRunStore } from '../../src/migrate/runs/index.js';

/**
 * One runner of a lease race, as a process of its own:
 * `lease-racer.ts <reference> <holder> <now>`. It opens the store, says
 * "ready", waits for "go" on stdin, tries for the lease and prints what it
 * got as one JSON line.
 */
const [reference, holder, now] = process.argv.slice(2) as [string, string, string];
const store = openRunStore(reference);
try {
  await store.listRuns();
  const lines = createInterface({ input: process.stdin });
  const go = new Promise<void>((resolve) => lines.once('line', () => resolve()));
  process.stdout.write('ready\n');
  await go;
  lines.close();
  const lease = await store.acquireLease('raced', holder, 30_000, new Date(now));
  process.stdout.write(`${JSON.stringify({ lease: lease ?? null })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
} finally {
  await store.close();
}
