/**
 * The queue's paging. The queue can hold 100,000 files, so the store never mirrors it: it keeps the
 * total, the pages around what is on screen (fetched with `listQueue`), and applies the engine's
 * `items` deltas to rows it holds. Anything that shifts positions (new files, removals, a filter's
 * membership) re-reads the held pages, throttled so a burst costs one round trip.
 */
import type { QueueItem } from '../../../shared/engine-api.ts';
import { filterStates, type FerryState, type SliceContext } from './ferry-state.ts';
import { message } from './notices.ts';

export const pageSize = 100;
/** pages kept either side of the visible ones; bounds memory whatever the queue length */
const keepAround = 1;
const refreshDelayMs = 250;

export type QueuePagesSlice = Pick<FerryState, 'filter' | 'total' | 'pages' | 'version' | 'setFilter' | 'showRange' | 'rowAt'>;

/** The paging slice, plus the hooks the rest of the store uses to re-read or patch held rows. */
export interface QueuePages {
  slice: QueuePagesSlice;
  /** Re-reads the held pages at once (positions may have shifted), keeping rows on screen meanwhile. */
  reloadWindow(): Promise<void>;
  /** Asks for a re-read: the first at once, then at most one per refreshDelayMs. */
  scheduleReload(): void;
  /** Applies an engine `items` delta to the rows held; re-reads when a row may have moved. */
  applyItems(items: QueueItem[]): void;
}

/** Creates the paging state (per store) and its slice. */
export function createQueuePages({ api, set, get }: SliceContext): QueuePages {
  let wanted = { first: 0, last: 0 };
  const inFlight = new Set<number>();
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  // A page answer for an older generation (before a filter change or refresh) is dropped.
  let generation = 0;

  const neededPages = () => {
    const first = Math.max(0, Math.floor(wanted.first / pageSize) - keepAround);
    const last = Math.floor(wanted.last / pageSize) + keepAround;
    const maxPage = Math.max(0, Math.ceil(get().total / pageSize) - 1);
    return { first, last: Math.min(last, maxPage) };
  };

  const fetchPage = async (page: number, gen: number) => {
    if (inFlight.has(page)) return;
    inFlight.add(page);
    try {
      const states = filterStates[get().filter];
      const res = await api.listQueue({ offset: page * pageSize, limit: pageSize, ...(states ? { states: [...states] } : {}) });
      if (gen !== generation) return;
      const pages = new Map(get().pages);
      pages.set(page, res.items);
      set({ pages, total: res.total, version: get().version + 1 });
    } catch (err) {
      if (gen === generation) get().notify('error', `Could not read the queue: ${message(err)}`);
    } finally {
      inFlight.delete(page);
    }
  };

  const fillWindow = async () => {
    const { first, last } = neededPages();
    const pages = get().pages;
    let dropped = false;
    for (const p of pages.keys()) if (p < first || p > last) dropped = true;
    if (dropped) {
      const kept = new Map([...pages].filter(([p]) => p >= first && p <= last));
      set({ pages: kept });
    }
    const gen = generation;
    const missing: number[] = [];
    for (let p = first; p <= last; p++) if (!get().pages.has(p)) missing.push(p);
    await Promise.all(missing.map((p) => fetchPage(p, gen)));
  };

  const reloadWindow = async () => {
    generation++;
    const gen = generation;
    inFlight.clear();
    const states = filterStates[get().filter];
    const { first, last } = neededPages();
    const fresh = new Map<number, QueueItem[]>();
    let total: number;
    try {
      // One request covering the held pages: cheaper than one per page, and atomic for the view.
      const res = await api.listQueue({
        offset: first * pageSize,
        limit: Math.min(1000, (last - first + 1) * pageSize),
        ...(states ? { states: [...states] } : {}),
      });
      if (gen !== generation) return;
      total = res.total;
      for (let i = 0; i * pageSize < res.items.length; i++) fresh.set(first + i, res.items.slice(i * pageSize, (i + 1) * pageSize));
    } catch (err) {
      if (gen === generation) get().notify('error', `Could not read the queue: ${message(err)}`);
      return;
    }
    set({ pages: fresh, total, version: get().version + 1 });
    await fillWindow();
  };

  // At most one re-read per refreshDelayMs, the first at once: a new file shows without waiting.
  let lastReload = 0;
  const scheduleReload = () => {
    if (refreshTimer) return;
    refreshTimer = setTimeout(
      () => {
        refreshTimer = undefined;
        lastReload = Date.now();
        void reloadWindow();
      },
      Math.max(0, lastReload + refreshDelayMs - Date.now()),
    );
  };

  const applyItems = (items: QueueItem[]) => {
    const filterSet = filterStates[get().filter];
    const pages = get().pages;
    const byId = new Map(items.map((i) => [i.id, i]));
    let changed = false;
    let shifted = false;
    const next = new Map(pages);
    for (const [p, rows] of pages) {
      let copy: QueueItem[] | undefined;
      rows.forEach((row, i) => {
        const upd = byId.get(row.id);
        if (!upd) return;
        byId.delete(row.id);
        // The list is in attention order (shared/queue-order.ts): a new state is a new position.
        if (upd.state !== row.state || (filterSet && !filterSet.includes(upd.state))) shifted = true;
        copy ??= rows.slice();
        copy[i] = upd;
      });
      if (copy) {
        next.set(p, copy);
        changed = true;
      }
    }
    if (changed) set({ pages: next, version: get().version + 1 });
    // Rows we do not hold matter only when they may be entering a filter; new files under 'all'
    // arrive with a `totals` change, which reloads anyway.
    if (filterSet) for (const item of byId.values()) if (filterSet.includes(item.state)) shifted = true;
    if (shifted) scheduleReload();
  };

  const slice: QueuePagesSlice = {
    filter: 'all',
    total: 0,
    pages: new Map(),
    version: 0,

    setFilter(filter) {
      if (filter === get().filter) return;
      generation++;
      inFlight.clear();
      wanted = { first: 0, last: Math.max(0, wanted.last - wanted.first) };
      set({ filter, pages: new Map(), total: 0, version: get().version + 1 });
      void reloadWindow();
    },

    showRange(first, last) {
      wanted = { first: Math.max(0, first), last: Math.max(first, last) };
      void fillWindow();
    },

    rowAt(index) {
      return get().pages.get(Math.floor(index / pageSize))?.[index % pageSize];
    },
  };

  return { slice, reloadWindow, scheduleReload, applyItems };
}
