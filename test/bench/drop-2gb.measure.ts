/**
 * One-off measurement (not part of the suite): a 2 GB video dropped into the served page streams to
 * the engine's staging folder without being held in memory. Samples the `ferry serve` process's RSS
 * and the page's JS heap while it goes. Run: node test/bench/drop-2gb.measure.ts
 */
import { open, mkdtemp, rm, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startTestBackend } from '../helpers/backend.ts';
import { launchChromium, startFerryServe } from '../e2e/harness.ts';
import { ensureRendererBuilt } from '../../main/serve/renderer-dir.ts';

const size = Number(process.env.DROP_BYTES ?? 2 * 1024 ** 3);
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

await ensureRendererBuilt();
const root = await mkdtemp(join(tmpdir(), 'ferry-2gb-'));
const backend = await startTestBackend({ dataDir: join(root, 'backend') });
const album = (await api(backend, 'POST', '/albums', { title: 'Big video' })).body.album as { albumId: string };
const src = join(root, 'src');
await import('node:fs/promises').then((m) => m.mkdir(src));
// Sparse: reading it costs no disk, so the measure is the streaming path, not this machine's disk.
const fh = await open(join(src, 'big.mp4'), 'w');
await fh.truncate(size);
await fh.close();
const serve = await startFerryServe(['--api', backend.api, '--token', backend.token, '--data-dir', join(root, 'client')]);
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await page.goto(serve.url);
await page.getByRole('button', { name: 'Pause all' }).click();
await page.getByLabel('Target album').selectOption(album.albumId);
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
const box = (await page.getByTestId('dropzone').boundingBox())!;
const rss0 = rssOf(serve.child.pid!);
let rssPeak = rss0;
let heapPeak = 0;
const t0 = Date.now();
const data = { items: [], files: [join(src, 'big.mp4')], dragOperationsMask: 1 };
for (const type of ['dragEnter', 'dragOver', 'drop'] as const) await cdp.send('Input.dispatchDragEvent', { type, x: box.x + box.width / 2, y: box.y + 30, data });
for (;;) {
  rssPeak = Math.max(rssPeak, rssOf(serve.child.pid!));
  const m = (await cdp.send('Performance.getMetrics')).metrics.find((x) => x.name === 'JSHeapUsedSize')?.value ?? 0;
  heapPeak = Math.max(heapPeak, m);
  const text = (await page.getByTestId('drop-report').textContent().catch(() => '')) ?? '';
  if (/1 dropped file queued/.test(text) || /not taken/.test(text)) break;
  await new Promise((r) => setTimeout(r, 100));
}
const ms = Date.now() - t0;
const staged = await stat(join(root, 'client', 'staging')).then(() => true, () => false);
console.log(
  JSON.stringify({
    bytes: size,
    seconds: ms / 1000,
    mbPerSecond: Math.round(size / 1e6 / (ms / 1000)),
    serveRssStartMB: Math.round(rss0 / 1e6),
    serveRssPeakMB: Math.round(rssPeak / 1e6),
    pageJsHeapPeakMB: Math.round(heapPeak / 1e6),
    staged,
    report: (await page.getByTestId('drop-report').textContent())?.slice(0, 100),
  }),
);
await browser.close();
await serve.stop();
await backend.destroy();
await rm(root, { recursive: true, force: true });
