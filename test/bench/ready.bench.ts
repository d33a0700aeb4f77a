/**
 * `npm run bench ready` (issue 13): how long until 150 photos are in the album with their renditions,
 * side by side in one run on the same files (12 MP photo-like JPEGs from photos.ts):
 * - ferry: `ferry upload` against `ferry backend` (its own process), until every record is `uploaded`;
 * - floor: process-upload's rendition core over the same files, all cores busy, no upload at all;
 * - vips CLI and ImageMagick making the same renditions, two files at a time (display ≤ 2560, squares).
 * Wall time and CPU come from GNU time for every contender (the backend's from /proc, sampled).
 * FERRY_BENCH_READY_FILES shrinks the set; FERRY_BENCH_READY_MAGICK=0 leaves ImageMagick out.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { albumRenditions } from '../../shared/renditions.ts';
import { mediaPageResponse, type Media } from '../../shared/api.ts';
import { benchPhotos } from './photos.ts';
import { startBenchBackend, type BenchBackend } from './ferry-backend.ts';

const FILES = Number(process.env.FERRY_BENCH_READY_FILES ?? 150);
const root = resolve('.bench/ready');
const cores = availableParallelism();

interface Run {
  name: string;
  wallS: number;
  cpuS: number;
  peakMb: number;
  note?: string;
}

/** Runs a command under GNU time: wall seconds, user+sys CPU seconds, peak RSS of the command. */
function timed(name: string, cmd: string[], env: NodeJS.ProcessEnv = process.env): Run & { stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', ...cmd], { encoding: 'utf8', env, maxBuffer: 256 * 1024 * 1024 });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${name} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const run = { name, wallS: Number(m[1]), cpuS: Number(m[2]) + Number(m[3]), peakMb: Number(m[4]) / 1024, stdout: r.stdout };
  // As it goes: the whole bench takes minutes, the slow contenders most of them.
  console.log(`  ${name}: ${run.wallS.toFixed(2)} s wall, ${run.cpuS.toFixed(1)} s CPU, ${run.peakMb.toFixed(0)} MB`);
  return run;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** One shell line making the six renditions of "$1" into "$2" with vipsthumbnail (one call each). */
function vipsLine(): string {
  return albumRenditions
    .map((r) =>
      r.fit === 'cover'
        ? `vipsthumbnail "$1" --size ${r.width}x${r.height} --smartcrop attention -o "$2/${r.name}.webp[Q=${r.quality},strip]"`
        : `vipsthumbnail "$1" --size '${r.width}x${r.height}>' -o "$2/${r.name}.webp[Q=${r.quality},strip]"`,
    )
    .join(' && ');
}

/** ImageMagick's fastest shape: one process per file that decodes once and clones per rendition. */
function magickLine(): string {
  const parts = ['convert "$1" -auto-orient -strip'];
  for (const r of albumRenditions) {
    const out = `"$2/${r.name}.webp"`;
    // ImageMagick has no saliency crop: its squares are centred (it does less work than the others).
    if (r.fit === 'cover') parts.push(`\\( +clone -resize ${r.width}x${r.height}^ -gravity center -extent ${r.width}x${r.height} -quality ${r.quality} -write ${out} +delete \\)`);
    else parts.push(`\\( +clone -resize '${r.width}x${r.height}>' -quality ${r.quality} -write ${out} +delete \\)`);
  }
  return parts.join(' ') + ' null:';
}

/** Runs `line` per file ($1 the file, $2 its output dir), `parallel` files at a time, under GNU time. */
function perFile(name: string, line: string, files: string[], parallel: number): Run {
  const out = join(root, `out-${name.replace(/\W+/g, '-')}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const list = join(root, 'files.txt');
  writeFileSync(list, files.join('\n') + '\n');
  const script = `xargs -d '\\n' -P ${parallel} -I{} sh -c 'd=${q(out)}/$(basename "$1" .jpg); mkdir -p "$d"; set -- "$1" "$d"; ${line.replace(/'/g, `'\\''`)}' _ {} < ${q(list)}`;
  return timed(name, ['sh', '-c', script]);
}

// MALLOC_ARENA_MAX as main/engine/backend-process.ts and Electron start the backend.
const startBackend = (dataDir: string) => startBenchBackend(dataDir, { ...process.env, FERRY_DATA_DIR: dataDir, MALLOC_ARENA_MAX: '2' });

/** The backend's peak RSS so far (the kernel's high-water mark) and its CPU seconds. */
function backendUsage(pid: number): { hwmMb: number; cpuS: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  // /proc/pid/stat fields 14 and 15: utime and stime in clock ticks (100 a second on Linux).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { hwmMb: hwm / 1024, cpuS: (Number(fields[11]) + Number(fields[12])) / 100 };
}

async function albumMedia(b: BenchBackend, albumId: string): Promise<Media[]> {
  const all: Media[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `${b.api}/albums/${albumId}/media${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${b.token}` } });
    const page = mediaPageResponse.parse(await res.json());
    all.push(...page.media);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

