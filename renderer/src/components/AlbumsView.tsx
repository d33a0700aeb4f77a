/** Albums and their processed thumbnails, straight from the backend; an open album is AlbumMedia. */
import { useFerry } from '../store/context.ts';
import { formatAgo } from '../format.ts';
import { AlbumMedia } from './AlbumMedia.tsx';

export function AlbumsView() {
  const albums = useFerry((s) => s.albums);
  const loaded = useFerry((s) => s.albumsLoaded);
  const current = useFerry((s) => s.albumMedia);
  const openAlbum = useFerry((s) => s.openAlbum);
  const loadAlbums = useFerry((s) => s.loadAlbums);
  const setView = useFerry((s) => s.setView);

  if (current) {
    const album = albums.find((a) => a.albumId === current.albumId);
    return <AlbumMedia current={current} title={album?.title ?? current.albumId} />;
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
