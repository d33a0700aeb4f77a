/** `ferry status`: the local queue, read straight from SQLite (no backend needed). */
import { existsSync } from 'node:fs';
import prettyBytes from 'pretty-bytes';
import { resolveDataDir, dataPaths, preparePrivateDataDir } from '../../config/paths.ts';
import { openDatabase } from '../../store/db.ts';
import { QueueStore } from '../../store/queue-store.ts';
import { EXIT, guard, type ApiFlags } from '../common.ts';
import { queueCounts } from '../../../shared/queue-order.ts';

/** Runs `ferry status`. */
export async function run(flags: ApiFlags & { json?: boolean }): Promise<never> {
  return guard(async () => {
    const file = dataPaths(resolveDataDir(flags.dataDir)).queueDb;
    if (!existsSync(file)) {
      console.log(flags.json ? JSON.stringify({ files: 0, byState: {}, failed: [] }) : 'the queue is empty');
      return EXIT.ok;
    }
    preparePrivateDataDir(resolveDataDir(flags.dataDir));
    const store = new QueueStore(openDatabase(file));
    const t = store.totals();
    const failed = store.pageInState('failed', 0, 100).map((r) => ({ id: r.id, path: r.path, mediaId: r.mediaId, code: r.error?.code, message: r.error?.message }));
    if (flags.json) {
      console.log(JSON.stringify({ ...t, counts: queueCounts(t.byState), failed }));
    } else {
      // The same counts as the UI's header and tabs (shared/queue-order.ts), so the two never disagree.
      const c = queueCounts(t.byState);
      console.log(`${c.all} files: ${c.active} in progress or waiting, ${c.failed} failed, ${c.done} done`);
      console.log(`${prettyBytes(t.bytesSent)} of ${prettyBytes(t.bytesTotal)} sent`);
      for (const [state, n] of Object.entries(t.byState)) if (n > 0) console.log(`  ${state.padEnd(11)} ${n}`);
      for (const f of failed) console.log(`  failed #${f.id} ${f.path}: ${f.code} ${f.message}`);
    }
    store.db.close();
    return EXIT.ok;
  });
}
