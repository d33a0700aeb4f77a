/**
 * `npm run bench [name...]`: runs each benchmark in test/bench/ (or the named ones) in turn, in its
 * own process so peak RSS figures are its own. Each prints its table; results also land in .bench/.
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const wanted = process.argv.slice(2);
const files = readdirSync('test/bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, [`test/bench/${f}`], { stdio: 'inherit', env: { ...process.env, MALLOC_ARENA_MAX: '2' } });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
