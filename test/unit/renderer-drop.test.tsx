// @vitest-environment happy-dom
/**
 * A drop into the browser: folders walked with their relative paths (readEntries answers in
 * pieces), files Ferry cannot take refused with their reason before any byte is sent, a few
 * streams at once, few renders for many files, and the view that shows it all.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { walkDrop, dropEntries, type DropSource } from '../../renderer/src/drop/traverse.ts';
import { DropUploader, maxListed, type DropSnapshot, type SendJob } from '../../renderer/src/drop/uploader.ts';
import { createDropService } from '../../renderer/src/drop/drop-service.ts';
import { mountApp } from '../helpers/renderer-mount.tsx';
import { InMemoryFakeEngine } from './renderer-fake-engine.ts';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const file = (name: string, size = 10) => new File([new Uint8Array(size)], name);

/** A fake FileSystem entry tree; directories answer readEntries `per` entries at a time, as Chromium does (100). */
function fileEntry(f: File): FileSystemFileEntry {
  return { name: f.name, isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(f) } as unknown as FileSystemFileEntry;
}
function dirEntry(name: string, children: FileSystemEntry[], per = 2): FileSystemDirectoryEntry {
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (ok: (e: FileSystemEntry[]) => void) => {
          const some = children.slice(at, at + per);
          at += some.length;
          setTimeout(() => ok(some), 0);
        },
      };
    },
  } as unknown as FileSystemDirectoryEntry;
}

async function collect(sources: DropSource[], batchSize?: number): Promise<string[][]> {
  const out: string[][] = [];
  for await (const b of walkDrop(sources, batchSize)) out.push(b.map((f) => f.path));
  return out;
}

describe('walkDrop', () => {
  it('walks folders depth-first with relative paths, across many readEntries calls, skipping dotfiles', async () => {
    const tree = dirEntry('trip', [
      fileEntry(file('b.jpg')),
      dirEntry('day 1', [fileEntry(file('x.jpg')), fileEntry(file('.DS_Store')), fileEntry(file('y.png'))]),
      fileEntry(file('a.jpg')),
      fileEntry(file('notes.txt')),
      fileEntry(file('clip.part')),
    ]);
    const batches = await collect([{ entry: tree }, { file: file('loose.jpg') }]);
    expect(batches.flat()).toEqual(['loose.jpg', 'trip/a.jpg', 'trip/b.jpg', 'trip/day 1/x.jpg', 'trip/day 1/y.png', 'trip/notes.txt']);
  });

  it('yields in batches', async () => {
    const many = dirEntry('big', Array.from({ length: 25 }, (_, i) => fileEntry(file(`${String(i).padStart(2, '0')}.jpg`))), 10);
    const batches = await collect([{ entry: many }], 10);
    expect(batches.flat()).toHaveLength(25);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(10);
  });

  it('takes loose files when a DataTransfer has no entries', () => {
    const f = file('a.jpg');
    const dt = { items: [{ kind: 'file', webkitGetAsEntry: () => null, getAsFile: () => f }], files: [f] } as unknown as DataTransfer;
    expect(dropEntries(dt)).toEqual([{ file: f }]);
  });
});

