/**
 * `ferry upload` on a real terminal (tmux): a ~200 MB folder of photos on the embedded backend,
 * the screen read every 150 ms. The bar must never show cli-progress's `LL`/`NF`, `NaN`, or an ETA
 * over a day, must show the album header and the skip reason of a `.txt` (once hidden on a
 * terminal), and may show 100 % only once every photo's thumbnails are made (it used to sit at 100 %
 * for 35 s while they were made, issue 14). Then a re-run says "already uploaded", and `ferry rm`
 * asks before deleting. Skipped, with the reason, where tmux is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseSync } from 'node:sqlite';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `ferry-test-${process.pid}`;
const session = 'upload';
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const work = mkdtempSync(join(tmpdir(), 'ferry-tty-'));

afterAll(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  // The command starts its backend detached (it outlives a killed command, by design): when a run is
  // cut short, stop it here by the pid it wrote, before its data dir goes.
  try {
    const dataDir = join(work, 'data');
    const { pid } = JSON.parse(readFileSync(join(dataDir, 'backend', 'backend.json'), 'utf8')) as { pid: number };
    // Only if that pid is still this data dir's backend (a stopped one's pid may have been reused).
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir)) process.kill(pid);
  } catch {
    // no backend left running
  }
  rmSync(work, { recursive: true, force: true });
});

/** 36 distinct 5.6 MB JPEGs (two noise photos, each copy made unique by bytes after its end marker) and a .txt. */
async function writeFolder(dir: string): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const bases = await Promise.all(
    [60, 80].map((sigma) =>
      sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma } } })
        .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
        .toBuffer(),
    ),
  );
  let bytes = 0;
  for (let i = 0; i < 36; i++) {
    // Decoders stop at the JPEG end marker; the trailing tag only changes the file's sha256.
    const file = Buffer.concat([bases[i % 2]!, Buffer.from(`ferry-copy-${i}`)]);
    writeFileSync(join(dir, `photo-${String(i).padStart(2, '0')}.jpg`), file);
    bytes += file.length;
  }
  writeFileSync(join(dir, 'notes.txt'), 'not a photo');
  return bytes;
}

/** "ETA 3m05s" → 185; "--" and ">1 day" → null (not a number a user would read as a time). */
function etaSeconds(text: string): number | null {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || text === '') return null;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

