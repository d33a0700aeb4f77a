/**
 * Adding files: drop folders or files anywhere on the panel (the desktop app learns their paths from
 * the preload), or type a folder's path, which works in the browser too, where a drop carries no path.
 */
import { useId, useState, type DragEvent } from 'react';
import { useConnection, useFerry } from '../store/context.ts';
import { AlbumPicker } from './AlbumPicker.tsx';

export function AddFiles() {
  const addPaths = useFerry((s) => s.addPaths);
  const notify = useFerry((s) => s.notify);
  const albums = useFerry((s) => s.albums);
  const { pathForFile, kind } = useConnection();
  const [albumId, setAlbumId] = useState('');
  const [path, setPath] = useState('');
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);
  const pathId = useId();

  const send = async (paths: string[]) => {
    if (!albumId) {
      notify('error', albums.length ? 'Choose the target album first.' : 'Create an album first: pick "+ New album…" under Target album.');
      return false;
    }
    setBusy(true);
    const ok = await addPaths(paths, { kind: 'album', albumId });
    setBusy(false);
    return ok;
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const files = [...e.dataTransfer.files];
    const paths = pathForFile ? files.map((f) => pathForFile(f)).filter(Boolean) : [];
    if (!paths.length) {
      notify(
        'error',
        kind === 'browser'
          ? 'A browser does not tell Ferry where dropped files live. Type the folder path under "Add folder by path".'
          : 'Those items have no path on disk. Drop files or folders from your file manager.',
      );
      return;
    }
    void send(paths);
  };

  return (
    <section
      className={`dropzone${over ? ' over' : ''}`}
      aria-label="Add files"
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <div className="drop-hint">
        <svg aria-hidden="true" viewBox="0 0 24 24" width="28" height="28">
          <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <div>
          <strong>{kind === 'desktop' ? 'Drop folders or photos here' : 'Add a folder by its path'}</strong>
          <span className="muted">Ferry uploads every image inside, resumes after restarts, and makes thumbnails.</span>
        </div>
      </div>
      <form
        className="add-form"
        onSubmit={(e) => {
          e.preventDefault();
          const p = path.trim();
          if (!p) return notify('error', 'Type the full path of a folder or file, e.g. /home/you/Pictures/trip.');
          void send([p]).then((ok) => ok && setPath(''));
        }}
      >
        <AlbumPicker value={albumId} onChange={setAlbumId} />
        <div className="field grow">
          <label htmlFor={pathId}>Add folder by path</label>
          <input id={pathId} value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/you/Pictures/trip" spellCheck={false} />
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add'}
        </button>
      </form>
    </section>
  );
}
