/** `ferry retry [--all | <mediaId|queueId>]`: puts failed files back in the queue and sees them through. */
import { EXIT, UsageError, guard, openHost, type ApiFlags } from '../common.ts';
import { followBatch, interruption, summaryLine } from '../batch.ts';

/** Runs `ferry retry`. */
export async function run(idArg: string | undefined, flags: ApiFlags & { all?: boolean }): Promise<never> {
  return guard(async () => {
    if (!idArg && !flags.all) throw new UsageError('say which: ferry retry --all, or ferry retry <mediaId|queue id>');
    const interrupted = interruption();
    const host = await openHost(flags);
    try {
      let ids: number[];
      if (flags.all) {
        ids = host.store.idsInStates(['failed'], 100_000);
      } else {
        const row = host.store.findByMediaId(idArg!) ?? (/^\d+$/.test(idArg!) ? host.store.get(Number(idArg)) : undefined);
        if (!row) throw new UsageError(`no queued file with media ID or queue ID ${idArg}`);
        ids = [row.id];
      }
      const retried = ids.filter((id) => host.engine.retry(id));
      console.log(`retrying ${retried.length} file(s)`);
      if (retried.length === 0) return EXIT.ok;
      const { report, interrupted: stopped } = await followBatch(host, retried, { noWait: false, json: false, bars: false, interrupted });
      if (stopped) return EXIT.interrupted;
      console.log(summaryLine(report, 0));
      return report.failed.length ? EXIT.failed : EXIT.ok;
    } finally {
      await host.close();
    }
  });
}