describe.skipIf(!hasTmux)(`ferry upload on a terminal${hasTmux ? '' : ' (skipped: tmux is not installed: apt-get install tmux)'}`, () => {
  it('the bar tells the truth through processing: no LL/NaN, no ETA over a day, 100 % only after the last thumbnail', async () => {
    const folder = join(work, 'shoot');
    const dataDir = join(work, 'data');
    const total = await writeFolder(folder);
    expect(total).toBeGreaterThan(195_000_000);
    // Run twice: the second run finds everything uploaded and must say so ("already uploaded").
    const upload = `${process.execPath} ${resolve('bin/ferry.js')} upload ${folder} --album Shoot --create-album`;
    // `read` holds the first run's last screen until the test has read it and presses Enter.
    const cmd = `${upload}; echo "EXIT=$?"; read _; clear; ${upload}; echo "AGAIN=$?"; sleep 600`;
    tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', '-e', `FERRY_DATA_DIR=${dataDir}`, cmd);

    const queueDb = join(dataDir, 'queue.sqlite');
    let db: DatabaseSync | undefined;
    const screens: string[] = [];
    const barLines: string[] = [];
    let sawProcessingBelow100 = false;
    let screen = '';
    const deadline = Date.now() + 300_000;
    while (!/EXIT=\d+/.test(screen)) {
      if (Date.now() > deadline) throw new Error(`no EXIT line within 300 s; last screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, 150));
      screen = tmux('capture-pane', '-p', '-t', session);
      screens.push(screen);
      for (const lineText of screen.split('\n').filter((l) => l.includes(' files | '))) {
        barLines.push(lineText);
        expect(lineText, lineText).not.toMatch(/\bLL\b|\bNF\b|NaN|Infinity|undefined|null/);
        const eta = /ETA (\S+)\s*$/.exec(lineText)?.[1] ?? '';
        expect(eta, lineText).not.toBe('>1 day');
        const secs = etaSeconds(eta);
        if (secs !== null) expect(secs, lineText).toBeLessThan(86_400);
        if (/ 0 B\/s /.test(lineText)) throw new Error(`0 B/s while bytes remain: ${lineText}`);
        const pct = Number(/ (\d+)% \|/.exec(lineText)?.[1]);
        if (/making thumbnails/.test(lineText) && pct < 100) sawProcessingBelow100 = true;
        if (pct === 100) {
          // The screen said 100 %: every photo must already be processed (the queue's rows settle
          // before the bar is drawn from them; states only move forward).
          // Read-only, with a busy timeout: the command is writing to this database.
          db ??= new DatabaseSync(queueDb, { readOnly: true, timeout: 5_000 });
          const byState = Object.fromEntries(
            (db.prepare('SELECT state, COUNT(*) AS n FROM files GROUP BY state').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]),
          );
          expect(byState, lineText).toEqual({ uploaded: 36, skipped: 1 });
        }
      }
    }
    db?.close();
    // Every distinct bar reading and the last screen, kept for a person to look at.
    mkdirSync('test-results', { recursive: true });
    writeFileSync(join('test-results', 'cli-terminal-bar.txt'), [...new Set(barLines)].join('\n') + '\n\n' + screens.at(-1));
    const last = screens.at(-1)!;
    expect(last).toMatch(/EXIT=0/);
    expect(last).toContain('uploading 37 files to album "Shoot"');
    expect(last).toMatch(/skipped +shoot\/notes\.txt|skipped +.*notes\.txt +\(not an image or video Ferry uploads \(\.txt\)\)/);
    expect(last).toContain('36 uploaded, 1 skipped, 0 failed');
    expect(barLines.length).toBeGreaterThan(10);
    expect(barLines.at(-1)).toMatch(/ 100% \| 37\/37 files \| .* \| done \| ETA 0s/);

    tmux('send-keys', '-t', session, 'Enter');
    let again = '';
    for (const until = Date.now() + 120_000; !/AGAIN=\d+/.test(again); ) {
      if (Date.now() > until) throw new Error(`the re-run did not finish within 120 s:\n${again}`);
      await new Promise((r) => setTimeout(r, 200));
      again = tmux('capture-pane', '-p', '-t', session);
    }
    expect(again).toMatch(/AGAIN=0/);
    expect(again).toContain('36 already uploaded, 1 skipped, 0 failed');

    // ferry rm on a terminal names the file and asks; "y" deletes it.
    const ro = new DatabaseSync(queueDb, { readOnly: true, timeout: 5_000 });
    const { media_id: mediaId } = ro.prepare("SELECT media_id FROM files WHERE path LIKE '%photo-00.jpg'").get() as { media_id: string };
    ro.close();
    tmux('new-window', '-t', session, '-n', 'rm', '-e', `FERRY_DATA_DIR=${dataDir}`, `${process.execPath} ${resolve('bin/ferry.js')} rm ${mediaId}; echo "RM=$?"; sleep 600`);
    const rmScreen = async (done: RegExp) => {
      for (const until = Date.now() + 90_000; ; ) {
        const text = tmux('capture-pane', '-p', '-t', `${session}:rm`);
        if (done.test(text)) return text;
        if (Date.now() > until) throw new Error(`ferry rm: no ${done} within 90 s:\n${text}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const asked = await rmScreen(/\[y\/N\]/);
    expect(asked).toContain(`  ${mediaId}  photo-00.jpg`);
    expect(asked).toContain('Delete photo-00.jpg and its thumbnails for good? [y/N]');
    tmux('send-keys', '-t', `${session}:rm`, 'y', 'Enter');
    const deleted = await rmScreen(/RM=\d+/);
    expect(deleted).toContain(`deleted      ${mediaId}  photo-00.jpg`);
    expect(deleted).toContain('1 deleted');
    expect(deleted).toContain('RM=0');
    // The bar did go through a stage where bytes were in and thumbnails were still being made,
    // unless this machine made them faster than the screen was read.
    if (!sawProcessingBelow100) console.warn('cli-terminal: processing finished between two screen reads');
  }, 360_000);
});

