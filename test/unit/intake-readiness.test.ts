/**
 * (Replaces the stability-only WriteFinish tests: once per version, duplicate events, files that
 * vanish, nothing after close — plus what the format adds.)
 * The readiness gate on a fake clock with a fake file system: a file is let through once it is
 * unchanged and whole; a file that pauses half-written keeps waiting; the ceiling lets a never-whole
 * file through (flagged); unknown formats go on stability alone; a vanished file is dropped.
 */
import { describe, expect, it } from 'vitest';
import { ReadinessGate, type Ready, type ReadinessDeps } from '../../main/intake/readiness.ts';
import type { Verdict } from '../../main/intake/completeness.ts';

class FakeClock {
  t = 0;
  private timers: { at: number; resolve: () => void }[] = [];
  now = () => this.t;
  sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new Error('aborted'));
      this.timers.push({ at: this.t + ms, resolve });
      signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  /** Moves time forward in 10 ms steps, letting every woken task run. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    while (this.t < end) {
      this.t = Math.min(end, this.t + 10);
      const due = this.timers.filter((x) => x.at <= this.t);
      this.timers = this.timers.filter((x) => x.at > this.t);
      for (const x of due) x.resolve();
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
  }
}

interface FakeFile {
  size: number;
  mtimeMs: number;
  verdict: Verdict;
}

function setup(opts = { settleMs: 500, stabilityMs: 1000, ceilingMs: 10_000, pollMs: 100 }) {
  const clock = new FakeClock();
  const files = new Map<string, FakeFile>();
  const checks: string[] = [];
  const hooks = { beforeCheck: () => {} };
  const known = new Set<string>();
  const deps: ReadinessDeps = {
    clock,
    known: (p, size, mtimeMs) => known.has(`${p}:${size}:${mtimeMs}`),
    stat: async (p) => {
      const f = files.get(p);
      return f ? { size: f.size, mtimeMs: f.mtimeMs } : undefined;
    },
    check: async (p) => {
      checks.push(p);
      hooks.beforeCheck();
      return files.get(p)!.verdict;
    },
  };
  const ready: (Ready & { at: number })[] = [];
  const waiting: string[] = [];
  const gate = new ReadinessGate(deps, opts, (r) => ready.push({ ...r, at: clock.t }), (p) => waiting.push(p));
  const write = (path: string, size: number, verdict: Verdict) => {
    files.set(path, { size, mtimeMs: clock.t, verdict });
    gate.notice(path);
  };
  return { clock, files, gate, ready, waiting, checks, write, hooks, known };
}

const whole: Verdict = { state: 'whole', format: 'png' };
const half: Verdict = { state: 'partial', format: 'png', reason: 'no IEND chunk yet' };

describe('ReadinessGate', () => {
  it('lets a whole file through once it has settled, once', async () => {
    const s = setup();
    s.write('/w/a.png', 1000, whole);
    await s.clock.advance(400);
    expect(s.ready).toEqual([]);
    await s.clock.advance(300);
    expect(s.ready.map((r) => [r.path, r.forced])).toEqual([['/w/a.png', false]]);
    expect(s.ready[0]!.at).toBeLessThanOrEqual(600);
    s.gate.notice('/w/a.png'); // a late duplicate event for the same version starts a new follow...
    await s.clock.advance(2000);
    expect(s.ready).toHaveLength(2); // ...which the queue's path+size+mtime dedupe absorbs
    s.gate.close();
  });

  it('keeps a half-written file waiting through a 4 s pause, then lets the whole file through', async () => {
    const s = setup();
    s.write('/w/slow.png', 5000, half);
    await s.clock.advance(4000);
    expect(s.ready).toEqual([]);
    expect(s.waiting).toEqual(['/w/slow.png']);
    s.write('/w/slow.png', 10_000, whole);
    await s.clock.advance(700);
    expect(s.ready).toHaveLength(1);
    expect(s.ready[0]).toMatchObject({ size: 10_000, verdict: whole, forced: false });
    expect(s.ready[0]!.at - 4000).toBeLessThanOrEqual(600);
    s.gate.close();
  });

  it('checks the format only once per version of the file, and not while it grows', async () => {
    const s = setup();
    for (let i = 1; i <= 8; i++) {
      s.write('/w/g.png', i * 100, half);
      await s.clock.advance(200);
    }
    expect(s.checks).toEqual([]);
    await s.clock.advance(3000);
    expect(s.checks).toEqual(['/w/g.png']);
    s.gate.close();
  });

  it('lets a file that never becomes whole through at the ceiling, flagged forced', async () => {
    const s = setup();
    s.write('/w/broken.png', 3000, half);
    await s.clock.advance(9900);
    expect(s.ready).toEqual([]);
    await s.clock.advance(300);
    expect(s.ready[0]).toMatchObject({ path: '/w/broken.png', forced: true, verdict: half });
    s.gate.close();
  });

  it('lets an unknown format through on stability alone, later than a whole one', async () => {
    const s = setup();
    s.write('/w/raw.dng', 3000, { state: 'unknown' });
    await s.clock.advance(900);
    expect(s.ready).toEqual([]);
    await s.clock.advance(200);
    expect(s.ready.map((r) => r.path)).toEqual(['/w/raw.dng']);
    s.gate.close();
  });

  it('drops a file that disappears while waiting', async () => {
    const s = setup();
    s.write('/w/tmp.png', 3000, half);
    await s.clock.advance(200);
    s.files.delete('/w/tmp.png');
    await s.clock.advance(20_000);
    expect(s.ready).toEqual([]);
    expect(s.gate.pending()).toEqual([]);
    s.gate.close();
  });

  it('passes a version the queue already has on at once, unread', async () => {
    const s = setup();
    s.known.add('/w/old.png:1000:0');
    s.write('/w/old.png', 1000, half);
    await s.clock.advance(10);
    expect(s.ready.map((r) => [r.path, r.known])).toEqual([['/w/old.png', true]]);
    expect(s.checks).toEqual([]);
    s.gate.close();
  });

  it('reports nothing once closed', async () => {
    const s = setup();
    s.write('/w/late.png', 1000, whole);
    await s.clock.advance(200);
    s.gate.close();
    await s.clock.advance(5000);
    expect(s.ready).toEqual([]);
    s.gate.notice('/w/other.png');
    expect(s.gate.pending()).toEqual([]);
  });

  it('does not let through a version that changed while its format was checked', async () => {
    const s = setup();
    s.write('/w/race.png', 1000, whole);
    // the writer appends while the check reads
    s.hooks.beforeCheck = () => s.files.set('/w/race.png', { size: 2000, mtimeMs: s.clock.t, verdict: whole });
    await s.clock.advance(600);
    expect(s.ready).toEqual([]);
    s.hooks.beforeCheck = () => {};
    await s.clock.advance(700);
    expect(s.ready.map((r) => r.size)).toEqual([2000]);
    s.gate.close();
  });
});
