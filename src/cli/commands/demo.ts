import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { typeid } from 'typeid-js';
import { importFile } from '../../import/import-file.js';
import { StableIdError } from '../../model/errors.js';
import type { BatchItem } from '../../registry/registry.js';
import type { CliContext } from '../cli-context.js';
import { createProgress } from '../progress.js';
import { renderResolution, renderTranslation, renderVerify } from '../render.js';
import { ReportedError } from './reads.js';

const legacy = (n: number): string => `ORD-${String(n).padStart(6, '0')}`;

/**
 * A newcomer's tour: a registry with a legacy and a new scheme, a bulk import,
 * aliasing into the new scheme, reads, a rebind seen "as of", deprecation,
 * refused bad input, and verify.
 */
export function addDemoCommand(program: Command, cli: CliContext): void {
  program
    .command('demo')
    .description("a guided tour on a fresh registry (in a temporary directory unless --db is given)")
    .option('--count <n>', 'how many legacy identifiers to import', '3000')
    .addHelpText('after', '\nExamples:\n  $ stableid demo\n  $ stableid --db ./tour.db demo --count 20000')
    .action(async (opts: { count: string }) => {
      const count = Number(opts.count);
      if (!Number.isInteger(count) || count < 10 || count > 999_999) {
        throw new StableIdError('INVALID_ARGUMENT', '--count must be a whole number from 10 to 999999', { field: 'count' });
      }
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

      step('8. Bad input is refused with a stable code, and nothing is written');
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

      step('9. Verify: recompute every hash chain and rebuild every projection from the log');
      const report = await registry.verify();
      say(indent(renderVerify(report)));
      say(`\nDone. Explore it yourself:\n  npx stableid --db ${db} resolve order ${legacy(42)}\n  npx stableid --db ${db} history order --limit 5`);
      if (!report.ok && report.first) {
        throw new ReportedError(new StableIdError('VERIFY_FAILED', report.first.message, { namespace: report.first.namespace }));
      }
    });
}

const indent = (text: string): string => text.split('\n').map((line) => `   ${line}`).join('\n');