async function ferryRun(files: string[]): Promise<{ run: Run; lastReadyS: number; complete: number; backendPeakMb: number }> {
  const b = await startBackend(join(root, 'backend'));
  try {
    const before = backendUsage(b.pid);
    const clientDir = join(root, 'client');
    rmSync(clientDir, { recursive: true, force: true });
    const t0 = Date.now();
    const run = timed('ferry upload (until every record is uploaded)', [process.execPath, 'bin/ferry.js', 'upload', ...files, '--album', 'ready-bench', '--create-album', '--api', b.api, '--token', b.token, '--data-dir', clientDir, '--json'], {
      ...process.env,
      FERRY_DATA_DIR: clientDir,
    });
    const after = backendUsage(b.pid);
    const out = JSON.parse(run.stdout) as { uploaded: { mediaId: string }[]; failed: unknown[] };
    if (out.failed.length) throw new Error(`ferry upload failed for ${out.failed.length} files: ${JSON.stringify(out.failed.slice(0, 3))}`);
    const albums = (await (await fetch(`${b.api}/albums`, { headers: { authorization: `Bearer ${b.token}` } })).json()) as { albums: { albumId: string; title: string }[] };
    const albumId = albums.albums.find((a) => a.title === 'ready-bench')!.albumId;
    const media = await albumMedia(b, albumId);
    const complete = media.filter((m) => m.status === 'uploaded' && Object.keys(m.thumbnails ?? {}).length === albumRenditions.length && m.thumbhash && m.dominantColor).length;
    const lastReadyS = (Math.max(...media.map((m) => Date.parse(m.updatedAt))) - t0) / 1000;
    return {
      run: { ...run, cpuS: run.cpuS + (after.cpuS - before.cpuS), note: `client ${run.cpuS.toFixed(1)} s CPU, backend ${(after.cpuS - before.cpuS).toFixed(1)} s` },
      lastReadyS,
      complete,
      backendPeakMb: after.hwmMb,
    };
  } finally {
    await b.stop();
  }
}

const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

async function main(): Promise<void> {
  mkdirSync(root, { recursive: true });
  const files = await benchPhotos(FILES);
  const runs: Run[] = [];
  const floorOut = join(root, 'out-floor');
  rmSync(floorOut, { recursive: true, force: true });
  const floor = timed('floor (renderRenditions, all cores, no upload)', [process.execPath, 'test/bench/render-floor.ts', floorOut, String(cores), ...files], { ...process.env, MALLOC_ARENA_MAX: '2' });
  runs.push(floor);
  const ferry = await ferryRun(files);
  runs.push(ferry.run);
  const haveVips = spawnSync('vipsthumbnail', ['--version']).status === 0;
  const vips = haveVips ? perFile('vips CLI (vipsthumbnail ×6 per file, 2 files at a time)', vipsLine(), files, 2) : undefined;
  if (vips) runs.push(vips);
  else console.log('vipsthumbnail not found: apt-get install libvips-tools');
  const haveMagick = existsSync('/usr/bin/convert') && process.env.FERRY_BENCH_READY_MAGICK !== '0';
  const magick = haveMagick ? perFile('ImageMagick (convert, one process per file, 2 at a time)', magickLine(), files, 2) : undefined;
  if (magick) runs.push(magick);

  console.log(`${FILES} photo-like 4000×3000 JPEGs (.bench/photos), ${cores} cores; renditions: ${albumRenditions.map((r) => `${r.name} ${r.width}`).join(', ')}`);
  console.log('| contender | wall s | per image s (wall / files) | CPU s per image | peak RSS MB | vs floor |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of runs) {
    console.log(`| ${r.name} | ${r.wallS.toFixed(2)} | ${(r.wallS / FILES).toFixed(3)} | ${(r.cpuS / FILES).toFixed(3)} | ${r.peakMb.toFixed(0)} | ${(r.wallS / floor.wallS).toFixed(2)}× |`);
  }
  console.log(`ferry: ${ferry.run.note}; last record uploaded ${ferry.lastReadyS.toFixed(2)} s after the upload started; backend peak RSS ${ferry.backendPeakMb.toFixed(0)} MB`);
  console.log(`ferry: ${ferry.complete} of ${FILES} records on the album's media pages are uploaded with ${albumRenditions.length} renditions, a thumbhash and a colour`);

  const checks = [
    `ready ${(ferry.run.wallS / floor.wallS).toFixed(2)}× the floor (≤ 1.15): ${verdict(ferry.run.wallS <= 1.15 * floor.wallS)}`,
    vips ? `ready ${(ferry.run.wallS / vips.wallS).toFixed(2)}× the vips CLI's time (≤ 0.4): ${verdict(ferry.run.wallS <= 0.4 * vips.wallS)}` : 'vips CLI: not run',
    vips ? `per image, renditions (floor) ${(floor.wallS / vips.wallS).toFixed(2)}× the vips CLI's (≤ 0.5): ${verdict(floor.wallS <= 0.5 * vips.wallS)}` : 'vips CLI: not run',
    `backend peak RSS ${ferry.backendPeakMb.toFixed(0)} MB (≤ 600): ${verdict(ferry.backendPeakMb <= 600)}`,
    `album media pages carry thumbhash and colour for ${ferry.complete}/${FILES} images: ${verdict(ferry.complete === FILES)}`,
  ];
  console.log('\ntargets (this run):');
  for (const c of checks) console.log(`- ${c}`);
  writeFileSync(join(root, 'result.json'), JSON.stringify({ at: new Date().toISOString(), files: FILES, cores, runs, ferry, checks }, null, 2));
}

await main();
