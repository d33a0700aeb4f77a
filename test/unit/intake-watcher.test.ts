/**
 * The watcher's folder timing on fake time: a folder that went missing is looked for every
 * `recheckMs`. No real sleep. (When a file is let through is intake-readiness.test.ts.)
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FolderWatcher } from '../../main/intake/watcher.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

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
