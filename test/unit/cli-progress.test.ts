/**
 * The terminal bar's numbers (fake time, no terminal): files drive it, bytes fill only half of a
 * file's share, it reaches 100 % only when the last file is settled, the speed is a windowed rate
 * that does not read 0 B/s while bytes move, and the ETA is never `LL`, `NF`, `NaN` or over a day.
 * Plus the words of the last line (issue 14 point 6).
 */
import { describe, expect, it } from 'vitest';
import { WindowRate, estimateEta, formatEtaShort } from '../../main/engine/throughput.ts';
import { BatchProgressView, type BarRow } from '../../main/cli/progress-view.ts';
import { summaryLine, type BatchReport } from '../../main/cli/batch.ts';

const MB = 1_000_000;
const row = (state: BarRow['state'], size = 5 * MB, bytesSent = 0): BarRow => ({ state, size, bytesSent });

describe('WindowRate', () => {
  it('gives no rate until the samples span a second, then the rate over the window', () => {
    const r = new WindowRate(8_000, 1_000);
    r.record(0, 0);
    r.record(500, 5 * MB);
    expect(r.rate()).toBeNull();
    r.record(1_000, 10 * MB);
    expect(r.rate()).toBe(10 * MB);
  });

  it('keeps its rate across many short files (the per-file EWMA read 0 B/s here)', () => {
    const r = new WindowRate(8_000, 1_000);
    // 40 files of 1 MB, each done within one 200 ms tick: the cumulative count still climbs.
    for (let t = 0, sent = 0; t <= 4_000; t += 200, sent += 2 * MB) r.record(t, sent);
    expect(r.rate()).toBe(10 * MB);
  });

  it('decays to 0 over the window once nothing moves', () => {
    const r = new WindowRate(8_000, 1_000);
    for (let t = 0; t <= 2_000; t += 200) r.record(t, t * 1000);
    for (let t = 2_200; t <= 12_000; t += 200) r.record(t, 2_000_000);
    expect(r.rate()).toBe(0);
  });
});

describe('estimateEta and formatEtaShort', () => {
  it('covers processing: the later of "bytes in, then one more file" and "every file left at the measured rate"', () => {
    // 100 MB left at 10 MB/s, 20 files left, 2 files/s processed: max(10 + 0.5, 10) = 10.5 → 11 s
    expect(estimateEta({ bytesLeft: 100 * MB, bytesPerSecond: 10 * MB, filesLeft: 20, filesPerSecond: 2 })).toBe(11);
    // bytes all in, 30 files waiting for thumbnails at 0.5/s: 60 s
    expect(estimateEta({ bytesLeft: 0, bytesPerSecond: 0, filesLeft: 30, filesPerSecond: 0.5 })).toBe(60);
    // nothing settled yet: unknown, not a guess from the first bytes
    expect(estimateEta({ bytesLeft: 100 * MB, bytesPerSecond: 10 * MB, filesLeft: 20, filesPerSecond: null })).toBeNull();
    expect(estimateEta({ bytesLeft: 100 * MB, bytesPerSecond: 0, filesLeft: 20, filesPerSecond: 2 })).toBeNull();
    expect(estimateEta({ bytesLeft: 0, bytesPerSecond: null, filesLeft: 0, filesPerSecond: null })).toBe(0);
  });

  it.each([
    [null, '--'],
    [Number.NaN, '--'],
    [Number.POSITIVE_INFINITY, '--'],
    [-3, '--'],
    [0, '0s'],
    [44.2, '45s'],
    [185, '3m05s'],
    [7_500, '2h05m'],
    [86_400, '24h00m'],
    [98_400, '>1 day'],
  ])('%s s reads %s', (seconds, text) => expect(formatEtaShort(seconds)).toBe(text));
});

