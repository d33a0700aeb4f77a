/**
 * The queue: a virtualized list (only the rows on screen exist in the DOM) over the store's paged
 * window, so 100,000 files cost a few dozen nodes and a few hundred held rows.
 */
import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useConnection, useFerry } from '../store/context.ts';
import { queueCounts } from '../../../shared/queue-order.ts';
import type { QueueFilter } from '../store/ferry-store.ts';
import { QueueRow } from './QueueRow.tsx';
import { AddFiles } from './AddFiles.tsx';

export const rowHeight = 76;

const filters: { key: QueueFilter; label: string }[] = [
  { key: 'all', label: 'All' },
  { key: 'active', label: 'In progress' },
  { key: 'failed', label: 'Failed' },
  { key: 'done', label: 'Done' },
];

export function QueueView() {
  const total = useFerry((s) => s.total);
  const filter = useFerry((s) => s.filter);
  const byState = useFerry((s) => s.totals.byState);
  const ready = useFerry((s) => s.ready);
  const setFilter = useFerry((s) => s.setFilter);
  const retryAllFailed = useFerry((s) => s.retryAllFailed);
  const clearFinished = useFerry((s) => s.clearFinished);

  const counts: Record<QueueFilter, number> = queueCounts(byState);
  const { kind } = useConnection();

  return (
    <div className="view queue-view">
      <AddFiles />
      <div className="toolbar" role="toolbar" aria-label="Queue">
        <div className="tabs" role="tablist" aria-label="Show">
          {filters.map((f) => (
            <button
              key={f.key}
              type="button"
              role="tab"
              aria-selected={filter === f.key}
              className={filter === f.key ? 'tab active' : 'tab'}
              onClick={() => setFilter(f.key)}
            >
              {f.label} <span className="count" data-count={f.key}>{counts[f.key].toLocaleString()}</span>
            </button>
          ))}
        </div>
        <div className="spacer" />
        <button type="button" onClick={() => void retryAllFailed()} disabled={counts.failed === 0}>
          Retry all failed
        </button>
        <button type="button" onClick={() => void clearFinished()} disabled={counts.done === 0}>
          Clear finished
        </button>
      </div>
      {total === 0 ? (
        <div className="empty" role="status">
          {!ready ? (
            <p>Connecting to the engine…</p>
          ) : filter === 'all' ? (
            <>
              <h2>Nothing queued yet</h2>
              <p>
                {kind === 'browser' ? 'Drop a folder or photos above, or choose a folder.' : 'Drop a folder above, or type its path and press Add.'} Files keep their place
                here until their thumbnails are made.
              </p>
            </>
          ) : (
            <p>No {filters.find((f) => f.key === filter)?.label.toLowerCase()} files.</p>
          )}
        </div>
      ) : (
        <QueueList total={total} />
      )}
    </div>
  );
}

function QueueList({ total }: { total: number }) {
  const parent = useRef<HTMLDivElement>(null);
  const showRange = useFerry((s) => s.showRange);
  const rowAt = useFerry((s) => s.rowAt);
  // Subscribing to `version` re-renders the visible rows when a held row changes.
  useFerry((s) => s.version);
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => parent.current,
    estimateSize: () => rowHeight,
    overscan: 8,
    // happy-dom and the first paint have no layout yet; assume a screenful so rows render at once.
    initialRect: { width: 800, height: 720 },
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => showRange(first, last), [first, last, total, showRange]);

  return (
    <div ref={parent} className="qlist" tabIndex={0} aria-label={`Queue, ${total.toLocaleString()} files`} data-testid="queue-list">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {items.map((v) => {
          const item = rowAt(v.index);
          return (
            <div key={v.key} className="qslot" style={{ transform: `translateY(${v.start}px)`, height: rowHeight }} data-index={v.index}>
              {item ? <QueueRow item={item} /> : <div className="qrow placeholder" aria-hidden="true" />}
            </div>
          );
        })}
      </div>
    </div>
  );
}
