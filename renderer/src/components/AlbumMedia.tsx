/**
 * One album's photos: the backend's thumbnails, several selected at once and deleted after a
 * confirmation. Failed media (a damaged file the backend could not process) stay out of the grid
 * unless the user asks to see them: they are not photos of the album, just records of a failure.
 */
import { placeholderStyle } from '../placeholder.ts';
import { useState } from 'react';
import type { Media } from '../../../shared/api.ts';
import { useFerry } from '../store/context.ts';
import type { AlbumMediaState } from '../store/ferry-store.ts';
import { ConfirmDelete } from './ConfirmDelete.tsx';

function thumb(m: Media): string | undefined {
  return m.thumbnails?.medium ?? m.thumbnails?.small ?? m.thumbnails?.cover;
}

export function AlbumMedia({ current, title }: { current: AlbumMediaState; title: string }) {
  const openAlbum = useFerry((s) => s.openAlbum);
  const loadMore = useFerry((s) => s.loadMoreMedia);
  const deleteMedia = useFerry((s) => s.deleteMedia);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [showFailed, setShowFailed] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const failedCount = current.media.filter((m) => m.status === 'failed').length;
  const shown = showFailed ? current.media : current.media.filter((m) => m.status !== 'failed');
  // A selection only ever holds what is on screen (a refresh or a filter change may drop some).
  const chosen = shown.filter((m) => selected.has(m.mediaId));
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (!next.delete(id)) next.add(id);
    setSelected(next);
  };

  return (
    <div className="view">
      <header className="view-head row">
        <button type="button" onClick={() => void openAlbum(null)} aria-label="Back to albums">
          ← Albums
        </button>
        <h1>{title}</h1>
        <div className="spacer" />
        {failedCount > 0 ? (
          <label className="switch">
            <input type="checkbox" checked={showFailed} onChange={(e) => setShowFailed(e.target.checked)} />
            Show failed ({failedCount})
          </label>
        ) : null}
        <button type="button" onClick={() => void openAlbum(current.albumId)}>
          Refresh
        </button>
      </header>
      {chosen.length > 0 ? (
        <div className="selection-bar" role="toolbar" aria-label="Selected photos">
          <strong>{chosen.length} selected</strong>
          <button type="button" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Delete…
          </button>
        </div>
      ) : null}
      {current.loading && current.media.length === 0 ? (
        <p className="muted">Loading…</p>
      ) : shown.length === 0 ? (
        <div className="empty">
          <h2>{failedCount ? 'No photos here yet' : 'This album is empty'}</h2>
          <p>Add a folder on the Queue page with this album as the target.</p>
        </div>
      ) : (
        <ul className="media-grid" aria-label="Photos">
          {shown.map((m) => (
            <MediaTile key={m.mediaId} m={m} selected={selected.has(m.mediaId)} onToggle={() => toggle(m.mediaId)} />
          ))}
        </ul>
      )}
      {current.nextCursor ? (
        <button type="button" onClick={() => void loadMore()}>
          Load more
        </button>
      ) : null}
      {confirming ? (
        <ConfirmDelete
          names={chosen.map((m) => m.filename)}
          onCancel={() => setConfirming(false)}
          onConfirm={async () => {
            await deleteMedia(chosen.map((m) => m.mediaId));
            setConfirming(false);
            setSelected(new Set());
          }}
        />
      ) : null}
    </div>
  );
}

function MediaTile({ m, selected, onToggle }: { m: Media; selected: boolean; onToggle: () => void }) {
  const src = thumb(m);
  return (
    <li className={`media status-${m.status}${selected ? ' selected' : ''}`} data-status={m.status} data-media-id={m.mediaId}>
      <label className="media-select">
        <input type="checkbox" checked={selected} onChange={onToggle} aria-label={`Select ${m.filename}`} />
      </label>
      {src ? (
        <img src={src} alt={m.filename} loading="lazy" width={300} height={300} style={placeholderStyle(m)} />
      ) : (
        <div className="media-placeholder">{m.status === 'failed' ? 'Failed' : m.status === 'pending' ? 'Processing…' : 'No preview'}</div>
      )}
      <div className="media-caption" title={m.filename}>
        {m.filename}
        {m.status === 'failed' && m.error ? <span className="qerror"> {m.error.message}</span> : null}
      </div>
    </li>
  );
}
