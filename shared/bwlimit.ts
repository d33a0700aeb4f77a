/**
 * Bandwidth timetables in rclone's `--bwlimit` syntax, so a user who knows rclone already knows
 * Ferry's: `"08:00,512k 19:00,off"` limits uploads to 512 KiB/s from 08:00 and lifts the limit at
 * 19:00; `"Mon-09:00,1M Sat-00:00,off"` is a weekly table; `"2.5M"` is one limit all day. As in
 * rclone, a bare number is KiB/s and `off` means unlimited; an upload:download pair (`1M:off`) uses
 * its upload half, the only direction Ferry has. Shared by the CLI, the engine and Settings (which
 * validates the field as it is typed), so all three read a table the same way.
 */

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const minutesPerDay = 24 * 60;
const minutesPerWeek = 7 * minutesPerDay;

/** One row of a timetable: from `minute` (of the day, or of the week when `weekly`), this rate. */
export interface BwSlot {
  /** minutes since midnight (daily tables) or since Sunday midnight (weekly tables) */
  minute: number;
  /** bytes per second; 0 = unlimited */
  bytesPerSecond: number;
}

export interface BwSchedule {
  weekly: boolean;
  /** sorted by minute; at least one */
  slots: BwSlot[];
}

/** Thrown for text that is not a timetable; the message says what was wrong and shows an example. */
export class BwLimitSyntaxError extends Error {}

const example = 'e.g. "5M", or "08:00,512k 19:00,off", or "Mon-08:00,1M Sat-00:00,off"';

/** Parses one rate as rclone does: `off`, or a number with an optional B/K/M/G/T suffix (bare = KiB/s). */
export function parseBwRate(text: string): number {
  const upload = text.split(':')[0]!.trim();
  if (/^off$/i.test(upload) || upload === '0') return 0;
  const m = /^(\d+(?:\.\d+)?)([bkmgt])?(?:i?b)?(?:\/s)?$/i.exec(upload);
  if (!m) throw new BwLimitSyntaxError(`"${text}" is not a rate (try 512k, 10M or off)`);
  const exponent = { b: 0, k: 1, m: 2, g: 3, t: 4 }[(m[2] ?? 'k').toLowerCase() as 'b' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * 1024 ** exponent);
}

function parseTime(text: string): { minute: number; weekly: boolean } {
  const m = /^(?:([A-Za-z]{3})-)?(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) throw new BwLimitSyntaxError(`"${text}" is not a time (HH:MM or Ddd-HH:MM)`);
  const hours = Number(m[2]);
  const minutes = Number(m[3]);
  if (hours > 23 || minutes > 59) throw new BwLimitSyntaxError(`"${text}" is not a time of day`);
  let day = 0;
  if (m[1]) {
    day = days.findIndex((d) => d.toLowerCase() === m[1]!.toLowerCase());
    if (day < 0) throw new BwLimitSyntaxError(`"${m[1]}" is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)`);
  }
  return { minute: day * minutesPerDay + hours * 60 + minutes, weekly: Boolean(m[1]) };
}

/**
 * Parses a timetable; `null` for empty text (no limit). Throws BwLimitSyntaxError with a message
 * fit to show a user for anything else it cannot read.
 */
export function parseBwSchedule(text: string): BwSchedule | null {
  const entries = text.trim().split(/\s+/).filter(Boolean);
  if (entries.length === 0) return null;
  // "08:00" alone reads as the rate pair 8k:0 in rclone; here it is a time missing its rate.
  if (entries.length === 1 && !entries[0]!.includes(',') && !/^(?:[A-Za-z]{3}-)?\d{1,2}:\d{2}$/.test(entries[0]!)) return { weekly: false, slots: [{ minute: 0, bytesPerSecond: parseBwRate(entries[0]!) }] };
  const parsed = entries.map((entry) => {
    const comma = entry.indexOf(',');
    if (comma < 0) throw new BwLimitSyntaxError(`"${entry}" needs a time and a rate, ${example}`);
    return { ...parseTime(entry.slice(0, comma)), bytesPerSecond: parseBwRate(entry.slice(comma + 1)) };
  });
  const weekly = parsed.some((p) => p.weekly);
  if (weekly && !parsed.every((p) => p.weekly)) throw new BwLimitSyntaxError(`give every entry a day, or none (${example})`);
  const slots = parsed.map(({ minute, bytesPerSecond }) => ({ minute, bytesPerSecond })).sort((a, b) => a.minute - b.minute);
  for (let i = 1; i < slots.length; i++) {
    if (slots[i]!.minute === slots[i - 1]!.minute) throw new BwLimitSyntaxError(`two entries start at the same time (${entries.join(' ')})`);
  }
  return { weekly, slots };
}

function minuteOf(schedule: BwSchedule, at: Date): number {
  const ofDay = at.getHours() * 60 + at.getMinutes();
  return schedule.weekly ? at.getDay() * minutesPerDay + ofDay : ofDay;
}

/**
 * The limit in force at `atMs` (local time): the last entry at or before it, wrapping round to the
 * table's last entry before its first (as rclone does: `08:00,512k 19:00,off` is unlimited at 03:00).
 */
export function bwRateAt(schedule: BwSchedule, atMs: number): number {
  const now = minuteOf(schedule, new Date(atMs));
  let current = schedule.slots[schedule.slots.length - 1]!;
  for (const s of schedule.slots) if (s.minute <= now) current = s;
  return current.bytesPerSecond;
}

/** Milliseconds from `atMs` until the next entry begins (for showing "until 19:00" and for tests). */
export function msUntilNextBwChange(schedule: BwSchedule, atMs: number): number {
  const at = new Date(atMs);
  const period = schedule.weekly ? minutesPerWeek : minutesPerDay;
  const now = minuteOf(schedule, at);
  const next = schedule.slots.find((s) => s.minute > now) ?? schedule.slots[0]!;
  const minutesAhead = (next.minute - now + period) % period || period;
  // From the start of the current minute: the table has minute resolution.
  return minutesAhead * 60_000 - (at.getSeconds() * 1000 + at.getMilliseconds());
}

/** A rate in rclone's syntax (`off`, `512k`, `10M`), for saying which limit is in force. */
export function formatBwRate(bytesPerSecond: number): string {
  if (bytesPerSecond === 0) return 'off';
  if (bytesPerSecond % 1024 ** 2 === 0) return `${bytesPerSecond / 1024 ** 2}M`;
  if (bytesPerSecond % 1024 === 0) return `${bytesPerSecond / 1024}k`;
  return `${bytesPerSecond}B`;
}
