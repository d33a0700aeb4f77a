/**
 * `npm run bench upload`: Ferry against `rclone copy` and `aws s3 cp --recursive`, same files, same
 * embedded S3 (s3rver, run as `ferry backend` in its own process), same run.
 * - small: 150 JPEGs of ~1 MB. Ferry's time includes hashing, its API calls, and the backend's Sharp
 *   processing running beside it (`--no-wait`: done when the bytes are in S3; the full wait is shown too).
 * - large: one 1 GiB file; rclone with 8 MiB parts, 4 in flight (Ferry's defaults are the same).
 * Peak RSS is the uploader process's (GNU time's max resident set size). Results go to .bench/upload.json.
 * FERRY_BENCH_SMALL / FERRY_BENCH_LARGE_MIB shrink the data for a quick run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { writeLargeMp4 } from '../helpers/engine-fixtures.ts';
import { startBenchBackend, type BenchBackend } from './ferry-backend.ts';

const root = resolve('.bench/upload');
const SMALL = Number(process.env.FERRY_BENCH_SMALL ?? 150);
const LARGE_MIB = Number(process.env.FERRY_BENCH_LARGE_MIB ?? 1024);
const MiB = 1024 * 1024;

/** A ~1 MB JPEG of deterministic noise (noise is what keeps JPEG from compressing it to nothing). */
async function noisyJpeg(seed: number): Promise<Buffer> {
  const w = 1280;
  const h = 960;
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
  mkdirSync(large, { recursive: true });
  const big = join(large, 'big.mp4');
  if (!existsSync(big) || statSync(big).size !== LARGE_MIB * MiB) await writeLargeMp4(big, LARGE_MIB * MiB);
  const smallBytes = readdirSync(small).reduce((n, f) => n + statSync(join(small, f)).size, 0);
  return { small, large, smallBytes, largeBytes: LARGE_MIB * MiB };
}

interface Backend extends BenchBackend {
  /** the store's per-install key, as `ferry backend --print-credentials` gives it to rclone and the AWS CLI */
  key: { accessKeyId: string; secretAccessKey: string };
}

async function startBackend(dataDir: string): Promise<Backend> {
  const backend = await startBenchBackend(dataDir);
  const creds = spawnSync(process.execPath, ['bin/ferry.js', 'backend', '--data-dir', dataDir, '--print-credentials', '--json'], { encoding: 'utf8' });
  const key = JSON.parse(creds.stdout) as Backend['key'];
  return { ...backend, key };
}

interface Result {
  tool: string;
  seconds: number;
  mbPerSec: number;
  peakRssMb: number;
}

/** Runs a command under GNU time; returns wall seconds and the peak RSS it reports. */
function timed(tool: string, cmd: string, args: string[], bytes: number, env: Record<string, string> = {}): Result {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS_KB=%M', cmd, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * MiB,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${tool} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const kb = Number(/MAXRSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? 0);
  return { tool, seconds, mbPerSec: bytes / MiB / seconds, peakRssMb: kb / 1024 };
}

function rcloneEnv(b: Backend): Record<string, string> {
  return {
    RCLONE_CONFIG_BENCH_TYPE: 's3',
    RCLONE_CONFIG_BENCH_PROVIDER: 'Other',
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: b.key.accessKeyId,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: b.key.secretAccessKey,
    RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
    RCLONE_CONFIG_BENCH_ENDPOINT: b.s3,
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
    AWS_CA_BUNDLE: '',
  };
}

