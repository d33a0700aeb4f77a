/** `ferry status`: the local queue, read straight from SQLite (no backend needed). */
import { existsSync } from 'node:fs';
import prettyBytes from 'pretty-bytes';
import { resolveDataDir, dataPaths, preparePrivateDataDir } from '../../config/paths.ts';
import { openDatabase } from '../../store/db.ts';
import { QueueStore } from '../../store/queue-store.ts';
import { EXIT, guard, type ApiFlags } from '../common.ts';
import { queueCounts } from '../../../shared/queue-order.ts';
import { describeBackend } from '../../../shared/backend-key.ts';

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
    const failed = store.pageInState('failed', 0, 100).map((r) => ({ id: r.id, path: r.path, mediaId: r.mediaId, backend: r.backend, code: r.error?.code, message: r.error?.message }));
    // Rows belong to the backend (API + user) they were queued for; each engine sends only its own.
    const backends = new Map<string, Record<string, number>>();
    for (const c of store.countsByBackend()) {
      const k = c.backend ?? 'not yet bound';
      backends.set(k, { ...backends.get(k), [c.state]: c.n });
    }
    if (flags.json) {
      console.log(JSON.stringify({ ...t, counts: queueCounts(t.byState), backends: [...backends].map(([backend, byState]) => ({ backend, byState })), failed }));
    } else {
      // The same counts as the UI's header and tabs (shared/queue-order.ts), so the two never disagree.
      const c = queueCounts(t.byState);
      console.log(`${c.all} files: ${c.active} in progress or waiting, ${c.failed} failed, ${c.done} done`);
      console.log(`${prettyBytes(t.bytesSent)} of ${prettyBytes(t.bytesTotal)} sent`);
      for (const [state, n] of Object.entries(t.byState)) if (n > 0) console.log(`  ${state.padEnd(11)} ${n}`);
      if (backends.size > 1) {
        console.log('by backend (each is sent only by a ferry using that API and user):');
        for (const [b, byState] of backends) console.log(`  ${describeBackend(b)}: ${Object.entries(byState).map(([s, n]) => `${n} ${s}`).join(', ')}`);
      }
      for (const f of failed) console.log(`  failed #${f.id} ${f.path}: ${f.code} ${f.message}`);
    }
    store.db.close();
    return EXIT.ok;
  });
}
