import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { TypeID, typeid } from 'typeid-js';
import { importFile } from '../../import/import-file.js';
import { defineMigration } from '../../migrate/migration.js';
import { planMigration } from '../../migrate/plan.js';
import { rollbackRun } from '../../migrate/rollback.js';
import { type RunDependencies, type WaveRecord, runMigration } from '../../migrate/runner.js';
import { StableIdError } from '../../model/errors.js';
import type { BatchItem, CallContext } from '../../registry/registry.js';
import type { CliContext } from '../cli-context.js';
import { type DemoStore, checkDemoStore, openDemoStore } from '../demo-store.js';
import { createProgress } from '../progress.js';
import { renderResolution, renderTranslation, renderVerify } from '../render.js';
import { ReportedError } from './reads.js';
import { serveRegistry } from './serve.js';
import { rolloutTour } from '../demo-rollout.js';

const legacy = (n: number): string => `ORD-${String(n).padStart(6, '0')}`;

/**
 * A newcomer's tour: a registry with a legacy and a new scheme, a bulk import,
 * aliasing into the new scheme, reads, a rebind seen "as of", deprecation,
 * a migration of documents in waves and its rollback, refused bad input,
 * and verify.
 */
export function addDemoCommand(program: Command, cli: CliContext): void {
  program
    .command('demo')
    .description("a guided tour on a fresh registry (in a temporary directory unless --db is given)")
    .option('--count <n>', 'how many legacy identifiers to import', '3000')
    .option('--serve', 'then serve the tour\'s registry over HTTP (reads open, on 127.0.0.1) until Ctrl-C, as `stableid serve` does')
    .option('--port <port>', 'with --serve: the port (default: $STABLEID_PORT or 8080; 0 for any free one)')
    .option(
      '--source <store>',
      'where the migration tour keeps its documents: sqlite (a file of the tour\'s), redis (127.0.0.1:6379) or a redis:// URL, dynamodb (AWS, as the SDK is configured) or a dynamodb:// URL; what the tour creates in Redis or DynamoDB it removes',
      'sqlite',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ stableid demo\n  $ stableid demo --serve\n  $ stableid --db ./tour.db demo --count 20000\n  $ stableid demo --source redis\n  $ AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x stableid demo --source dynamodb://127.0.0.1:8000',
    )
    .action(async (opts: { count: string; serve?: boolean; port?: string; source: string }) => {
      const count = Number(opts.count);
      if (!Number.isInteger(count) || count < 10 || count > 999_999) {
        throw new StableIdError('INVALID_ARGUMENT', '--count must be a whole number from 10 to 999999', { field: 'count' });
      }
      checkDemoStore(opts.source);
      const dir = mkdtempSync(join(tmpdir(), 'stableid-demo-'));
      if (!cli.options.db) cli.setOptions({ ...cli.options, db: join(dir, 'registry.db') });
      const db = cli.options.db as string;
      const say = (text: string): void => {
        cli.io.stdout.write(`${text}\n`);
      };
      const step = (text: string): void => say(`\n== ${text}`);
      const registry = cli.registry();
      const call = { ...cli.call(), actor: cli.options.actor ?? 'demo' };

      if ((await registry.listNamespaces()).length > 0) {
        throw new StableIdError('INVALID_ARGUMENT', `the demo needs an empty registry, and ${db} has namespaces: leave out --db, or name a new file`, {
          field: 'db',
        });
      }
      say(`stableid demo: a registry at ${registry.store.description}`);
      step('1. A namespace is a contract boundary, owned by a team, with stewards');
      await registry.createNamespace({ name: 'order', owner: 'team-orders', stewards: ['alice', 'bob'], description: 'customer orders' }, call);
      say('   created namespace "order" (owner team-orders, stewards alice and bob)');

      step('2. Two schemes: the legacy format and the new one. Schemes are never edited.');
      await registry.addScheme('order', 'v1', { kind: 'pattern', pattern: 'ORD-\\d{6}', maxLength: 10 }, call);
      await registry.addScheme('order', 'v2', { kind: 'typeid', prefix: 'ord' }, call);
      say('   order/v1: pattern ORD-\\d{6}        (what partners, invoices and URLs carry today)');
      say('   order/v2: TypeID with prefix "ord" (what the new services will use)');

      step(`3. Import ${count} legacy identifiers with their bindings (where each record lives)`);
      const file = join(dir, 'legacy-orders.ndjson');
      const lines: string[] = [];
      for (let n = 1; n <= count; n += 1) {
        lines.push(JSON.stringify({ value: legacy(n), binding: { store: 'docdb', collection: 'orders', key: String(n) } }));
      }
      writeFileSync(file, `${lines.join('\n')}\n`);
      let progress: ReturnType<typeof createProgress> | undefined;
      let started = performance.now();
      const imported = await importFile(registry, {
        path: file,
        namespace: 'order',
        scheme: 'v1',
        ...call,
        onProgress: (p) => {
          progress ??= createProgress({ label: 'import', total: p.total, stream: cli.io.stderr as NodeJS.WriteStream });
          progress.update(p.done, p.failed);
        },
      });
      progress?.finish();
      const rate = (n: number): string => `${Math.round(n / ((performance.now() - started) / 1000)).toLocaleString('en-US')}/s`;
      say(`   ${imported.written} registered, ${imported.failed} rejected (${rate(imported.total)}): stableid import ${file} --ns order --scheme v1`);

      step('4. Alias every entity into the new scheme, recording lineage');
      started = performance.now();
      const aliases: BatchItem[] = [];
      for (let n = 1; n <= count; n += 1) {
        aliases.push({ request: { op: 'alias', namespace: 'order', from: { scheme: 'v1', value: legacy(n) }, scheme: 'v2', value: typeid('ord').toString(), migration: 'demo-2026-typeid' } });
      }
      const aliased = await registry.writeMany(aliases, { ...call, keepOutcomes: false, bulk: true });
      say(`   ${aliased.written} aliases written in one all-or-nothing batch (${rate(aliased.total)})`);

      step('5. Resolve: any identifier gives the entity, all its identifiers, lineage and binding');
      say(indent(renderResolution(await registry.resolve('order', { value: legacy(42) }))));
      step('   Translate legacy -> new, as a service in transition would');
      for (const n of [1, 2, 3]) say(`   ${renderTranslation(await registry.translate('order', { value: legacy(n) }, 'v2'))}`);

      step('6. Rebind: the record of ORD-000042 moves; the old binding stays readable "as of"');
      const before = new Date().toISOString();
      await new Promise((done) => setTimeout(done, 5));
      const v2 = (await registry.translate('order', { value: legacy(42) }, 'v2')).to.value as string;
      await registry.rebind({ namespace: 'order', identifier: { value: legacy(42) }, binding: { store: 'docdb', collection: 'orders_v2', key: v2 }, migration: 'demo-2026-typeid' }, call);
      const then = await registry.resolve('order', { value: legacy(42) }, { asOf: before });
      const now = await registry.resolve('order', { value: legacy(42) });
      say(`   as of ${before}: ${then.binding?.collection}/${then.binding?.key} (version ${then.binding?.version})`);
      say(`   now:                           ${now.binding?.collection}/${now.binding?.key} (version ${now.binding?.version})`);

      step('7. Deprecate the legacy scheme with a sunset date; its identifiers keep resolving');
      const sunset = new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10);
      await registry.deprecateScheme('order', 'v1', sunset, 'v2', call);
      say(`   ${renderTranslation(await registry.translate('order', { value: legacy(7) }, 'v2'))}`);

      await migrationTour(cli, dir, opts.source, call, step, say);

      step('9. Bad input is refused with a stable code, and nothing is written');
      for (const attempt of [
        () => registry.register({ namespace: 'order', scheme: 'v2', value: 'ORD_01H455VB4PEX5VSKNK084SN02Q' }, call),
        () => registry.alias({ namespace: 'order', from: { value: legacy(5) }, scheme: 'v2', value: v2 }, call),
      ]) {
        try {
          await attempt();
        } catch (error) {
          if (!(error instanceof StableIdError)) throw error;
          say(`   refused: ${error.code}: ${error.message}`);
        }
      }
      const again = await registry.register({ namespace: 'order', scheme: 'v1', value: legacy(9), binding: { store: 'docdb', collection: 'orders', key: '9' } }, call);
      say(`   repeating a register is idempotent: changed=${again.changed}, same entity ${again.entity}`);

      step('10. A consumer moves from legacy to new identifiers, stage by stage, while its traffic keeps flowing');
      await rolloutTour(registry, Array.from({ length: Math.min(count, 40) }, (_, i) => legacy(i + 1)), call, say);

      step('11. Verify: recompute every hash chain and rebuild every projection from the log');
      const report = await registry.verify();
      say(indent(renderVerify(report)));
      say(`\nDone. Explore it yourself:\n  npx stableid --db ${db} resolve order ${legacy(42)}\n  npx stableid --db ${db} history order --limit 5`);
      if (!report.ok && report.first) {
        throw new ReportedError(new StableIdError('VERIFY_FAILED', report.first.message, { namespace: report.first.namespace }));
      }
      if (opts.serve) {
        const entity = (await registry.resolve('order', { value: legacy(42) })).entity;
        say(`\n== 12. The identity service over this registry (reads open; writes need a token: npx stableid --db ${db} token create …)`);
        say(`   once it listens (below), try:`);
        for (const path of [`/v1/namespaces/order/identifiers/${legacy(42)}`, `/v1/namespaces/order/identifiers/${legacy(42)}/translations/v2`, '/v1/docs', '/metrics']) {
          say(`     curl -s http://127.0.0.1:${opts.port ?? cli.io.env['STABLEID_PORT'] ?? '8080'}${path}`);
        }
        say(`   (${legacy(42)} is entity ${entity})`);
        await serveRegistry(cli, { port: opts.port, logLevel: 'warn', openReads: true, metrics: true, readIndex: true });
      }
    });
}

