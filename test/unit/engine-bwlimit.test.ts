/**
 * The bandwidth timetable (rclone's `--bwlimit` syntax): parsing, which limit is in force when, and
 * the token bucket following it on fake time. Times are built in local time, as the table is read,
 * so the tests hold in any time zone.
 */
import { describe, expect, it } from 'vitest';
import { BwLimitSyntaxError, bwRateAt, formatBwRate, msUntilNextBwChange, parseBwRate, parseBwSchedule } from '../../shared/bwlimit.ts';
import { TokenBucket } from '../../main/engine/token-bucket.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
/** hh:mm:ss on the given day of December 2026 (the 6th is a Sunday), local time. */
const at = (hh: number, mm = 0, day = 6, ss = 0) => new Date(2026, 11, day, hh, mm, ss).getTime();

/** Virtual time: sleeps advance `t` instantly. */
class FakeClock {
  t: number;
  constructor(t: number) {
    this.t = t;
  }
  now = () => this.t;
  sleep = async (ms: number) => {
    this.t += ms;
    await Promise.resolve();
  };
}

describe('parseBwRate (rclone units)', () => {
  it.each([
    ['512k', 512 * KiB],
    ['512', 512 * KiB],
    ['10M', 10 * MiB],
    ['1.5M', 1.5 * MiB],
    ['2G', 2 * 1024 * MiB],
    ['100B', 100],
    ['off', 0],
    ['OFF', 0],
    ['1M:off', MiB],
    ['10MiB/s', 10 * MiB],
  ])('%s is %d B/s', (text, bytes) => expect(parseBwRate(text)).toBe(bytes));

  it('names what it could not read', () => {
    expect(() => parseBwRate('fast')).toThrow(new BwLimitSyntaxError('"fast" is not a rate (try 512k, 10M or off)'));
  });
});