describe('DropUploader', () => {
  const deferredSend = () => {
    const running: { job: SendJob; resolve: () => void; reject: (e: Error) => void; onBytes: (n: number) => void }[] = [];
    const send = (job: SendJob, onBytes: (n: number) => void) => new Promise<void>((resolve, reject) => running.push({ job, resolve, reject, onBytes }));
    return { running, send };
  };

  it('refuses a .txt, an empty file and a name without extension with their reasons, sending none of them', async () => {
    const { running, send } = deferredSend();
    let snap: DropSnapshot | undefined;
    const up = new DropUploader({ send, onChange: (s) => (snap = s), flushMs: 0 });
    up.add([{ file: file('notes.txt'), path: 'd/notes.txt' }, { file: file('empty.jpg', 0), path: 'd/empty.jpg' }, { file: file('README'), path: 'README' }, { file: file('ok.jpg'), path: 'ok.jpg' }], 'a1', 'batch-1');
    await new Promise((r) => setTimeout(r, 5));
    expect(running.map((r) => r.job.path)).toEqual(['ok.jpg']);
    expect(snap!.notTaken).toEqual([
      { path: 'd/notes.txt', reason: 'not an image or video Ferry uploads (.txt)' },
      { path: 'd/empty.jpg', reason: 'empty file (0 bytes)' },
      { path: 'README', reason: 'no file extension, so Ferry cannot tell what it is' },
    ]);
    expect(snap!.files).toBe(1);
  });

  it('keeps at most `concurrency` streams, and lists a failed send with the engine’s message', async () => {
    const { running, send } = deferredSend();
    let snap: DropSnapshot | undefined;
    const up = new DropUploader({ send, onChange: (s) => (snap = s), concurrency: 3, flushMs: 0 });
    up.add(Array.from({ length: 10 }, (_, i) => ({ file: file(`${i}.jpg`, 100), path: `${i}.jpg` })), 'a1', 'batch-1');
    expect(running).toHaveLength(3);
    running[0]!.onBytes(50);
    running[0]!.resolve();
    running[1]!.reject(new Error('b.jpg: the upload was cut short.'));
    await new Promise((r) => setTimeout(r, 5));
    expect(running).toHaveLength(5);
    expect(snap).toMatchObject({ files: 10, sent: 1, bytesTotal: 900, busy: true, notTaken: [{ path: '1.jpg', reason: 'b.jpg: the upload was cut short.' }] });
    for (const r of running.slice(2)) r.resolve();
    for (let i = 0; i < 10 && running.length < 10; i++) {
      await new Promise((r) => setTimeout(r, 1));
      for (const r of running.slice(5)) r.resolve();
    }
    await new Promise((r) => setTimeout(r, 5));
    for (const r of running) r.resolve();
    await new Promise((r) => setTimeout(r, 5));
    expect(snap).toMatchObject({ sent: 9, busy: false, bytesSent: 900 });
  });

  it('tells the screen about 10,000 files in a handful of updates, and lists a bounded number of refusals', async () => {
    vi.useFakeTimers();
    const onChange = vi.fn();
    const up = new DropUploader({ send: () => new Promise<void>(() => undefined), onChange, flushMs: 200 });
    for (let b = 0; b < 50; b++) {
      up.add(Array.from({ length: 200 }, (_, i) => ({ file: file(`${b}-${i}`), path: `${b}/${i}.${i % 2 ? 'jpg' : 'txt'}` })), 'a1', 'batch-1');
    }
    vi.advanceTimersByTime(1000);
    expect(onChange.mock.calls.length).toBeLessThanOrEqual(2);
    const last = onChange.mock.calls.at(-1)![0] as DropSnapshot;
    expect(last).toMatchObject({ files: 5000, notTakenCount: 5000 });
    expect(last.notTaken).toHaveLength(maxListed);
  });
});

describe('dropping into the served page', () => {
  it('streams a dropped folder to the chosen album and shows each refused file with its reason', async () => {
    const fake = new InMemoryFakeEngine();
    fake.albums.push({ albumId: 'a1', title: 'Trip', mediaCount: 0, createdAt: '', updatedAt: '' });
    const sent: SendJob[] = [];
    const drops = createDropService(async (job) => void sent.push(job), { flushMs: 0 });
    await mountApp(fake, { drops });
    fireEvent.change(screen.getByLabelText('Target album'), { target: { value: 'a1' } });
    const tree = dirEntry('trip', [fileEntry(file('a.jpg')), fileEntry(file('notes.txt')), fileEntry(file('empty.jpg', 0))]);
    const dataTransfer = { items: [{ kind: 'file', webkitGetAsEntry: () => tree, getAsFile: () => null }], files: [], dropEffect: 'copy' };
    fireEvent.drop(screen.getByRole('region', { name: 'Add files' }), { dataTransfer });
    await waitFor(() => expect(sent.map((j) => [j.path, j.albumId])).toEqual([['trip/a.jpg', 'a1']]));
    const report = await screen.findByTestId('drop-report');
    await waitFor(() => expect(report.textContent).toContain('2 files not taken:'));
    expect(report.querySelector('li[data-path="trip/notes.txt"]')?.textContent).toContain('not an image or video Ferry uploads (.txt)');
    expect(report.querySelector('li[data-path="trip/empty.jpg"]')?.textContent).toContain('empty file (0 bytes)');
    await waitFor(() => expect(report.textContent).toContain('1 dropped file queued.'));
  });
});
