/**
 * `npm run bench thumbnails`: process-upload's rendition core on a 4000×3000 photo-like JPEG (photos.ts)
 * beside the vips CLI (vipsthumbnail, default settings) and ImageMagick making the same six renditions
 * of the same file (display ≤ 2560, squares cropped around the subject: vips's `--smartcrop attention`;
 * ImageMagick has no saliency crop, so its squares are centred), in the same run. Each contender runs
 * under /usr/bin/time in its own process, so wall time and peak RSS are measured the same way for all
 * three (ours includes Node's own ~50 MB baseline).
 *
 * Targets (issue 2): ≤ ½ the vips CLI's time, ≥ 3.5× faster than ImageMagick, peak RSS < 300 MB.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { albumRenditions } from '../../shared/renditions.ts';
import { renderRenditions } from '../../backend-lambda/lib/renditions.ts';
import { benchPhotos } from './photos.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const dir = resolve('.bench/thumbnails');
let source = '';

/** Worker mode: read the file, make the six renditions, write them; what process-upload does minus S3. */
async function worker(input: string, outDir: string): Promise<void> {
  const t0 = performance.now();
  const bytes = readFileSync(input);
  const result = await renderRenditions(bytes, albumRenditions, { maxInputPixels: 100_000_000 });
  for (const r of result.renditions) writeFileSync(join(outDir, `${r.name}.webp`), r.data);
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ coreMs: ms, sizes: result.renditions.map((r) => `${r.name} ${r.width}×${r.height}`) }) + '\n');
}

interface Measure {
  wallS: number;
  peakMb: number;
  stdout: string;
}

function timed(cmd: string[], env: NodeJS.ProcessEnv = process.env): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', ...cmd], { encoding: 'utf8', env });
  const m = /TIME ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { wallS: Number(m[1]), peakMb: Number(m[2]) / 1024, stdout: r.stdout };
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function vipsScript(out: string): string {
  // One vipsthumbnail per rendition, default settings; `>` = only shrink, `strip` drops metadata.
  return albumRenditions
    .map((r) =>
      r.fit === 'cover'
        ? `vipsthumbnail ${q(source)} --size ${r.width}x${r.height} --smartcrop attention -o ${q(join(out, `${r.name}.webp`))}[Q=${r.quality},strip]`
        : `vipsthumbnail ${q(source)} --size '${r.width}x${r.height}>' -o ${q(join(out, `${r.name}.webp`))}[Q=${r.quality},strip]`,
    )
    .join(' && ');
}

function magickArgs(out: string, bin: string): string[] {
  // One ImageMagick process decoding once and cloning per rendition: its fastest fair shape.
  const args = [bin, source, '-auto-orient', '-strip'];
  for (const r of albumRenditions) {
    const file = join(out, `${r.name}.webp`);
    if (r.fit === 'cover') args.push('(', '+clone', '-resize', `${r.width}x${r.height}^`, '-gravity', 'center', '-extent', `${r.width}x${r.height}`, '-quality', String(r.quality), '-write', file, '+delete', ')');
    else args.push('(', '+clone', '-resize', `${r.width}x${r.height}>`, '-quality', String(r.quality), '-write', file, '+delete', ')');
  }
  args.push('null:');
  return args;
}

function magickScript(out: string, bin: string): string {
  // The vips CLI's shape: one process per rendition, each decoding the file.
  return albumRenditions
    .map((r) => {
      const file = q(join(out, `${r.name}.webp`));
      return r.fit === 'cover'
        ? `${bin} ${q(source)} -auto-orient -strip -resize ${r.width}x${r.height}^ -gravity center -extent ${r.width}x${r.height} -quality ${r.quality} ${file}`
        : `${bin} ${q(source)} -auto-orient -strip -resize '${r.width}x${r.height}>' -quality ${r.quality} ${file}`;
    })
    .join(' && ');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (process.argv[2] === '--worker') return worker(process.argv[3]!, process.argv[4]!);
  mkdirSync(dir, { recursive: true });
  source = (await benchPhotos(1))[0]!;
  const magick = ['/usr/bin/magick', '/usr/bin/convert'].find((b) => existsSync(b));
  const haveVips = spawnSync('vipsthumbnail', ['--version']).status === 0;

  const rows: { name: string; wall: number[]; peak: number[]; note?: string; displayBytes?: number }[] = [];
  const run = (name: string, make: (out: string) => Measure, note?: string) => {
    const row: { name: string; wall: number[]; peak: number[]; note?: string; displayBytes?: number } = { name, wall: [], peak: [], ...(note ? { note } : {}) };
    for (let i = 0; i < RUNS; i++) {
      const out = join(dir, `out-${name.replace(/\W+/g, '-')}`);
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      const m = make(out);
      row.wall.push(m.wallS);
      row.peak.push(m.peakMb);
      row.displayBytes = statSync(join(out, 'display.webp')).size;
      if (i === 0 && m.stdout.trim()) row.note = (row.note ? row.note + '; ' : '') + m.stdout.trim();
    }
    rows.push(row);
  };

  const env = { ...process.env, MALLOC_ARENA_MAX: '2', UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '4' };
  run('ferry (sharp, process-upload core)', (out) => timed([process.execPath, 'test/bench/thumbnails.bench.ts', '--worker', source, out], env));
  if (haveVips) run('vips CLI (vipsthumbnail ×6)', (out) => timed(['sh', '-c', vipsScript(out)]));
  else console.log('vipsthumbnail not found: apt-get install libvips-tools');
  if (magick) {
    run(`ImageMagick (${magick.split('/').pop()}, one process)`, (out) => timed(magickArgs(out, magick)));
    run(`ImageMagick (${magick.split('/').pop()} ×6)`, (out) => timed(['sh', '-c', magickScript(out, magick)]));
  }
  else console.log('ImageMagick not found: apt-get install imagemagick');

  const ours = median(rows[0]!.wall);
  console.log(`source: ${source} (4000×3000 photo-like JPEG), ${RUNS} runs each, median wall time; peak RSS is the largest of the runs`);
  console.log('| contender | wall s (median) | runs | peak RSS MB | display.webp bytes | time vs ferry |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const w = median(r.wall);
    console.log(`| ${r.name} | ${w.toFixed(2)} | ${r.wall.map((x) => x.toFixed(2)).join(', ')} | ${Math.max(...r.peak).toFixed(0)} | ${r.displayBytes ?? '?'} | ${(w / ours).toFixed(2)}× |`);
  }
  for (const r of rows) if (r.note) console.log(`${r.name}: ${r.note}`);
  const vips = rows.find((r) => r.name.startsWith('vips'));
  // The target is judged against ImageMagick's fastest shape (one process, decoded once).
  const im = rows.find((r) => r.name.startsWith('ImageMagick'));
  const peak = Math.max(...rows[0]!.peak);
  const checks = [
    vips ? `vips/ferry = ${(median(vips.wall) / ours).toFixed(2)} (target ≥ 2): ${median(vips.wall) / ours >= 2 ? 'met' : 'MISSED'}` : 'vips: not run',
    im ? `ImageMagick/ferry = ${(median(im.wall) / ours).toFixed(2)} (target ≥ 3.5): ${median(im.wall) / ours >= 3.5 ? 'met' : 'MISSED'}` : 'ImageMagick: not run',
    `ferry peak RSS ${peak.toFixed(0)} MB (target < 300): ${peak < 300 ? 'met' : 'MISSED'}`,
  ];
  for (const c of checks) console.log(c);
  writeFileSync(join(dir, 'result.json'), JSON.stringify({ rows, checks }, null, 2));
}

await main();