describe('parseBwSchedule', () => {
  it('reads a daily table in any order and sorts it', () => {
    expect(parseBwSchedule('19:00,off 08:00,512k')).toEqual({
      weekly: false,
      slots: [
        { minute: 8 * 60, bytesPerSecond: 512 * KiB },
        { minute: 19 * 60, bytesPerSecond: 0 },
      ],
    });
  });

  it('a single rate is one limit all day; empty text is no table', () => {
    expect(parseBwSchedule('2M')).toEqual({ weekly: false, slots: [{ minute: 0, bytesPerSecond: 2 * MiB }] });
    expect(parseBwSchedule('  ')).toBeNull();
  });

  it('reads a weekly table', () => {
    expect(parseBwSchedule('Mon-09:00,1M Sat-00:00,off')).toEqual({
      weekly: true,
      slots: [
        { minute: 1 * 1440 + 9 * 60, bytesPerSecond: MiB },
        { minute: 6 * 1440, bytesPerSecond: 0 },
      ],
    });
  });

  it.each([
    ['08:00', /needs a time and a rate/],
    ['25:00,1M', /not a time of day/],
    ['8h,1M 9h,off', /not a time \(HH:MM/],
    ['Mon-08:00,1M 19:00,off', /every entry a day, or none/],
    ['Xyz-08:00,1M', /"Xyz" is not a day/],
    ['08:00,1M 08:00,off', /same time/],
    ['08:00,quick', /not a rate/],
  ])('rejects %s with a message a user can act on', (text, message) => {
    expect(() => parseBwSchedule(text)).toThrow(message);
  });
});

describe('which limit is in force', () => {
  const daily = parseBwSchedule('08:00,512k 12:00,10M 19:00,off')!;

  it('follows the table through the day and wraps round before the first entry', () => {
    expect(bwRateAt(daily, at(3))).toBe(0); // 19:00's "off" still holds at 03:00
    expect(bwRateAt(daily, at(8))).toBe(512 * KiB);
    expect(bwRateAt(daily, at(11, 59))).toBe(512 * KiB);
    expect(bwRateAt(daily, at(12))).toBe(10 * MiB);
    expect(bwRateAt(daily, at(19))).toBe(0);
  });

  it('says when the next change comes', () => {
    expect(msUntilNextBwChange(daily, at(7, 30))).toBe(30 * 60_000);
    expect(msUntilNextBwChange(daily, at(20))).toBe(12 * 3600_000);
  });

  it('a weekly table counts from Sunday', () => {
    const weekly = parseBwSchedule('Mon-09:00,1M Sat-00:00,off')!;
    expect(bwRateAt(weekly, at(12, 0, 6))).toBe(0); // Sunday: Saturday's "off"
    expect(bwRateAt(weekly, at(9, 0, 7))).toBe(MiB); // Monday 09:00
    expect(bwRateAt(weekly, at(23, 0, 11))).toBe(MiB); // Friday night
    expect(msUntilNextBwChange(weekly, at(9, 0, 11))).toBe(15 * 3600_000); // Friday 09:00 → Saturday 00:00
  });

  it('formats rates back in the same units', () => {
    expect([0, 512 * KiB, 10 * MiB, 1000].map(formatBwRate)).toEqual(['off', '512k', '10M', '1000B']);
  });
});

describe('the token bucket on a timetable (fake time)', () => {
  it('sends at 512 KiB/s before 19:00 and without a limit after', async () => {
    const clock = new FakeClock(at(18, 59, 6, 50));
    const bucket = new TokenBucket(0, clock);
    bucket.setSchedule(parseBwSchedule('08:00,512k 19:00,off'));
    expect(bucket.rate).toBe(512 * KiB);
    // 6 MiB in 64 KiB chunks: 10 s at 512 KiB/s reaches 19:00, then the last MiB goes at once.
    const start = clock.now();
    for (let i = 0; i < 96; i++) await bucket.take(64 * KiB);
    const elapsed = clock.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(9_000);
    expect(elapsed).toBeLessThanOrEqual(10_500);
    expect(bucket.rate).toBe(0);
    const t = clock.now();
    await bucket.take(100 * MiB);
    expect(clock.now()).toBe(t);
  });

  it('a limit that begins mid-transfer slows the next chunks, and null goes back to the fixed rate', async () => {
    const clock = new FakeClock(at(7, 59, 6, 59));
    const bucket = new TokenBucket(0, clock);
    bucket.setSchedule(parseBwSchedule('08:00,100k 19:00,off'));
    await bucket.take(50 * MiB); // unlimited until 08:00: no time passes
    expect(clock.now()).toBe(at(7, 59, 6, 59));
    clock.t = at(8);
    const start = clock.now();
    for (let i = 0; i < 30; i++) await bucket.take(10 * KiB); // 300 KiB at 100 KiB/s
    expect(clock.now() - start).toBeGreaterThanOrEqual(1_900);
    expect(clock.now() - start).toBeLessThanOrEqual(3_100);
    bucket.setSchedule(null);
    expect(bucket.rate).toBe(0);
  });
});

describe('the same reading everywhere the table is given', () => {
  it('the engine API refuses a bad table in a settings patch, naming the field', async () => {
    const { validateEngineCall } = await import('../../shared/ipc.ts');
    const bad = validateEngineCall('updateSettings', [{ bandwidthSchedule: '08:00' }]);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.message).toBe('Bad arguments to updateSettings at 0.bandwidthSchedule: "08:00" needs a time and a rate, e.g. "5M", or "08:00,512k 19:00,off", or "Mon-08:00,1M Sat-00:00,off".');
    expect(validateEngineCall('updateSettings', [{ bandwidthSchedule: '08:00,512k 19:00,off', pauseOnBattery: true }]).ok).toBe(true);
  });

  it('ferry upload --bwlimit with a bad table is a usage error (exit 2) before anything starts', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['bin/ferry.js', 'upload', '.', '--album', 'x', '--bwlimit', '08:00,1M 25:00,off'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, FERRY_DATA_DIR: '/nonexistent/ferry-bwlimit-test' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('ferry: --bwlimit: "25:00" is not a time of day\n');
  });
});
