/**
 * Issue 11 through the `ferry` command: two `ferry upload` runs against two backends on one data
 * directory both finish, each with only its own rows; `ferry watch` holds its folder's lease while
 * it runs (another process sees who), gives it up on Ctrl-C, leaves it stale when killed (and the
 * view can take it over), and prints a failed file and a folder that disappears as they happen.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, makeJpeg, startTestBackend } from '../helpers/backend.ts';
import { useCleanups } from '../helpers/proxied-backend.ts';
import { waitFor, writeImages } from '../helpers/engine-fixtures.ts';
import { openEngineHost } from '../../main/host/host.ts';

const BIN = join(import.meta.dirname, '../../bin/ferry.js');
const defer = useCleanups();

function ferry(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  defer(async () => void child.kill('SIGKILL'));
  return { child, out, done };
}

async function workDir() {
  const work = await mkdtemp(join(tmpdir(), 'ferry-cli-intake-'));
  defer(() => rm(work, { recursive: true, force: true }));
  return work;
}

async function backendIn(work: string, name: string) {
  const b = await startTestBackend({ dataDir: join(work, name) });
  defer(() => b.stop());
  return b;
}

describe('issue 11 through the ferry command (integration)', () => {
  it('two ferry upload runs with different --api on one data directory both finish, neither touching the other’s rows', async () => {
    const work = await workDir();
    const [a, b] = await Promise.all([backendIn(work, 'backend-a'), backendIn(work, 'backend-b')]);
    await writeImages(join(work, 'a'), 30, { prefix: 'a' });
    await writeImages(join(work, 'b'), 30, { prefix: 'b', width: 90 });
    const data = join(work, 'client');
    const run = (dir: string, backend: typeof a) =>
      ferry(['upload', join(work, dir), '--album', `from ${dir}`, '--create-album', '--api', backend.api, '--token', backend.token, '--data-dir', data, '--json']);
    const runA = run('a', a);
    const runB = run('b', b);
    const [codeA, codeB] = await Promise.all([runA.done, runB.done]);
    expect([codeA, codeB, runA.out.stderr, runB.out.stderr]).toEqual([0, 0, '', '']);
    for (const [r, backend, dir] of [[runA, a, 'a'], [runB, b, 'b']] as const) {
      const report = JSON.parse(r.out.stdout) as { uploaded: { path: string }[]; failed: unknown[] };
      expect(report.failed).toEqual([]);
      expect(report.uploaded).toHaveLength(30);
      expect(report.uploaded.every((u) => u.path.includes(`/${dir}/`))).toBe(true);
      const albums = (await api(backend, 'GET', '/albums')).body.albums as { albumId: string; title: string; mediaCount: number }[];
      expect(albums.map((x) => [x.title, x.mediaCount])).toEqual([[`from ${dir}`, 30]]);
      const media = (await api(backend, 'GET', `/albums/${albums[0]!.albumId}/media`)).body.media as { filename: string; status: string }[];
      expect(media.every((m) => m.status === 'uploaded' && m.filename.startsWith(dir))).toBe(true);
    }
    const status = ferry(['status', '--json', '--data-dir', data]);
    expect(await status.done).toBe(0);
    const s = JSON.parse(status.out.stdout) as { backends: { backend: string; byState: Record<string, number> }[] };
    expect(s.backends.map((x) => x.byState)).toEqual([{ uploaded: 30 }, { uploaded: 30 }]);
  }, 120_000);

  it('ferry watch holds its folder while it runs, says when the folder goes, releases it on Ctrl-C; a killed watch is seen as stopped and can be taken over', async () => {
    const work = await workDir();
    const backend = await backendIn(work, 'backend');
    const dir = join(work, 'out');
    await mkdir(dir);
    const data = join(work, 'client');
    const args = ['watch', dir, '--album', 'out', '--create-album', '--api', backend.api, '--token', backend.token, '--data-dir', data];
    const first = ferry(args);
    await waitFor('watching', () => first.out.stdout.includes('watching'), 30_000);

    // A file the backend rejects: its failure reaches the watch terminal as it happens (before another
    // engine opens this data dir: two engines of one backend would both pick queued rows up).
    await writeFile(join(dir, 'broken.jpg'), 'not a jpeg at all, just text');
    await waitFor('failure printed', () => /failed\s+\S*broken\.jpg [A-Z_]+: /.test(first.out.stderr), 30_000);

    // The desktop app (another host on the same data dir) sees who watches, and does not watch it twice.
    const app = await openEngineHost({ dataDir: data, apiUrl: backend.api, token: backend.token, holder: 'the desktop app' });
    defer(() => app.close());
    const [w] = await app.api.listWatches();
    expect(w!.watcher).toMatchObject({ state: 'elsewhere', pid: first.child.pid, holder: expect.stringContaining('ferry watch') });

    await rm(dir, { recursive: true });
    await waitFor('folder-gone warning', () => first.out.stderr.includes('the folder is gone'), 15_000);
    await mkdir(dir);
    await waitFor('folder back', () => first.out.stdout.includes('the folder is back'), 15_000);

    first.child.kill('SIGINT');
    expect(await first.done).toBe(0);
    expect((await app.api.listWatches())[0]!.watcher).toEqual({ state: 'none' });

    const second = ferry(args);
    await waitFor('watching again', () => second.out.stdout.includes('watching'), 30_000);
    second.child.kill('SIGKILL');
    await second.done;
    const stopped = (await app.api.listWatches())[0]!;
    expect(stopped.watcher).toMatchObject({ state: 'stopped', pid: second.child.pid, why: `process ${second.child.pid} is gone` });

    await app.api.setWatchEnabled(stopped.id, true);
    expect((await app.api.listWatches())[0]!.watcher).toMatchObject({ state: 'here', holder: 'the desktop app' });
    await writeFile(join(dir, 'after.jpg'), await makeJpeg(120, 90));
    await waitFor('uploaded by the app', () => app.store.countInState('uploaded') === 1, 30_000);
  }, 120_000);
});
