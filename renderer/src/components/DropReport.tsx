/**
 * What became of a browser drop: files still streaming to Ferry, and each file Ferry did not take
 * with its reason (a .txt, an empty file, a send that broke). Queued files show up in the queue.
 */
import { useState } from 'react';
import { useStore } from 'zustand';
import { useDropService } from '../drop/drop-service.ts';
import { formatBytes } from '../format.ts';

/** How many refused files show before "Show all". */
const collapsedRows = 5;

export function DropReport() {
  const { snapshot, uploader } = useDropService();
  const s = useStore(snapshot);
  const [expanded, setExpanded] = useState(false);
  if (s.files === 0 && s.notTakenCount === 0) return null;
  const pct = s.bytesTotal > 0 ? Math.round((s.bytesSent / s.bytesTotal) * 100) : 100;
  const rows = expanded ? s.notTaken : s.notTaken.slice(0, collapsedRows);
  return (
    <section className="drop-report" aria-label="Dropped files" data-testid="drop-report">
      {s.files > 0 ? (
        <div className="drop-progress" role="status">
          {s.busy ? (
            <span>
              Sending to Ferry: <strong>{s.sent.toLocaleString()}</strong> of {s.files.toLocaleString()} files · {formatBytes(s.bytesSent)} of{' '}
              {formatBytes(s.bytesTotal)}
            </span>
          ) : (
            <span>
              <strong>{s.sent.toLocaleString()}</strong> dropped file{s.sent === 1 ? '' : 's'} queued.
            </span>
          )}
          {s.busy ? (
            <div className="bar" role="progressbar" aria-label="Sending dropped files" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
              <div className="fill" style={{ width: `${pct}%` }} />
            </div>
          ) : null}
        </div>
      ) : null}
      {s.notTakenCount > 0 ? (
        <div className="not-taken">
          <strong>
            {s.notTakenCount.toLocaleString()} file{s.notTakenCount === 1 ? '' : 's'} not taken:
          </strong>
          <ul aria-label="Files not taken">
            {rows.map((n, i) => (
              <li key={`${n.path}-${i}`} data-path={n.path}>
                <span className="nt-path">{n.path}</span> <span className="muted">{n.reason}</span>
              </li>
            ))}
          </ul>
          <div className="row">
            {s.notTaken.length > collapsedRows ? (
              <button type="button" className="link" onClick={() => setExpanded(!expanded)}>
                {expanded ? 'Show fewer' : `Show ${s.notTaken.length < s.notTakenCount ? `the last ${s.notTaken.length}` : 'all'}`}
              </button>
            ) : null}
            {!s.busy ? (
              <button type="button" className="ghost" onClick={() => uploader.reset()}>
                Clear this list
              </button>
            ) : null}
          </div>
        </div>
      ) : null}
    </section>
  );
}