const INVOICES = 500;
const invoiceNumber = (n: number): string => `INV-${String(n).padStart(6, '0')}`;

/** A deterministic TypeID for invoice n: a UUIDv7 whose time and random bits come from the number. */
function invoiceTypeId(n: number): string {
  const time = (1_767_225_600_000 + n).toString(16).padStart(12, '0');
  const counter = n.toString(16).padStart(15, '0');
  return TypeID.fromUUID('inv', `${time.slice(0, 8)}-${time.slice(8)}-7000-8${counter.slice(0, 3)}-${counter.slice(3)}`).toString();
}

/** Step 8: the documents themselves — an invoices collection re-keyed in waves, gated, then rolled back. */
async function migrationTour(cli: CliContext, dir: string, store: string, call: CallContext, step: (text: string) => void, say: (text: string) => void): Promise<void> {
  const demo = await openDemoStore(cli, dir, store);
  try {
    await tourMigration(cli, demo, call, step, say);
  } finally {
    const cleaned = await demo.close();
    if (cleaned) say(`   (${cleaned})`);
  }
}

/** The tour itself, on whichever store holds the invoices. */
async function tourMigration(cli: CliContext, demo: DemoStore, call: CallContext, step: (text: string) => void, say: (text: string) => void): Promise<void> {
  step(`8. Migrate the documents: ${INVOICES} invoices (${demo.what}) re-keyed from INV numbers to TypeIDs`);
  const registry = cli.registry();
  await registry.createNamespace({ name: 'invoice', owner: 'team-billing' }, call);
  await registry.addScheme('invoice', 'v1', { kind: 'pattern', pattern: 'INV-\\d{6}', maxLength: 10 }, call);
  await registry.addScheme('invoice', 'v2', { kind: 'typeid', prefix: 'inv' }, call);
  const { source, collection: invoices } = demo;
  const all = Array.from({ length: INVOICES }, (_, i) => ({ kind: 'insert' as const, key: invoiceNumber(i + 1), body: { number: invoiceNumber(i + 1), amount: (i + 1) * 7, currency: 'EUR' } }));
  // In batches of what one write of the store takes (DynamoDB's transactions hold 99 writes and a fence).
  const batch = invoices.traits.maxWrites ?? all.length;
  for (let start = 0; start < all.length; start += batch) await invoices.apply(all.slice(start, start + batch));
  const migration = defineMigration({
    id: 'invoices-typeid',
    namespace: 'invoice',
    collection: 'invoices',
    identifier: { field: 'number', scheme: 'v1' },
    transform: ({ currency, ...doc }) => ({ ...doc, amount: { value: doc['amount'] ?? 0, currency: currency ?? 'EUR' } }),
    key: ({ after }) => String(after['id']),
    add: [{ scheme: 'v2', field: 'id', derive: ({ before }) => invoiceTypeId(Number(String(before['number']).slice(4))) }],
    bindingStore: 'app',
  });
  const deps: RunDependencies = { registry, runs: cli.runs(), collection: invoices, source: source.description, migration };
  const plan = await planMigration(registry, invoices, migration, { diffs: 1 });
  say(`   plan (a dry run, nothing written): ${plan.counts.change} to change, ${plan.counts.rekeyed} re-keyed, ${plan.counts.toRegister} identifiers to register, ${plan.counts.toAdd} to add, ${plan.problemCount} problems`);
  const run = await runMigration(deps, { waves: [10, 100], batchSize: 100, actor: call.actor ?? 'demo' });
  for (const wave of (run.details['waves'] as unknown as WaveRecord[] | undefined) ?? []) {
    say(`   wave ${wave.wave} (${wave.percent}%): ${wave.counts.written} written; gate ${wave.gate.ok ? 'passed' : 'FAILED'}: ${wave.digest.count} identifiers, each once, same entity`);
  }
  const [moved] = await invoices.getMany([invoiceTypeId(1)]);
  say(`   ${invoiceNumber(1)} now lives at ${moved?.key}: ${JSON.stringify(moved?.body)}`);
  const resolved = await registry.resolve('invoice', { value: invoiceNumber(1) });
  say(`   and the registry knows: binding ${resolved.binding?.collection}/${resolved.binding?.key}, lineage ${resolved.binding?.migration}`);
  const rollback = await rollbackRun(deps, run.id, { actor: call.actor ?? 'demo' });
  say(`   rollback: ${rollback.restored} restored, ${rollback.conflicts.length} conflicts; digests equal to before the run: ${rollback.digestsEqual}`);
  say(`   (stableid migrate plan|run|status|rollback do the same from a migration module)`);
}

const indent = (text: string): string => text.split('\n').map((line) => `   ${line}`).join('\n');
