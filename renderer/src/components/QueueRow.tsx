/** One file in the queue: state, a progress bar from bytesSent/size, speed, ETA, error and actions. */
import { memo } from 'react';
import type { QueueItem } from '../../../shared/engine-api.ts';
import { isCancellable, isInFlight, isPending, isRetryable } from '../../../shared/file-states.ts';
import { baseName, dirName, errorAdvice, formatBytes, formatEta, formatRate, stateLabels } from '../format.ts';
import { useFerry } from '../store/context.ts';
import { RowThumb } from './RowThumb.tsx';
import { droppedPath } from '../../../shared/drop.ts';

/** Skipped rows and failed ones the user has seen: cleared from the list by Dismiss. */
const dismissable = new Set(['failed', 'skipped']);
/**
 * Some failures' advice says "or Cancel it". The state machine has no failed → cancelled (nothing is
 * left to stop), so on those rows Cancel does what the words promise: the file leaves the list.
 */
const adviceNamesCancel = (code: Parameters<typeof errorAdvice>[0]) => /\bCancel it\b/.test(errorAdvice(code));

export const QueueRow = memo(function QueueRow({ item }: { item: QueueItem }) {
  const retry = useFerry((s) => s.retry);
  const cancel = useFerry((s) => s.cancel);
  const dismissRows = useFerry((s) => s.dismissRows);
  const pause = useFerry((s) => s.pause);
  const resume = useFerry((s) => s.resume);
  const name = baseName(item.path);
  const dropped = droppedPath(item.path);
  const dismissWord = item.state === 'failed' && item.error && adviceNamesCancel(item.error.code) ? 'Cancel' : 'Dismiss';
  const pct = item.size > 0 ? Math.min(100, (item.bytesSent / item.size) * 100) : item.state === 'uploaded' ? 100 : 0;
  const active = isInFlight(item.state);
  const detail =
    item.state === 'uploading'
      ? [`${formatBytes(item.bytesSent)} of ${formatBytes(item.size)}`, formatRate(item.rate), formatEta(item.etaSeconds)].filter(Boolean).join(' · ')
      : item.state === 'processing'
        ? // The bytes are in; the backend is making thumbnails (the bar moves on its own meanwhile).
          `${formatBytes(item.size)} sent · making thumbnails…`
        : item.state === 'skipped'
          ? (item.skipReason ?? 'Already uploaded')
          : formatBytes(item.size);

  return (
    <div className={`qrow state-${item.state}`} data-state={item.state} data-id={item.id} data-path={item.path}>
      <RowThumb key={item.id} item={item} />
      <div className="qmain">
        <div className="qtitle">
          <span className="qname" title={item.path}>
            {name}
          </span>
          <span className={`badge badge-${item.state}`}>{stateLabels[item.state]}</span>
        </div>
        <div
          className={`bar${active ? ' live' : ''}`}
          role="progressbar"
          aria-label={`${name} progress`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(pct)}
          aria-valuetext={item.state === 'processing' ? 'Sent; making thumbnails' : undefined}
        >
          <div className="fill" style={{ width: `${pct}%` }} />
        </div>
        <div className="qdetail">
          <span className="muted qdir" title={item.path}>
            {dropped !== undefined ? `Dropped into Ferry${dropped.includes('/') ? ` · ${dirName(dropped)}` : ''}` : dirName(item.path)}
          </span>
          <span className="qstats">{detail}</span>
        </div>
        {item.error && item.state === 'failed' ? (
          <div className="qerror" role="alert" title={item.error.message}>
            {/* What to do comes first: the engine's message can be long and is cut at the row's width. */}
            <strong>{errorAdvice(item.error.code)}</strong> <span className="qerror-detail">{item.error.message}</span>
          </div>
        ) : null}
      </div>
      <div className="qactions">
        {isRetryable(item.state) ? (
          <button type="button" onClick={() => void retry(item.id)} aria-label={`Retry ${name}`}>
            Retry
          </button>
        ) : null}
        {item.state === 'paused' ? (
          <button type="button" onClick={() => void resume(item.id)} aria-label={`Resume ${name}`}>
            Resume
          </button>
        ) : isPending(item.state) ? (
          <button type="button" onClick={() => void pause(item.id)} aria-label={`Pause ${name}`}>
            Pause
          </button>
        ) : null}
        {isCancellable(item.state) ? (
          <button type="button" className="ghost" onClick={() => void cancel(item.id)} aria-label={`Cancel ${name}`}>
            Cancel
          </button>
        ) : null}
        {dismissable.has(item.state) ? (
          <button type="button" className="ghost" onClick={() => void dismissRows([item.id])} aria-label={`${dismissWord} ${name}`}>
            {dismissWord}
          </button>
        ) : null}
      </div>
    </div>
  );
});
