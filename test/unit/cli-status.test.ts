/** `ferry status` prints the same counts as the UI's header and tabs (shared/queue-order.ts). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openDatabase } from '../../main/store/db.ts';
import { QueueStore } from '../../main/store/queue-store.ts';
import type { FileState } from '../../shared/engine-api.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-status-'));
  const store = new QueueStore(openDatabase(join(dir, 'queue.sqlite')));
  const states: FileState[] = ['uploaded', 'uploaded', 'skipped', 'failed', 'queued', 'processing'];
  states.forEach((s, i) => store.insertFile({ path: `/p/${i}.jpg`, target: 'album:a', size: 1000, mtimeMs: 1, mimeType: 'image/jpeg' }, s));
  store.db.close();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('ferry status', () => {
  it('says files, in progress or waiting, failed and done by the one shared definition', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/ferry.js', 'status', '--data-dir', dir]);
    expect(stdout.split('\n')[0]).toBe('6 files: 2 in progress or waiting, 1 failed, 3 done');
    const json = JSON.parse((await promisify(execFile)(process.execPath, ['bin/ferry.js', 'status', '--json', '--data-dir', dir])).stdout) as { counts: Record<string, number> };
    expect(json.counts).toMatchObject({ all: 6, active: 2, failed: 1, done: 3 });
  });
});
