/**
 * `npm run bench watch-latency`: how soon a watched file's upload starts after its last write, for
 * files written at once (one writeFile each), through the real watcher, readiness gate and engine,
 * against the embedded backend behind the counting proxy (its PUT start times are the measure).
 * Target (issue 11): p95 ≤ 1.5 s. FERRY_BENCH_WATCH_FILES sets the count (default 20), one file
 * every 700 ms (a ComfyUI batch's pace), PNG and JPEG alternating. Results go to .bench/watch-latency.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTestBackend } from '../helpers/backend.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { waitFor } from '../helpers/engine-fixtures.ts';
import { makeJpeg, makePng } from '../helpers/intake-fixtures.ts';
import { openEngineHost } from '../../main/host/host.ts';

const N = Number(process.env.FERRY_BENCH_WATCH_FILES ?? 20);
const work = mkdtempSync(join(tmpdir(), 'ferry-watch-bench-'));
const proxy = await startFaultProxy();
const backend = await startTestBackend({ dataDir: join(work, 'backend'), s3PublicUrl: proxy.url });
proxy.setTarget(backend.s3Listen);
const host = await openEngineHost({ dataDir: join(work, 'client'), apiUrl: backend.api, token: backend.token });
try {
  const dir = join(work, 'out');
  mkdirSync(dir);
  const album = await host.client.createAlbum('latency');
  await host.api.addWatch({ dir, albumId: album.albumId, comfyui: false });
  await new Promise((r) => setTimeout(r, 500)); // chokidar's initial scan
  const written: { name: string; at: number; size: number }[] = [];
  for (let i = 0; i < N; i++) {
    const name = i % 2 ? `img${i}.jpg` : `img${i}.png`;
    const bytes = i % 2 ? await makeJpeg(400 + i, 300) : await makePng(400 + i, 300);
    await writeFile(join(dir, name), bytes);
    written.push({ name, at: Date.now(), size: bytes.length });
    await new Promise((r) => setTimeout(r, 700));
  }
  await waitFor('all sent', () => proxy.okPuts().length >= N, 60_000);
  // Each file has its own size (widths differ), so a PUT is matched to its file by its byte count.
  const latencies = written
    .map((w) => {
      const put = proxy.okPuts().find((p) => p.bytes === w.size);
      return put ? put.startedAt - w.at : Number.POSITIVE_INFINITY;
    });
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * p) - 1)]!;
  // Where the time goes: write → queued (the readiness gate and intake), queued → PUT start (hash, API, slot).
  const rows = host.store.page(0, N).rows;
  const toQueue: number[] = [];
  const toPut: number[] = [];
  for (const w of written) {
    const row = rows.find((r) => r.path.endsWith(`/${w.name}`));
    const put = proxy.okPuts().find((p) => p.bytes === w.size);
    if (!row || !put) continue;
    toQueue.push(Date.parse(row.createdAt) - w.at);
    toPut.push(put.startedAt - Date.parse(row.createdAt));
  }
  const result = {
    files: N,
    puts: proxy.puts.length,
    p50: pct(latencies, 0.5),
    p95: pct(latencies, 0.95),
    max: Math.max(...latencies),
    queuedP50: pct(toQueue, 0.5),
    queuedP95: pct(toQueue, 0.95),
    putAfterQueuedP50: pct(toPut, 0.5),
    putAfterQueuedP95: pct(toPut, 0.95),
    target: 'p95 ≤ 1500 ms',
  };
  console.log(
    `watch latency (upload start after the last write), ${N} files: p50 ${result.p50} ms, p95 ${result.p95} ms, max ${result.max} ms, ${result.puts} PUTs — ${result.p95 <= 1500 ? 'met' : 'NOT met'}` +
      `\n  write → queued p50 ${result.queuedP50} ms, p95 ${result.queuedP95} ms; queued → PUT start p50 ${result.putAfterQueuedP50} ms, p95 ${result.putAfterQueuedP95} ms`,
  );
  mkdirSync(resolve('.bench'), { recursive: true });
  writeFileSync(resolve('.bench/watch-latency.json'), JSON.stringify(result, null, 2));
} finally {
  await host.close();
  await backend.stop();
  await proxy.close();
  rmSync(work, { recursive: true, force: true });
}
