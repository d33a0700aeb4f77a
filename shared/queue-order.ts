/**
 * The queue ordered for attention, and the counts every screen shows. One definition for the UI's
 * list, its tabs, its header and the CLI, so "40 done" in one place is "40" everywhere.
 *
 * The list is a run of segments, one state each: what is moving now, then what waits, then what
 * has settled (failed first: it needs a decision). Each segment is one index range over
 * (state, id), so a page of a 100,000-row queue never sorts the table.
 */
import { doneStates, inFlightStates, unsettledStates, type FileState } from './file-states.ts';

export type QueueSection = 'inProgress' | 'waiting' | 'settled';

/**
 * The list's order: segments in this order, each by id (oldest first, or newest first). Every state
 * appears exactly once (a test checks it against shared/file-states.ts).
 */
export const queueSegments: readonly { state: FileState; section: QueueSection; newestFirst: boolean }[] = [
  { state: 'uploading', section: 'inProgress', newestFirst: false },
  { state: 'requesting', section: 'inProgress', newestFirst: false },
  { state: 'hashing', section: 'inProgress', newestFirst: false },
  { state: 'processing', section: 'inProgress', newestFirst: false },
  // Queued rows in the order the engine will take them (it takes the lowest id first).
  { state: 'queued', section: 'waiting', newestFirst: false },
  { state: 'paused', section: 'waiting', newestFirst: false },
  { state: 'failed', section: 'settled', newestFirst: true },
  { state: 'skipped', section: 'settled', newestFirst: true },
  { state: 'cancelled', section: 'settled', newestFirst: true },
  { state: 'uploaded', section: 'settled', newestFirst: true },
];

/** The queue tabs and which states each holds. */
export type QueueTab = 'all' | 'active' | 'failed' | 'done';
export const queueTabStates: Record<QueueTab, readonly FileState[] | undefined> = {
  all: undefined,
  active: unsettledStates,
  failed: ['failed'],
  done: doneStates,
};

export interface QueueCounts {
  all: number;
  /** still to finish: moving, waiting or paused (the "In progress" tab) */
  active: number;
  /** moving right now: hashing, requesting, uploading, processing */
  inProgress: number;
  failed: number;
  /** settled without an error: uploaded, skipped (a duplicate, say) or cancelled (the "Done" tab) */
  done: number;
  uploaded: number;
  skipped: number;
}

/** The counts shown in the tabs, the header and `ferry status`, from the engine's per-state totals. */
export function queueCounts(byState: Record<FileState, number>): QueueCounts {
  const sum = (states: readonly FileState[] | undefined) => (states ?? []).reduce((n, s) => n + (byState[s] ?? 0), 0);
  return {
    all: Object.values(byState).reduce((a, b) => a + b, 0),
    active: sum(queueTabStates.active),
    inProgress: sum([...inFlightStates, 'processing']),
    failed: sum(queueTabStates.failed),
    done: sum(queueTabStates.done),
    uploaded: byState.uploaded ?? 0,
    skipped: byState.skipped ?? 0,
  };
}

/**
 * Which slices of which segments make up rows [offset, offset + limit) of the ordered list,
 * given each state's count. Pure, so both the SQLite store and the in-memory test engine page alike.
 */
export function segmentSlices(
  counts: Partial<Record<FileState, number>>,
  offset: number,
  limit: number,
  states?: readonly FileState[],
): { state: FileState; newestFirst: boolean; offset: number; limit: number }[] {
  const out: { state: FileState; newestFirst: boolean; offset: number; limit: number }[] = [];
  let skip = offset;
  let want = limit;
  for (const seg of queueSegments) {
    if (want <= 0) break;
    if (states && !states.includes(seg.state)) continue;
    const n = counts[seg.state] ?? 0;
    if (skip >= n) {
      skip -= n;
      continue;
    }
    const take = Math.min(n - skip, want);
    out.push({ state: seg.state, newestFirst: seg.newestFirst, offset: skip, limit: take });
    want -= take;
    skip = 0;
  }
  return out;
}
