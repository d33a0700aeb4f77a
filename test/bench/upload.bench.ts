/**
 * `npm run bench upload`: Ferry (its defaults) against `rclone copy --transfers 8` and `aws s3 cp
 * --recursive`, same files, same embedded S3 (s3rver inside `ferry backend`, its own process), same run.
 * - small, loopback: 150 JPEGs of ~1 MB straight to the backend (Ferry's API calls pass a counting
 *   proxy that adds nothing). Ferry's time includes hashing, its API calls, and the backend's Sharp
 *   processing running beside it (`--no-wait`: done when the bytes are in S3; the full wait is shown too).
 * - small, 40 ms: the same files with 40 ms added to every answer of the API and of S3, for every tool
 *   (fault proxies in this process; S3's presigned URLs point at its proxy): a real network's round trips.
 * - API requests per 1,000 files (uploads + status polls), counted at the API proxy in every run, and
 *   in a run of 1,000 small photos (~40 KB) waited for until processed (FERRY_BENCH_COUNT_FILES).
 * - large: one 1 GiB file read cold by Ferry (first upload of a new file: no hash cached); rclone with
 *   8 MiB parts, 4 in flight (Ferry's defaults are the same).
 * Peak RSS is the uploader process's (GNU time's max resident set size). Results go to .bench/upload.json.
 * FERRY_BENCH_SMALL / FERRY_BENCH_LARGE_MIB shrink the data for a quick run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { writeLargeMp4 } from '../helpers/engine-fixtures.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { startBenchBackend } from './ferry-backend.ts';

const root = resolve('.bench/upload');
const SMALL = Number(process.env.FERRY_BENCH_SMALL ?? 150);
const LARGE_MIB = Number(process.env.FERRY_BENCH_LARGE_MIB ?? 1024);
const LATENCY_MS = 40;
/** the request-count run: this many small photos (~40 KB), uploaded and waited for */
const COUNT_FILES = Number(process.env.FERRY_BENCH_COUNT_FILES ?? 1000);
const MiB = 1024 * 1024;

