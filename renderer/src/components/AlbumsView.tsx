/** Albums and their processed thumbnails, straight from the backend. */
import { useFerry } from '../store/context.ts';
import type { Media } from '../../../shared/api.ts';
import { formatAgo } from '../format.ts';
import { placeholderStyle } from '../placeholder.ts';

function thumb(m: Media): string | undefined {
  return m.thumbnails?.medium ?? m.thumbnails?.small ?? m.thumbnails?.cover;
}

export function AlbumsView() {
  const albums = useFerry((s) => s.albums);
  const loaded = useFerry((s) => s.albumsLoaded);
  const current = useFerry((s) => s.albumMedia);
  const openAlbum = useFerry((s) => s.openAlbum);
  const loadAlbums = useFerry((s) => s.loadAlbums);
  const setView = useFerry((s) => s.setView);
  const loadMore = useFerry((s) => s.loadMoreMedia);

  if (current) {
    const album = albums.find((a) => a.albumId === current.albumId);
    return (
      <div className="view">
        <header className="view-head row">
          <button type="button" onClick={() => void openAlbum(null)} aria-label="Back to albums">
            ← Albums
          </button>
          <h1>{album?.title ?? current.albumId}</h1>
          <div className="spacer" />
          <button type="button" onClick={() => void openAlbum(current.albumId)}>
            Refresh
          </button>
        </header>
        {current.loading && current.media.length === 0 ? (
          <p className="muted">Loading…</p>
        ) : current.media.length === 0 ? (
          <div className="empty">
            <h2>This album is empty</h2>
            <p>Add a folder on the Queue page with this album as the target.</p>
          </div>
        ) : (
          <ul className="media-grid" aria-label="Photos">
            {current.media.map((m) => {
              const src = thumb(m);
              return (
                <li key={m.mediaId} className={`media status-${m.status}`} data-status={m.status}>
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
            })}
          </ul>
        )}
        {current.nextCursor ? (
          <button type="button" onClick={() => void loadMore()}>
            Load more
          </button>
        ) : null}
      </div>
    );
  }

  return (
    <div className="view">
      <header className="view-head row">
        <h1>Albums</h1>
        <div className="spacer" />
        <button type="button" onClick={() => void loadAlbums()}>
          Refresh
        </button>
      </header>
      {!loaded ? (
        <p className="muted">Loading albums…</p>
      ) : albums.length === 0 ? (
        <div className="empty">
          <h2>No albums yet</h2>
          <p>Create one when you add a folder on the Queue page.</p>
          <button type="button" className="primary" onClick={() => setView('queue')}>
            Go to the queue
          </button>
        </div>
      ) : (
        <ul className="album-grid">
          {albums.map((a) => (
            <li key={a.albumId}>
              <button type="button" className="album-card" onClick={() => void openAlbum(a.albumId)} data-album-id={a.albumId}>
                <div className="album-cover">{a.coverThumbnail ? <img src={a.coverThumbnail} alt="" /> : <span aria-hidden="true">🖼</span>}</div>
                <div className="album-title">{a.title}</div>
                <div className="muted">
                  {a.mediaCount} photo{a.mediaCount === 1 ? '' : 's'} · updated {formatAgo(a.updatedAt)}
                </div>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
