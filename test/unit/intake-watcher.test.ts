/**
 * The watcher's timing on fake time: a file is reported once it has stopped changing for
 * `stabilityMs`, and a folder that went missing is looked for every `recheckMs`. No real sleep.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WriteFinish } from '../../main/intake/write-finish.ts';
import { FolderWatcher } from '../../main/intake/watcher.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

/** A file system of sizes the test writes to by hand. */
function fakeFiles() {
  const files = new Map<string, { size: number; mtimeMs: number }>();
  return {
    files,
    write(path: string, size: number, mtimeMs: number) {
      files.set(path, { size, mtimeMs });
    },
    stat: async (path: string) => files.get(path),
  };
}

/** Lets pending stats and sleeps run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('write finish', () => {
  it('reports a file once, after it has not changed for stabilityMs', async () => {
    const clock = new ManualClock();
    const fs = fakeFiles();
    const done: string[] = [];
    const wf = new WriteFinish({ clock, stat: fs.stat, stabilityMs: 1000, pollMs: 100, onFinished: (p) => done.push(p) });
    fs.write('/w/a.png', 10, 1);
    wf.seen('/w/a.png');
    await settle();
    // still growing for 3.5 s: never reported while it grows
    for (let t = 1; t <= 35; t++) {
      fs.write('/w/a.png', 10 + t * 100, 1 + t);
      await clock.advance(100);
      await settle();
    }
    expect(done).toEqual([]);
    await clock.advance(900);
    await settle();
    expect(done).toEqual([]);
    await clock.advance(200);
    await settle();
    expect(done).toEqual(['/w/a.png']);
    await clock.advance(10_000);
    await settle();
    expect(done).toEqual(['/w/a.png']);
    expect(wf.pending).toBe(0);
  });

  it('a second event for a file it follows does not report it twice', async () => {
    const clock = new ManualClock();
    const fs = fakeFiles();
    const done: string[] = [];
    const wf = new WriteFinish({ clock, stat: fs.stat, stabilityMs: 500, pollMs: 100, onFinished: (p) => done.push(p) });
    fs.write('/w/b.png', 5, 1);
    wf.seen('/w/b.png');
    wf.seen('/w/b.png');
    await settle();
    for (let i = 0; i < 8; i++) {
      await clock.advance(100);
      await settle();
    }
    expect(done).toEqual(['/w/b.png']);
  });

  it('drops a file that disappears while it is written (renamed away, deleted)', async () => {
    const clock = new ManualClock();
    const fs = fakeFiles();
    const done: string[] = [];
    const wf = new WriteFinish({ clock, stat: fs.stat, stabilityMs: 500, pollMs: 100, onFinished: (p) => done.push(p) });
    fs.write('/w/c.png.part', 5, 1);
    wf.seen('/w/c.png.part');
    await settle();
    fs.files.delete('/w/c.png.part');
    await clock.advance(100);
    await settle();
    expect(wf.pending).toBe(0);
    await clock.advance(1000);
    expect(done).toEqual([]);
  });

  it('reports nothing once stopped', async () => {
    const clock = new ManualClock();
    const fs = fakeFiles();
    const done: string[] = [];
    const wf = new WriteFinish({ clock, stat: fs.stat, stabilityMs: 500, pollMs: 100, onFinished: (p) => done.push(p) });
    fs.write('/w/d.png', 5, 1);
    wf.seen('/w/d.png');
    await settle();
    wf.stop();
    await clock.advance(5000);
    await settle();
    expect(done).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});

describe('folder watcher', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('marks a missing folder and watches it again when it comes back, every recheckMs', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ferry-watcher-'));
    dirs.push(root);
    const dir = join(root, 'out');
    const clock = new ManualClock();
    let changes = 0;
    const fw = new FolderWatcher({ id: 1, dir, comfyui: false, enabled: true, albumId: 'a' }, () => undefined, () => changes++, { recheckMs: 2000 }, clock);
    fw.start();
    expect(fw.missing).toBe(true);
    mkdirSync(dir);
    await clock.advance(1999);
    expect(fw.missing).toBe(true);
    await clock.advance(1);
    expect(fw.missing).toBe(false);
    rmSync(dir, { recursive: true });
    await clock.advance(2000);
    expect(fw.missing).toBe(true);
    expect(changes).toBe(3);
    await fw.close();
    expect(clock.pending).toBe(0);
  });
});