/** A ~1 MB JPEG of deterministic noise (noise is what keeps JPEG from compressing it to nothing). */
async function noisyJpeg(seed: number, w = 1280, h = 960): Promise<Buffer> {
  const data = Buffer.alloc(w * h * 3);
  let x = seed * 2654435761;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return sharp(data, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

async function makeData() {
  const small = join(root, 'data/small');
  const large = join(root, 'data/large');
  if (!existsSync(small) || readdirSync(small).length !== SMALL) {
    rmSync(small, { recursive: true, force: true });
    mkdirSync(small, { recursive: true });
    for (let i = 0; i < SMALL; i++) writeFileSync(join(small, `photo-${String(i).padStart(4, '0')}.jpg`), await noisyJpeg(i + 1));
  }
  const many = join(root, 'data/many');
  if (!existsSync(many) || readdirSync(many).length !== COUNT_FILES) {
    rmSync(many, { recursive: true, force: true });
    mkdirSync(many, { recursive: true });
    for (let i = 0; i < COUNT_FILES; i++) writeFileSync(join(many, `small-${String(i).padStart(5, '0')}.jpg`), await noisyJpeg(100_000 + i, 320, 240));
  }
  mkdirSync(large, { recursive: true });
  const big = join(large, 'big.mp4');
  // Written anew each run: "cold" is the first upload of a new file (a new mtime: no hash cached).
  rmSync(big, { force: true });
  await writeLargeMp4(big, LARGE_MIB * MiB);
  const smallBytes = readdirSync(small).reduce((n, f) => n + statSync(join(small, f)).size, 0);
  const manyBytes = readdirSync(many).reduce((n, f) => n + statSync(join(many, f)).size, 0);
  return { small, large, many, smallBytes, manyBytes, largeBytes: LARGE_MIB * MiB };
}

interface Backend {
  api: string;
  s3: string;
  bucket: string;
  token: string;
  /** the S3 store's key for rclone and the AWS CLI */
  key: { accessKeyId: string; secretAccessKey: string };
  stop(): void;
}

async function startBackend(dataDir: string, s3?: { port: number; publicUrl: string }): Promise<Backend> {
  const b = await startBenchBackend(dataDir, process.env, s3 ? ['--s3-port', String(s3.port), '--s3-public-url', s3.publicUrl] : []);
  // Killed outright: its data is thrown away, and its leftover thumbnails must not run during the next scenario.
  return { ...b, key: s3Credentials(dataDir), stop: () => b.kill() };
}

/** A free TCP port on 127.0.0.1 (for `--s3-port`: the S3 proxy must know where to forward before the backend starts). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((res) => srv.close(() => res()));
  return port;
}

/**
 * S3 credentials for rclone and the AWS CLI: the one place that knows how they are obtained (the
 * store's per-install key, as `ferry backend --print-credentials` gives it).
 */
function s3Credentials(dataDir: string): { accessKeyId: string; secretAccessKey: string } {
  const out = spawnSync(process.execPath, ['bin/ferry.js', 'backend', '--data-dir', dataDir, '--print-credentials', '--json'], { encoding: 'utf8' });
  return JSON.parse(out.stdout) as { accessKeyId: string; secretAccessKey: string };
}

function rcloneEnv(b: Backend, endpoint: string): Record<string, string> {
  const c = b.key;
  return {
    RCLONE_CONFIG_BENCH_TYPE: 's3',
    RCLONE_CONFIG_BENCH_PROVIDER: 'Other',
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: c.accessKeyId,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: c.secretAccessKey,
    RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
    RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
    AWS_CA_BUNDLE: '',
  };
}

function awsEnv(b: Backend): Record<string, string> {
  const c = b.key;
  const cfg = join(root, 'aws-config');
  writeFileSync(cfg, '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n  max_concurrent_requests = 10\n');
  return { AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_CONFIG_FILE: cfg, AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
}

interface Result {
  tool: string;
  seconds: number;
  mbPerSec: number;
  peakRssMb: number;
  /** API requests by route (Ferry only) */
  requests?: Record<string, number>;
}

/**
 * Runs a command under GNU time; wall seconds and the peak RSS it reports. Asynchronous: the proxies
 * run in this process and must keep answering while the tool runs.
 */
async function timed(tool: string, cmd: string, args: string[], bytes: number, env: Record<string, string> = {}): Promise<Result> {
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'MAXRSS_KB=%M', cmd, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-20_000)));
  const status = await new Promise<number | null>((res) => child.once('close', res));
  const seconds = (performance.now() - t0) / 1000;
  if (status !== 0) throw new Error(`${tool} failed (${status}):\n${out}\n${err}`);
  const kb = Number(/MAXRSS_KB=(\d+)/.exec(err)?.[1] ?? 0);
  return { tool, seconds, mbPerSec: bytes / MiB / seconds, peakRssMb: kb / 1024 };
}

const aws = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const rclone = (b: Backend, src: string, dest: string, endpoint: string, bytes: number, extra: string[] = [], label = 'rclone copy --transfers 8') =>
  timed(label, 'rclone', ['copy', src, `bench:${dest}`, '--transfers', '8', '--s3-no-check-bucket', ...extra], bytes, rcloneEnv(b, endpoint));
const awsCp = (b: Backend, src: string, dest: string, endpoint: string, bytes: number) =>
  timed('aws s3 cp --recursive', aws, ['s3', 'cp', '--recursive', '--quiet', '--endpoint-url', endpoint, src, `s3://${dest}/`], bytes, awsEnv(b));