function awsEnv(b: Backend): Record<string, string> {
  const cfg = join(root, 'aws-config');
  writeFileSync(cfg, '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n  max_concurrent_requests = 10\n');
  return { AWS_ACCESS_KEY_ID: b.key.accessKeyId, AWS_SECRET_ACCESS_KEY: b.key.secretAccessKey, AWS_CONFIG_FILE: cfg, AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
}

function ferry(b: Backend, dir: string, album: string, bytes: number, extra: string[] = [], label = 'ferry'): Result {
  const dataDir = join(root, `client-${album}`);
  rmSync(dataDir, { recursive: true, force: true });
  return timed(label, process.execPath, ['bin/ferry.js', 'upload', dir, '--album', album, '--create-album', '--api', b.api, '--token', b.token, '--data-dir', dataDir, '--json', ...extra], bytes);
}

function table(title: string, rows: Result[]) {
  console.log(`\n${title}`);
  console.log('| tool | seconds | MB/s | peak RSS (MB) |\n| --- | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.tool} | ${r.seconds.toFixed(2)} | ${r.mbPerSec.toFixed(1)} | ${r.peakRssMb.toFixed(0)} |`);
}

const data = await makeData();
const aws = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const results: Record<string, Result[]> = {};
{
  const b = await startBackend(join(root, 'backend-small'));
  try {
    const rows: Result[] = [];
    rows.push(timed('rclone copy --transfers 8', 'rclone', ['copy', data.small, `bench:${b.bucket}/rclone-small`, '--transfers', '8', '--s3-no-check-bucket'], data.smallBytes, rcloneEnv(b)));
    rows.push(timed('aws s3 cp --recursive', aws, ['s3', 'cp', '--recursive', '--quiet', '--endpoint-url', b.s3, data.small, `s3://${b.bucket}/aws-small/`], data.smallBytes, awsEnv(b)));
    // The waiting run goes first: it leaves no processing backlog behind to slow the next one down.
    rows.push(ferry(b, data.small, 'bench-small-wait', data.smallBytes, ['--concurrency', '8'], 'ferry --concurrency 8 (+ thumbnails done)'));
    rows.push(ferry(b, data.small, 'bench-small', data.smallBytes, ['--concurrency', '8', '--no-wait'], 'ferry --concurrency 8 (bytes in S3)'));
    results.small = rows;
    table(`${SMALL} JPEGs, ${(data.smallBytes / MiB).toFixed(0)} MiB`, rows);
  } finally {
    await b.stop();
  }
}
{
  const b = await startBackend(join(root, 'backend-large'));
  try {
    const rows: Result[] = [];
    rows.push(
      timed(
        'rclone copy (8 MiB parts, 4 in flight)',
        'rclone',
        ['copy', data.large, `bench:${b.bucket}/rclone-large`, '--s3-chunk-size', '8M', '--s3-upload-concurrency', '4', '--s3-upload-cutoff', '32M', '--s3-no-check-bucket'],
        data.largeBytes,
        rcloneEnv(b),
      ),
    );
    rows.push(timed('aws s3 cp --recursive', aws, ['s3', 'cp', '--recursive', '--quiet', '--endpoint-url', b.s3, data.large, `s3://${b.bucket}/aws-large/`], data.largeBytes, awsEnv(b)));
    rows.push(ferry(b, data.large, 'bench-large', data.largeBytes, ['--no-wait'], 'ferry (8 MiB parts, 4 in flight, incl. sha256)'));
    results.large = rows;
    table(`one ${LARGE_MIB} MiB file`, rows);
  } finally {
    await b.stop();
  }
}
// The targets, judged on this run: at least rclone's speed, twice the AWS CLI's, ≤ 150 MB.
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
const [rcloneSmall, awsSmall, , ferrySmall] = results.small!;
const [rcloneLarge, , ferryLarge] = results.large!;
console.log('\ntargets (this run):');
console.log(`- ${SMALL} files: Ferry ${(ferrySmall!.seconds / rcloneSmall!.seconds).toFixed(2)}× rclone's time (≤ 1: ${verdict(ferrySmall!.seconds <= rcloneSmall!.seconds)}), ${(awsSmall!.seconds / ferrySmall!.seconds).toFixed(2)}× faster than the AWS CLI (≥ 2: ${verdict(awsSmall!.seconds >= 2 * ferrySmall!.seconds)})`);
console.log(`- ${LARGE_MIB} MiB: Ferry ${(ferryLarge!.seconds / rcloneLarge!.seconds).toFixed(2)}× rclone's time (≤ 1: ${verdict(ferryLarge!.seconds <= rcloneLarge!.seconds)}), peak RSS ${ferryLarge!.peakRssMb.toFixed(0)} MB (≤ 150: ${verdict(ferryLarge!.peakRssMb <= 150)})`);
mkdirSync('.bench', { recursive: true });
writeFileSync('.bench/upload.json', JSON.stringify({ at: new Date().toISOString(), small: SMALL, largeMiB: LARGE_MIB, results }, null, 2));
console.log(`\nwrote .bench/upload.json (${readFileSync('.bench/upload.json', 'utf8').length} bytes)`);
