/**
 * `npm run bench backend-requests`: what one `POST /albums/{id}/media/upload` costs the embedded
 * backend (`ferry backend`, its own process), and how the upload path fares with processing beside it.
 * - API only: 150 requests (random sha256, no bytes) at concurrency 1 and 8: latency and the backend
 *   process's CPU per request (utime + stime from /proc, so Sharp's threads would count too).
 * - files: the upload bench's 150 JPEGs (run `npm run bench upload` once to make them), request + PUT
 *   at concurrency 8, timed to the last PUT, then until every record left `pending`.
 * Results go to .bench/backend-requests.json.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startBenchBackend } from './ferry-backend.ts';

const filesDir = resolve('.bench/upload/data/small');
const dataDir = resolve('.bench/backend-requests');

/** CPU ms the process has used so far (USER_HZ is 100 on Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

const info = await startBenchBackend(dataDir);
const pid = info.pid;
const headers = { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' };
async function post<T>(path: string, body: unknown): Promise<T> {
  const r = await fetch(info.api + path, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = (await r.json()) as T;
  if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}
const newAlbum = async (title: string) => (await post<{ album: { albumId: string } }>('/albums', { title })).album.albumId;
const declare = (size: number) => ({ filename: 'x.jpg', mimeType: 'image/jpeg', size, sha256: randomBytes(32).toString('hex') });

const results: Record<string, unknown> = {};
try {
  const album = await newAlbum('api only');
  for (let i = 0; i < 20; i++) await post(`/albums/${album}/media/upload`, declare(1000)); // warm-up
  console.log('| phase | wall ms / request | backend CPU ms / request | p50 ms | p95 ms |\n| --- | ---: | ---: | ---: | ---: |');
  for (const concurrency of [1, 8]) {
    const n = 150;
    const latencies: number[] = [];
    const c0 = cpuMs(pid);
    const t0 = performance.now();
    await pool(Array.from({ length: n }, (_, i) => i), concurrency, async () => {
      const s = performance.now();
      await post(`/albums/${album}/media/upload`, declare(1_000_000));
      latencies.push(performance.now() - s);
    });
    const row = { wallPerRequest: (performance.now() - t0) / n, cpuPerRequest: (cpuMs(pid) - c0) / n, p50: pct(latencies, 0.5), p95: pct(latencies, 0.95) };
    results[`apiOnlyConcurrency${concurrency}`] = row;
    console.log(`| API only, concurrency ${concurrency} | ${row.wallPerRequest.toFixed(1)} | ${row.cpuPerRequest.toFixed(1)} | ${row.p50.toFixed(1)} | ${row.p95.toFixed(1)} |`);
  }

  if (existsSync(filesDir)) {
    const files = readdirSync(filesDir).sort().map((f) => {
      const bytes = readFileSync(join(filesDir, f));
      return { f, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
    });
    const filesAlbum = await newAlbum('files');
    const ids: string[] = [];
    const latencies: number[] = [];
    const c0 = cpuMs(pid);
    const t0 = performance.now();
    await pool(files, 8, async ({ f, bytes, sha256 }) => {
      const s = performance.now();
      const r = await post<{ mediaId: string; upload: { url: string; headers: Record<string, string> } }>(`/albums/${filesAlbum}/media/upload`, {
        filename: f,
        mimeType: 'image/jpeg',
        size: bytes.length,
        sha256,
      });
      latencies.push(performance.now() - s);
      ids.push(r.mediaId);
      const put = await fetch(r.upload.url, { method: 'PUT', headers: r.upload.headers, body: bytes });
      await put.arrayBuffer();
      if (put.status !== 200) throw new Error(`PUT ${f}: ${put.status}`);
    });
    const bytesSeconds = (performance.now() - t0) / 1000;
    const bytesCpu = (cpuMs(pid) - c0) / 1000;
    // Bounded: 1,200 polls of 100 ms is two minutes, far beyond 150 files' processing.
    for (let round = 0; round < 1200; round++) {
      let settled = 0;
      for (let i = 0; i < ids.length; i += 100) {
        const { media } = await post<{ media: { status: string }[] }>('/media/status', { mediaIds: ids.slice(i, i + 100) });
        settled += media.filter((m) => m.status !== 'pending').length;
      }
      if (settled === ids.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const row = { files: files.length, bytesInS3Seconds: bytesSeconds, bytesBackendCpuSeconds: bytesCpu, requestP50: pct(latencies, 0.5), requestP95: pct(latencies, 0.95), processedSeconds: (performance.now() - t0) / 1000 };
    results.files = row;
    console.log(
      `\n${row.files} files, request + PUT at concurrency 8: bytes in S3 ${row.bytesInS3Seconds.toFixed(2)} s (backend CPU ${row.bytesBackendCpuSeconds.toFixed(2)} s), ` +
        `request p50 ${row.requestP50.toFixed(1)} ms, p95 ${row.requestP95.toFixed(1)} ms; all processed ${row.processedSeconds.toFixed(2)} s`,
    );
  } else {
    console.log(`\n(no ${filesDir}: run \`npm run bench upload\` once to make the files)`);
  }
} finally {
  await info.stop();
}
writeFileSync('.bench/backend-requests.json', JSON.stringify({ at: new Date().toISOString(), results }, null, 2));
