/**
 * `ferry upload` as a user runs it: killed with SIGKILL mid-way, then run again, it finishes with no
 * file uploaded twice and no finished part re-sent (PUTs counted by the fault proxy), every object
 * byte-identical; without --api it starts the embedded backend and the next run reuses it.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api } from '../helpers/backend.ts';
import { startProxiedBackend, useCleanups } from '../helpers/proxied-backend.ts';
import { s3Client, sha256OfFile, sha256OfObject, waitFor, writeImages, writeLargeMp4 } from '../helpers/engine-fixtures.ts';

const MiB = 1024 * 1024;
const BIN = join(import.meta.dirname, '../../bin/ferry.js');
const defer = useCleanups();

function ferry(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

describe('ferry upload (integration)', () => {
  it('resumes after kill -9: nothing that arrived is sent again, every object byte-identical', async () => {
    const { work, proxy, backend } = await startProxiedBackend('ferry-cli-', defer);

    const folder = join(work, 'photos');
    await writeImages(folder, 60);
    await writeLargeMp4(join(folder, 'big.mp4'), 100 * MiB);
    const args = ['upload', folder, '--album', 'demo', '--create-album', '--api', backend.api, '--token', backend.token, '--data-dir', join(work, 'client'), '--json'];

    // 25 MB/s keeps the first run slow enough to be killed with parts both finished and in flight.
    const first = ferry([...args, '--limit-rate', '25M']);
    await waitFor('parts and files in S3', () => proxy.okPuts().filter((p) => p.partNumber !== undefined).length >= 4 && proxy.okPuts().length >= 20, 60_000);
    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    const r1 = await first.done;
    expect(r1.signal).toBe('SIGKILL');
    const firstRunPuts = proxy.puts.length;

    const second = ferry(args);
    const r2 = await second.done;
    expect(r2.stderr).toBe('');
    expect(r2.code).toBe(0);
    const report = JSON.parse(r2.stdout) as { uploaded: { path: string; mediaId: string }[]; failed: unknown[]; skipped: unknown[] };
    expect(report.failed).toEqual([]);
    expect(report.uploaded).toHaveLength(61);

    // A (key, part) that reached S3 in the first run is re-sent only if it was still in flight at the kill.
    const okByKey = new Map<string, typeof proxy.puts>();
    for (const p of proxy.okPuts()) {
      const k = `${p.key}#${p.partNumber ?? 0}`;
      okByKey.set(k, [...(okByKey.get(k) ?? []), p]);
    }
    const resent = [...okByKey.entries()].filter(([, ps]) => ps.length > 1);
    for (const [k, ps] of resent) expect(ps[0]!.endedAt!, `${k} finished well before the kill yet was re-sent`).toBeGreaterThan(killedAt - 500);
    expect(resent.length).toBeLessThanOrEqual(4 + 4);
    expect(proxy.puts.length).toBeGreaterThan(firstRunPuts);

    // Every object is byte-identical, and the album holds each file once.
    const s3 = s3Client(backend.s3Listen, backend.s3Key);
    const listed = await api(backend, 'GET', '/albums');
    const album = (listed.body.albums as { albumId: string; title: string }[]).filter((a) => a.title === 'demo');
    expect(album).toHaveLength(1);
    const media: { mediaId: string; key: string; status: string; sha256?: string }[] = [];
    for (let cursor: string | null = null, i = 0; i < 20; i++) {
      const page: { body: { media: typeof media; nextCursor: string | null } } = await api(backend, 'GET', `/albums/${album[0]!.albumId}/media${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
      media.push(...page.body.media);
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    const uploaded = media.filter((m) => m.status === 'uploaded');
    expect(uploaded).toHaveLength(61);
    expect(new Set(uploaded.map((m) => m.sha256)).size).toBe(61);
    const byMediaId = new Map(uploaded.map((m) => [m.mediaId, m]));
    for (const u of report.uploaded) {
      const m = byMediaId.get(u.mediaId)!;
      expect(await sha256OfObject(s3, backend.bucket, m.key), u.path).toBe(await sha256OfFile(u.path));
    }
  }, 180_000);

  it('without --api starts the embedded backend, the next run reuses it, and exit codes say what happened', async () => {
    const work = await mkdtemp(join(tmpdir(), 'ferry-cli-emb-'));
    const dataDir = join(work, 'data');
    // Runs after the backend below has exited (cleanups run last first), so nothing writes into `work` while it goes.
    defer(() => rm(work, { recursive: true, force: true }));
    const folder = join(work, 'photos');
    await writeImages(folder, 3);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(folder, 'readme.txt'), 'not media');

    // No backend running: the command starts one for the data dir and stops it when it exits.
    const auto = await ferry(['upload', join(folder, 'img0000.jpg'), '--album', 'emb', '--create-album', '--data-dir', dataDir, '--json']).done;
    expect(auto.code).toBe(0);
    expect(JSON.parse(auto.stdout).uploaded).toHaveLength(1);
    // stopped on exit: a stopped backend removes its backend.json
    await waitFor('auto-started backend gone', async () => !(await readFile(join(dataDir, 'backend', 'backend.json'), 'utf8').catch(() => '')), 10_000);

    // A running `ferry backend` for the data dir is reused, not duplicated.
    const bg = ferry(['backend', '--data-dir', dataDir]);
    defer(async () => {
      if (bg.child.exitCode === null && bg.child.signalCode === null) {
        bg.child.kill('SIGTERM');
        await bg.done;
      }
    });
    await waitFor('backend.json', async () => (await readFile(join(dataDir, 'backend', 'backend.json'), 'utf8').catch(() => '')).includes(`"pid":${bg.child.pid}`), 60_000);
    const backendPid = (JSON.parse(await readFile(join(dataDir, 'backend', 'backend.json'), 'utf8')) as { pid: number }).pid;

    const ok = await ferry(['upload', folder, '--album', 'emb', '--data-dir', dataDir, '--json']).done;
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report.uploaded).toHaveLength(3);
    expect(report.skipped).toEqual([{ path: join(folder, 'readme.txt'), reason: expect.stringMatching(/not an image/) }]);
    // the same backend is still the one in backend.json
    expect((JSON.parse(await readFile(join(dataDir, 'backend', 'backend.json'), 'utf8')) as { pid: number }).pid).toBe(backendPid);

    const again = await ferry(['upload', folder, '--album', 'emb', '--data-dir', dataDir, '--json']).done;
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).uploaded.map((u: { mediaId: string }) => u.mediaId).sort()).toEqual(
      report.uploaded.map((u: { mediaId: string }) => u.mediaId).sort(),
    );

    const usage = await ferry(['upload', folder, '--album', 'no-such-album', '--data-dir', dataDir]).done;
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--create-album/);
    const missing = await ferry(['upload', join(work, 'nope'), '--album', 'emb', '--data-dir', dataDir]).done;
    expect(missing.code).toBe(2);

    // A corrupt image fails with its code (exit 1); `status` shows it; `retry --all` tries it again and still exits 1.
    await writeFile(join(work, 'corrupt.jpg'), 'not a jpeg');
    const bad = await ferry(['upload', join(work, 'corrupt.jpg'), '--album', 'emb', '--data-dir', dataDir, '--json']).done;
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).failed).toEqual([{ path: join(work, 'corrupt.jpg'), code: 'CONTENT_TYPE_MISMATCH', message: expect.any(String) }]);
    const status = await ferry(['status', '--json', '--data-dir', dataDir]).done;
    expect(status.code).toBe(0);
    const st = JSON.parse(status.stdout);
    expect(st.byState).toMatchObject({ uploaded: 3, skipped: 1, failed: 1 });
    expect(st.failed[0]).toMatchObject({ path: join(work, 'corrupt.jpg'), code: 'CONTENT_TYPE_MISMATCH' });
    const retried = await ferry(['retry', '--all', '--data-dir', dataDir]).done;
    expect(retried.stdout).toMatch(/retrying 1 file/);
    expect(retried.code).toBe(1);
    expect((await ferry(['retry', '--data-dir', dataDir]).done).code).toBe(2);
  }, 180_000);
});
