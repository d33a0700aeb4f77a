/**
 * The engine host's own actions: dismissing settled rows (never one still moving), deleting photos
 * with a per-photo outcome, and listing folders for the browser's folder picker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../main/store/db.ts';
import { QueueStore } from '../../main/store/queue-store.ts';
import { deleteMediaEach, dismissRows } from '../../main/engine/host-actions.ts';
import { listFolder } from '../../main/engine/folders.ts';
import { HttpError } from '../../main/engine/errors.ts';
import type { FileState } from '../../shared/engine-api.ts';

describe('dismissRows', () => {
  it('removes failed, skipped, cancelled and uploaded rows, and leaves moving or waiting ones', () => {
    const store = new QueueStore(openDatabase(':memory:'));
    const states: FileState[] = ['failed', 'skipped', 'uploading', 'queued', 'processing', 'uploaded', 'cancelled', 'paused'];
    const ids = states.map((state, i) => store.insertFile({ path: `/p/${i}.jpg`, target: 'album:a', size: 1, mtimeMs: 1, mimeType: 'image/jpeg' }, state));
    expect(dismissRows(store, [...ids, 999])).toEqual([ids[0], ids[1], ids[5], ids[6]]);
    expect(store.getMany(ids).map((r) => r.state)).toEqual(['uploading', 'queued', 'processing', 'paused']);
  });
});

describe('deleteMediaEach', () => {
  it('deletes each once, and reports the ones the backend refused with its words', async () => {
    const asked: string[] = [];
    const client = {
      deleteMedia: async (id: string) => {
        asked.push(id);
        if (id === 'm2') throw new HttpError(403, 'That media belongs to another user.', { code: 'FORBIDDEN' });
      },
    };
    const res = await deleteMediaEach(client, ['m1', 'm2', 'm3', 'm1']);
    expect(asked.sort()).toEqual(['m1', 'm2', 'm3']);
    expect(res.deleted.sort()).toEqual(['m1', 'm3']);
    expect(res.failed).toEqual([{ mediaId: 'm2', message: 'That media belongs to another user.' }]);
  });
});

describe('listFolder', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ferry-folders-'));
    for (const d of ['b trip', 'a trip', '.hidden']) await mkdir(join(root, d));
    for (const f of ['1.jpg', '2.PNG', 'clip.mov', 'notes.txt', '.3.jpg']) await writeFile(join(root, f), 'x');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('lists sub-folders by name (hidden ones left out) and counts the files Ferry would upload', async () => {
    const l = await listFolder(join(root, 'a trip', '..'));
    expect(l).toEqual({ path: root, parent: join(root, '..'), folders: ['a trip', 'b trip'], mediaFiles: 3 });
  });

  it('starts at the home folder, stops at the root, and refuses relative or missing paths', async () => {
    expect((await listFolder()).path).toBeTruthy();
    expect((await listFolder('/')).parent).toBeNull();
    await expect(listFolder('relative/path')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(listFolder(join(root, 'nope'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: `No folder at ${join(root, 'nope')}.` });
    await expect(listFolder(join(root, '1.jpg'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
