/**
 * The readiness floor (issue 13): process-upload's rendition core over a folder of files with every
 * core busy and no upload at all: read, render, write the WebPs. Run as its own process by
 * `ready.bench.ts` (`node test/bench/render-floor.ts <out> <concurrency> <file...>`), so its wall
 * time and peak RSS are measured the way the other contenders' are. Prints one JSON line.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import pLimit from 'p-limit';
import { albumRenditions } from '../../shared/renditions.ts';
import { DEFAULTS } from '../../backend-lambda/lib/config.ts';
import { renderRenditions } from '../../backend-lambda/lib/renditions.ts';

const [out, concurrency, ...files] = process.argv.slice(2);
if (!out || !concurrency || files.length === 0) throw new Error('usage: render-floor.ts <out> <concurrency> <file...>');
const limit = pLimit(Number(concurrency));
const t0 = performance.now();
await Promise.all(
  files.map((f) =>
    limit(async () => {
      const r = await renderRenditions(readFileSync(f), albumRenditions, { maxInputPixels: DEFAULTS.maxInputPixels });
      const dir = join(out, basename(f).replace(/\.[^.]+$/, ''));
      mkdirSync(dir, { recursive: true });
      for (const x of r.renditions) writeFileSync(join(dir, `${x.name}.webp`), x.data);
    }),
  ),
);
process.stdout.write(JSON.stringify({ files: files.length, concurrency: Number(concurrency), ms: performance.now() - t0 }) + '\n');