describe('BatchProgressView', () => {
  it('fills half a file for its bytes and the rest for its thumbnails; 100 % only when all are settled', () => {
    const v = new BatchProgressView(false);
    const a = v.read([row('uploading', 10 * MB, 5 * MB), row('queued')], 0);
    expect(a.pct).toBe('12'); // (0.5 × 0.5 + 0) / 2
    const b = v.read([row('processing'), row('processing')], 1_000);
    expect(b.pct).toBe('50');
    expect(b.stage).toBe('2 making thumbnails');
    const c = v.read([row('uploaded'), row('processing')], 2_000);
    expect(c.pct).toBe('75');
    expect(c.done).toBe(1);
    const d = v.read([row('uploaded'), row('uploaded')], 3_000);
    expect([d.pct, d.value, d.stage, d.left]).toEqual(['100', 1000, 'done', '0s']);
  });

  it('never rounds up to 100 % with a file still out', () => {
    const v = new BatchProgressView(false);
    const rows = [...Array.from({ length: 2_999 }, () => row('uploaded')), row('processing')];
    const f = v.read(rows, 0);
    expect(f.value).toBe(999);
    expect(f.pct).toBe('99');
  });

  it('skipped and failed files count as done; skipped bytes are not counted as sent', () => {
    const v = new BatchProgressView(false);
    const f = v.read([row('skipped', 3 * MB), row('failed'), row('uploading', 4 * MB, MB)], 0);
    expect(f.done).toBe(2);
    expect(f.totalBytes).toBe('9 MB');
    expect(f.sent).toBe('1 MB');
  });

  it('over a run, shows a real speed while bytes move and a sane ETA that ends at 0s', () => {
    const v = new BatchProgressView(false);
    const files = 40;
    const seen: string[] = [];
    // 40 files of 5 MB at 20 MB/s (one file every 250 ms), each processed 1 s after its bytes are in.
    for (let t = 0; t <= 12_000; t += 200) {
      const rows = Array.from({ length: files }, (_, i) => {
        const start = i * 250;
        const end = start + 250;
        if (t >= end + 1_000) return row('uploaded');
        if (t >= end) return row('processing');
        if (t >= start) return row('uploading', 5 * MB, ((t - start) / 250) * 5 * MB);
        return row('queued');
      });
      const f = v.read(rows, t);
      seen.push(`${f.pct}% ${f.stage} ETA ${f.left}`);
      expect(f.left).not.toMatch(/LL|NF|NaN|day/);
      if (t >= 1_400 && t < 9_800) expect(f.stage).toMatch(/^(19|20|21)(\.\d)? MB\/s$/);
      if (f.pct === '100') expect(rows.every((r) => r.state === 'uploaded')).toBe(true);
    }
    expect(seen.at(-1)).toBe('100% done ETA 0s');
    // Once files settle there is an ETA, and it never exceeds the run's real length by much.
    const etas = seen.map((s) => /ETA (\d+)s$/.exec(s)?.[1]).filter(Boolean).map(Number);
    expect(etas.length).toBeGreaterThan(20);
    expect(Math.max(...etas)).toBeLessThan(20);
  });

  it('with --no-wait a file is done once its bytes are in', () => {
    const v = new BatchProgressView(true);
    expect(v.read([row('processing')], 0).pct).toBe('100');
  });
});

describe('the last line of ferry upload', () => {
  const report = (uploaded: number, failed: { code: string }[] = [], skipped = 0): BatchReport => ({
    uploaded: Array.from({ length: uploaded }, (_, i) => ({ path: `/p/${i}.jpg`, mediaId: `m${i}` })),
    failed: failed.map((f, i) => ({ path: `/p/f${i}.jpg`, code: f.code, message: 'm' })),
    skipped: Array.from({ length: skipped }, (_, i) => ({ path: `/p/${i}.txt`, reason: 'r' })),
  });

  it('a re-run that sent nothing says "already uploaded"', () => {
    expect(summaryLine(report(40, [], 1), 40)).toBe('40 already uploaded, 1 skipped, 0 failed');
    expect(summaryLine(report(40), 38)).toBe('2 uploaded, 38 already uploaded, 0 skipped, 0 failed');
    expect(summaryLine(report(40), 0)).toBe('40 uploaded, 0 skipped, 0 failed');
  });

  it('suggests retry --all only for failures a retry can fix', () => {
    expect(summaryLine(report(1, [{ code: 'UNSUPPORTED_IMAGE' }, { code: 'EMPTY_FILE' }]), 0)).toBe(
      '1 uploaded, 0 skipped, 2 failed (they need fixing first: see the reasons above)',
    );
    expect(summaryLine(report(1, [{ code: 'UNSUPPORTED_IMAGE' }]), 0)).toBe('1 uploaded, 0 skipped, 1 failed (it needs fixing first: see the reason above)');
    expect(summaryLine(report(1, [{ code: 'NETWORK' }]), 0)).toBe('1 uploaded, 0 skipped, 1 failed (ferry retry --all to try them again)');
    expect(summaryLine(report(1, [{ code: 'PROCESSING_FAILED' }, { code: 'CONTENT_TYPE_MISMATCH' }]), 0)).toBe(
      '1 uploaded, 0 skipped, 2 failed (ferry retry --all to try the 1 that may work again)',
    );
  });
});

describe('WindowRate from the first change', () => {
  it('does not count the wait before the first file finishes as slowness', () => {
    const r = new WindowRate(10_000, 1_000, { fromFirstChange: true });
    for (let t = 0; t < 3_000; t += 200) r.record(t, 0);
    r.record(3_000, 1);
    expect(r.rate()).toBeNull();
    r.record(4_000, 5);
    expect(r.rate()).toBe(4);
  });
});

describe('BatchProgressView before bytes move', () => {
  it('says "starting" while files are hashed and requested, not 0 B/s', () => {
    const v = new BatchProgressView(false);
    expect(v.read([row('hashing'), row('requesting')], 0).stage).toBe('starting');
    expect(v.read([row('hashing'), row('requesting')], 2_000).stage).toBe('starting');
    expect(v.read([row('uploading', 5 * MB, 2 * MB), row('requesting')], 3_000).stage).toBe('starting');
    // measured from the first bytes, not from the start (hashing is not slowness)
    expect(v.read([row('uploading', 5 * MB, 4 * MB), row('requesting')], 4_000).stage).toBe('2 MB/s');
  });
});
