import type { FlagSource } from '../client/flag-source.js';
import { Migrator } from '../client/migrator/migrator.js';
import { STAGES, STAGE_PATHS } from '../model/flags.js';
import type { CallContext, Registry } from '../registry/registry.js';

/** What the demo's consumer reads and writes at each stage: this many orders. */
const TRAFFIC = 40;

/** The registry in this process as a flag source: the same flags the service and the SDK read. */
function registryFlags(registry: Registry, call: CallContext): FlagSource {
  return {
    flags: (namespace) => registry.flags(namespace),
    setStage: (namespace, consumer, { reason, ...change }) => registry.setStage({ namespace, consumer, ...change }, { ...call, reason: reason ?? null }),
  };
}

/**
 * The transition tour: a consumer, `billing`, moves from `off` to
 * `complete` one stage at a time while its traffic keeps flowing through a
 * Migrator — reads look an order up by its legacy number (old path) or by
 * its v2 id (new path), writes record a payment under either — and every
 * call succeeds at every stage, with the two paths compared where the stage
 * says so.
 */
export async function rolloutTour(
  registry: Registry,
  orders: readonly string[],
  call: CallContext,
  say: (text: string) => void,
): Promise<void> {
  const v2 = new Map<string, string>();
  for (const legacy of orders.slice(0, TRAFFIC)) v2.set(legacy, (await registry.translate('order', { value: legacy }, 'v2')).to.value as string);
  const payments = { old: new Map<string, number>(), new: new Map<string, number>() };
  const migrator = new Migrator({ namespace: 'order', consumer: 'billing', flags: registryFlags(registry, call), flagCache: { ttlMs: 0, staleWhileRevalidateMs: 0 } });
  const entityBy = async (value: string, scheme: string): Promise<string> => (await registry.resolve('order', { scheme, value })).entity;
  for (const stage of STAGES) {
    if (stage !== 'off') await registry.setStage({ namespace: 'order', consumer: 'billing', stage }, call);
    let failed = 0;
    for (const [i, legacy] of [...v2.keys()].entries()) {
      try {
        await migrator.read({ identifier: legacy, old: () => entityBy(legacy, 'v1'), new: () => entityBy(v2.get(legacy) as string, 'v2') });
        await migrator.write({
          identifier: legacy,
          old: async () => void payments.old.set(legacy, i),
          new: async () => void payments.new.set(v2.get(legacy) as string, i),
        });
      } catch {
        failed += 1;
      }
    }
    const stats = migrator.stats();
    const paths = STAGE_PATHS[stage];
    say(
      `   ${stage.padEnd(9)} reads ${paths.reads.padEnd(4)} (answer from ${paths.authoritative}), writes ${paths.writes.padEnd(4)}: ` +
        `${TRAFFIC - failed}/${TRAFFIC} calls succeeded; compared so far ${stats.comparisons.total}, mismatches ${stats.comparisons.mismatches}`,
    );
  }
  await migrator.close();
  say(`   payments written: ${payments.old.size} under legacy numbers, ${payments.new.size} under v2 ids — each move reversible: stableid flags stage order billing live --reason "…"`);
}
