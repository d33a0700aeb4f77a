/** The window: navigation, the totals bar with Pause/Resume all, banners, notices, and the current view. */
import { useEffect } from 'react';
import { useFerry } from '../store/context.ts';
import type { View } from '../store/ferry-store.ts';
import { formatBytes, formatEta, formatRate } from '../format.ts';
import { filesInProgress, overallProgress } from '../../../shared/progress.ts';
import { queueCounts } from '../../../shared/queue-order.ts';
import { QueueView } from './QueueView.tsx';
import { WatchedView } from './WatchedView.tsx';
import { AlbumsView } from './AlbumsView.tsx';
import { SettingsView } from './SettingsView.tsx';

const nav: { view: View; label: string; icon: string }[] = [
  { view: 'queue', label: 'Queue', icon: 'M4 6h16M4 12h16M4 18h10' },
  { view: 'watched', label: 'Watched folders', icon: 'M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z' },
  { view: 'albums', label: 'Albums', icon: 'M4 5h16v14H4zM4 15l4-4 5 5 3-3 4 4' },
  { view: 'settings', label: 'Settings', icon: 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19 12l2-1-1-3-2 .3-1.5-1.5.3-2-3-1-1 2h-1.6l-1-2-3 1 .3 2L6 7.3 4 7l-1 3 2 1v2l-2 1 1 3 2-.3 1.5 1.5-.3 2 3 1 1-2h1.6l1 2 3-1-.3-2 1.5-1.5 2 .3 1-3-2-1z' },
];

function Totals() {
  const totals = useFerry((s) => s.totals);
  const paused = useFerry((s) => s.paused);
  const pauseAll = useFerry((s) => s.pauseAll);
  const resumeAll = useFerry((s) => s.resumeAll);
  // The same counts as the queue's tabs and `ferry status` (shared/queue-order.ts).
  const counts = queueCounts(totals.byState);
  // Files drive it, thumbnails included (shared/progress.ts): bytes alone read 100 % while they were made.
  // An empty queue shows an empty bar, not a full one.
  const pct = totals.files === 0 ? 0 : Math.floor(overallProgress(totals) * 100);
  const pending = filesInProgress(totals);
  const making = totals.byState.processing;
  // The tab or window title carries progress, so it shows while Ferry is in the background.
  useEffect(() => {
    document.title = pending ? `Ferry · ${pct}%${paused ? ' (paused)' : ''}` : 'Ferry';
  }, [pending, pct, paused]);
  return (
    <div className="totals" aria-live="polite">
      <div className="totals-text">
        <strong data-count="all">{counts.all.toLocaleString()}</strong> files · <strong data-count="done">{counts.done.toLocaleString()}</strong> done
        {counts.failed ? (
          <>
            {' '}
            · <strong className="danger" data-count="failed">{counts.failed.toLocaleString()}</strong> failed
          </>
        ) : null}
        {pending ? (
          <span className="muted">
            {' '}
            · {formatBytes(totals.bytesSent)} of {formatBytes(totals.bytesTotal)} {formatRate(totals.rate) && `· ${formatRate(totals.rate)}`}{' '}
            {making ? `· ${making.toLocaleString()} making thumbnails ` : ''}
            {paused ? '' : formatEta(totals.etaSeconds) && `· ${formatEta(totals.etaSeconds)}`}
          </span>
        ) : null}
      </div>
      <div className="bar total-bar" role="progressbar" aria-label="All files" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <div className="fill" style={{ width: `${pct}%` }} />
      </div>
      {paused ? (
        <button type="button" className="primary" onClick={() => void resumeAll()}>
          Resume all
        </button>
      ) : (
        <button type="button" onClick={() => void pauseAll()}>
          Pause all
        </button>
      )}
    </div>
  );
}

function Banners() {
  const linked = useFerry((s) => s.linked);
  const online = useFerry((s) => s.online);
  const apiUrl = useFerry((s) => s.apiUrl);
  const paused = useFerry((s) => s.paused);
  const setView = useFerry((s) => s.setView);
  if (!linked) {
    return (
      <div className="banner danger" role="alert" data-testid="link-banner">
        Lost the connection to Ferry. Reconnecting… If this lasts, check that <code>ferry serve</code> is still running.
      </div>
    );
  }
  if (!online) {
    return (
      <div className="banner warn" role="alert" data-testid="offline-banner">
        <strong>Offline.</strong> The backend{apiUrl ? <> at <code>{apiUrl}</code></> : null} can't be reached. Uploads wait and resume on their own when it is back.{' '}
        <button type="button" className="link" onClick={() => setView('settings')}>
          Check the backend settings
        </button>
      </div>
    );
  }
  if (paused) {
    return (
      <div className="banner info" role="status" data-testid="paused-banner">
        Uploads are paused. Nothing is sent until you press Resume all.
      </div>
    );
  }
  return null;
}

/** How long each kind of notice stays (ms). */
export const noticeMs = { info: 6000, warn: 12_000, error: 12_000 };

function Notices() {
  const notices = useFerry((s) => s.notices);
  const dismiss = useFerry((s) => s.dismiss);
  // Confirmations fade quickly; errors stay long enough to read what to do (the failed rows keep
  // saying it after the notice is gone). Each timer runs from when its notice appeared: restarting
  // them on every change kept an error on screen for good while other notices kept coming (issue 14).
  useEffect(() => {
    const now = Date.now();
    const timers = notices.map((n) => setTimeout(() => dismiss(n.id), Math.max(0, n.at + noticeMs[n.kind] - now)));
    return () => timers.forEach(clearTimeout);
  }, [notices, dismiss]);
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <span>{n.text}</span>
          <button type="button" className="ghost" onClick={() => dismiss(n.id)} aria-label="Close notice">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

export function App() {
  const view = useFerry((s) => s.view);
  const setView = useFerry((s) => s.setView);
  const failed = useFerry((s) => s.totals.byState.failed);
  return (
    <div className="app">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <path d="M3 16c3 2 6 2 9 0s6-2 9 0M5 13l7-9 7 9" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          Ferry
        </div>
        {nav.map((n) => (
          <button key={n.view} type="button" className={view === n.view ? 'nav active' : 'nav'} aria-current={view === n.view ? 'page' : undefined} onClick={() => setView(n.view)}>
            <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
              <path d={n.icon} fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinejoin="round" strokeLinecap="round" />
            </svg>
            {n.label}
            {n.view === 'queue' && failed ? <span className="pill danger">{failed}</span> : null}
          </button>
        ))}
      </nav>
      <div className="main">
        <header className="topbar">
          <Totals />
        </header>
        <Banners />
        <main className="content">
          {view === 'queue' ? <QueueView /> : view === 'watched' ? <WatchedView /> : view === 'albums' ? <AlbumsView /> : <SettingsView />}
        </main>
        <Notices />
      </div>
    </div>
  );
}