/** `ferry upload` with its defaults, its API calls through `apiProxy` (counted by route). */
async function ferry(b: Backend, apiProxy: FaultProxy, dir: string, album: string, bytes: number, extra: string[], label: string): Promise<Result> {
  const dataDir = join(root, `client-${album}`);
  rmSync(dataDir, { recursive: true, force: true });
  apiProxy.requests.length = 0;
  const r = await timed(label, process.execPath, ['bin/ferry.js', 'upload', dir, '--album', album, '--create-album', '--api', apiProxy.url, '--token', b.token, '--data-dir', dataDir, '--json', ...extra], bytes);
  const requests: Record<string, number> = {};
  for (const req of apiProxy.requests) {
    const route = req.replace(/\/albums\/[^/]+\//, '/albums/{id}/').replace(/\/media\/[^/]+\/(?!status)/, '/media/{id}/');
    requests[route] = (requests[route] ?? 0) + 1;
  }
  return { ...r, requests };
}

function table(title: string, rows: Result[]) {
  console.log(`\n${title}`);
  console.log('| tool | seconds | MB/s | peak RSS (MB) |\n| --- | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.tool} | ${r.seconds.toFixed(2)} | ${r.mbPerSec.toFixed(1)} | ${r.peakRssMb.toFixed(0)} |`);
}

/** The small-file run of one scenario: every tool through the same proxies, with `latencyMs` on every answer. */
async function smallScenario(name: string, latencyMs: number, data: Awaited<ReturnType<typeof makeData>>): Promise<Result[]> {
  const port = await freePort();
  const s3Proxy = await startFaultProxy(`http://127.0.0.1:${port}`, { latencyMs });
  const b = await startBackend(join(root, `backend-${name}`), latencyMs > 0 ? { port, publicUrl: s3Proxy.url } : undefined);
  const s3 = latencyMs > 0 ? s3Proxy.url : b.s3;
  const apiProxy = await startFaultProxy(b.api, { latencyMs });
  try {
    const rows: Result[] = [];
    rows.push(await rclone(b, data.small, `${b.bucket}/rclone-${name}`, s3, data.smallBytes));
    rows.push(await awsCp(b, data.small, `${b.bucket}/aws-${name}`, s3, data.smallBytes));
    // The waiting run goes first: it leaves no processing backlog behind to slow the next one down.
    rows.push(await ferry(b, apiProxy, data.small, `bench-${name}-wait`, data.smallBytes, [], 'ferry (+ thumbnails done)'));
    rows.push(await ferry(b, apiProxy, data.small, `bench-${name}`, data.smallBytes, ['--no-wait'], 'ferry (bytes in S3, --no-wait)'));
    table(`${SMALL} JPEGs, ${(data.smallBytes / MiB).toFixed(0)} MiB, ${latencyMs ? `${latencyMs} ms added to every answer` : 'loopback'}`, rows);
    return rows;
  } finally {
    b.stop();
    await Promise.all([s3Proxy.close(), apiProxy.close()]);
  }
}

const data = await makeData();
const results = {} as { loopback: Result[]; latency: Result[]; large: Result[]; count: Result[] };
results.loopback = await smallScenario('loopback', 0, data);
results.latency = await smallScenario('latency', LATENCY_MS, data);
{
  const b = await startBackend(join(root, 'backend-large'));
  const apiProxy = await startFaultProxy(b.api);
  try {
    const rows: Result[] = [];
    const chunked = ['--s3-chunk-size', '8M', '--s3-upload-concurrency', '4', '--s3-upload-cutoff', '32M'];
    rows.push(await rclone(b, data.large, `${b.bucket}/rclone-large`, b.s3, data.largeBytes, chunked, 'rclone copy (8 MiB parts, 4 in flight)'));
    rows.push(await awsCp(b, data.large, `${b.bucket}/aws-large`, b.s3, data.largeBytes));
    rows.push(await ferry(b, apiProxy, data.large, 'bench-large', data.largeBytes, ['--no-wait'], 'ferry, cold (8 MiB parts, 4 in flight, sha256 while sending)'));
    results.large = rows;
    table(`one ${LARGE_MIB} MiB file`, rows);
  } finally {
    b.stop();
    await apiProxy.close();
  }
}

{
  // API requests per 1,000 files need a run of 1,000: a 150-file run's fixed costs (the album lookup,
  // the first batch, the last polls) weigh 7 times as much per file.
  const b = await startBackend(join(root, 'backend-count'));
  const apiProxy = await startFaultProxy(b.api);
  try {
    const r = await ferry(b, apiProxy, data.many, 'bench-count', data.manyBytes, [], `ferry (+ thumbnails done), ${COUNT_FILES} files`);
    results.count = [r];
    table(`${COUNT_FILES} JPEGs of ~${Math.round(data.manyBytes / COUNT_FILES / 1024)} KB, loopback, for the request count`, [r]);
  } finally {
    b.stop();
    await apiProxy.close();
  }
}

/** Upload requests (single and batch routes) and status polls: what the per-file target counts. */
function counted(r: Result) {
  const q = r.requests!;
  const uploads = Object.entries(q).filter(([k]) => k.includes('/media/upload')).reduce((a, [, n]) => a + n, 0);
  const status = q['POST /media/status'] ?? 0;
  const total = Object.values(q).reduce((a, n) => a + n, 0);
  return { uploads, status, other: total - uploads - status };
}

console.log('\nAPI requests by Ferry (counted at the API proxy):');
console.log('| run | files | upload requests | status polls | other (album lookup) | uploads + status per 1,000 files |\n| --- | ---: | ---: | ---: | ---: | ---: |');
const runs: [string, Result, number][] = [
  ...results.loopback.filter((x) => x.requests).map((r): [string, Result, number] => ['loopback', r, SMALL]),
  ...results.latency.filter((x) => x.requests).map((r): [string, Result, number] => [`${LATENCY_MS} ms`, r, SMALL]),
  ['loopback', results.count[0]!, COUNT_FILES],
];
for (const [name, r, files] of runs) {
  const c = counted(r);
  console.log(`| ${name}, ${r.tool} | ${files} | ${c.uploads} | ${c.status} | ${c.other} | ${(((c.uploads + c.status) / files) * 1000).toFixed(0)} |`);
}

// The issue's targets, judged on this run.
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
const [rcloneLoop, awsLoop, ferryLoopWait, ferryLoop] = results.loopback;
const [rcloneLat, , ferryLatWait, ferryLat] = results.latency;
const [rcloneLarge, , ferryLarge] = results.large;
const perThousand = (r: Result, files: number) => {
  const c = counted(r);
  return ((c.uploads + c.status) / files) * 1000;
};
console.log('\ntargets (this run):');
console.log(`- loopback, ${SMALL} files: Ferry ${(rcloneLoop!.seconds / ferryLoop!.seconds).toFixed(2)}× rclone's speed (≥ 1: ${verdict(ferryLoop!.seconds <= rcloneLoop!.seconds)}), ${(awsLoop!.seconds / ferryLoop!.seconds).toFixed(2)}× the AWS CLI's (≥ 2: ${verdict(awsLoop!.seconds >= 2 * ferryLoop!.seconds)})`);
console.log(`- ${LATENCY_MS} ms, ${SMALL} files: Ferry ${(rcloneLat!.seconds / ferryLat!.seconds).toFixed(2)}× rclone's speed (≥ 1.5: ${verdict(rcloneLat!.seconds >= 1.5 * ferryLat!.seconds)})`);
const countRun = results.count[0]!;
console.log(`- API requests (uploads + status polls) per 1,000 files, ${COUNT_FILES}-file run: ${perThousand(countRun, COUNT_FILES).toFixed(0)} (≤ 20: ${verdict(perThousand(countRun, COUNT_FILES) <= 20)}); in the ${SMALL}-file runs: ${perThousand(ferryLoopWait!, SMALL).toFixed(0)} (loopback), ${perThousand(ferryLatWait!, SMALL).toFixed(0)} (${LATENCY_MS} ms)`);
console.log(`- ${LARGE_MIB} MiB cold: Ferry ${(rcloneLarge!.seconds / ferryLarge!.seconds).toFixed(2)}× rclone's speed (≥ 1.3: ${verdict(rcloneLarge!.seconds >= 1.3 * ferryLarge!.seconds)}), peak RSS ${ferryLarge!.peakRssMb.toFixed(0)} MB (≤ 150: ${verdict(ferryLarge!.peakRssMb <= 150)})`);
mkdirSync('.bench', { recursive: true });
writeFileSync('.bench/upload.json', JSON.stringify({ at: new Date().toISOString(), small: SMALL, countFiles: COUNT_FILES, largeMiB: LARGE_MIB, latencyMs: LATENCY_MS, results }, null, 2));
console.log(`\nwrote .bench/upload.json (${readFileSync('.bench/upload.json', 'utf8').length} bytes)`);
