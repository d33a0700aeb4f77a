/** The SQLite queue: migrations, crash requeue, parts, hash cache, pages and totals over many rows. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, SCHEMA_VERSION } from '../../main/store/db.ts';
import { QueueStore } from '../../main/store/queue-store.ts';
import { addPaths, isIgnoredName } from '../../main/intake/add-paths.ts';
import { writeFileSync, mkdirSync } from 'node:fs';

const file = (i: number) => ({ path: `/p/${i}.jpg`, target: 'album:A', size: 1000 + i, mtimeMs: 5, mimeType: 'image/jpeg', albumId: 'A' });

describe('queue store', () => {
  it('migrates a new file to the current version, in WAL mode, and reopens without re-running migrations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-store-'));
    try {
      const db = openDatabase(join(dir, 'q.sqlite'));
      expect((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(SCHEMA_VERSION);
      expect((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal');
      new QueueStore(db).insertFile(file(1));
      db.close();
      const again = new QueueStore(openDatabase(join(dir, 'q.sqlite')));
      expect(again.page(0, 10).total).toBe(1);
      again.db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
      again.db.close();
      expect(() => openDatabase(join(dir, 'q.sqlite'))).toThrow(/newer/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('requeues rows a crash left mid-work, keeping their upload and parts', () => {
    const s = new QueueStore(openDatabase(':memory:'));
    const a = s.insertFile(file(1));
    s.transition(a, 'uploading', { mediaId: 'm', uploadId: 'u', uploadType: 'multipart', partSize: 8, partCount: 3 });
    s.savePart(a, 2, '"e2"', 8);
    const b = s.insertFile(file(2), 'processing');
    expect(s.requeueActive()).toBe(1);
    expect(s.get(a)).toMatchObject({ state: 'queued', mediaId: 'm', uploadId: 'u', bytesSent: 8 });
    expect(s.parts(a)).toEqual([{ partNumber: 2, etag: '"e2"', size: 8 }]);
    expect(s.get(b)!.state).toBe('processing');
  });

  it('hash cache answers only for the same path, size and mtime', () => {
    const s = new QueueStore(openDatabase(':memory:'));
    s.saveHash('/a', 10, 99.7, 'f'.repeat(64));
    expect(s.cachedHash('/a', 10, 99)).toBe('f'.repeat(64));
    expect(s.cachedHash('/a', 11, 99)).toBeUndefined();
    expect(s.cachedHash('/a', 10, 100)).toBeUndefined();
  });

  it('pages and totals 100,000 rows through indexes, without loading them', () => {
    const s = new QueueStore(openDatabase(':memory:'));
    s.transaction(() => {
      for (let i = 0; i < 100_000; i++) s.insertFile(file(i), i % 10 === 0 ? 'failed' : 'queued');
    });
    const page = s.page(50, 25, ['failed']);
    expect(page.total).toBe(10_000);
    expect(page.rows).toHaveLength(25);
    expect(page.rows[0]!.id).toBeGreaterThan(page.rows[1]!.id);
    const t = s.totals();
    expect(t.files).toBe(100_000);
    expect(t.byState.failed).toBe(10_000);
    // id 1 failed (i = 0); 2 is held by the engine already
    expect(s.nextInState('queued', 4, new Set([2])).map((r) => r.id)).toEqual([3, 4, 5, 6]);
    const plan = s.db
      .prepare("EXPLAIN QUERY PLAN SELECT * FROM files WHERE state = 'queued' AND id NOT IN (SELECT value FROM json_each('[2]')) ORDER BY id LIMIT 4")
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/files_state_id/);
  });

  it('adding the same file again is a no-op; non-media files are skipped with a reason; temp names are ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-add-'));
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'a.jpg'), 'x');
      writeFileSync(join(dir, 'sub', 'b.PNG'), 'y');
      writeFileSync(join(dir, 'notes.txt'), 'z');
      writeFileSync(join(dir, 'c.jpg.crdownload'), 'z');
      writeFileSync(join(dir, '.DS_Store'), 'z');
      const s = new QueueStore(openDatabase(':memory:'));
      const first = await addPaths(s, [dir], { kind: 'album', albumId: 'A' }, { requeueFailed: true });
      expect(first).toMatchObject({ added: 2, skipped: 1 });
      const txt = s.getMany(first.ids).find((r) => r.path.endsWith('notes.txt'))!;
      expect(txt.state).toBe('skipped');
      expect(txt.skipReason).toMatch(/\.txt/);
      const second = await addPaths(s, [dir], { kind: 'album', albumId: 'A' }, { requeueFailed: true });
      expect(second).toMatchObject({ added: 0, skipped: 3 });
      expect(second.ids.sort()).toEqual(first.ids.sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['photo.jpg', false],
    ['photo.jpg.part', true],
    ['video.mp4.crdownload', true],
    ['x.tmp', true],
    ['.hidden.png', true],
    ['backup.png~', true],
  ])('%s ignored: %s', (name, ignored) => {
    expect(isIgnoredName(name)).toBe(ignored);
  });
});
