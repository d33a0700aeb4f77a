/**
 * Adding files. The desktop app learns a drop's real paths from the preload and adds them in place;
 * typing a path works there too. In a browser (serve mode) a drop carries no paths, so the files are
 * streamed to the local engine, which keeps a copy and queues it; "Choose a folder…" browses the
 * engine's disk instead and adds a folder in place.
 */
import { useId, useState, type DragEvent } from 'react';
import { useConnection, useFerry } from '../store/context.ts';
import { useDropService } from '../drop/drop-service.ts';
import { dropEntries } from '../drop/traverse.ts';
import { AlbumPicker } from './AlbumPicker.tsx';
import { DropReport } from './DropReport.tsx';
import { FolderPicker } from './FolderPicker.tsx';

export function AddFiles() {
  const addPaths = useFerry((s) => s.addPaths);
  const notify = useFerry((s) => s.notify);
  const albums = useFerry((s) => s.albums);
  const { pathForFile, kind } = useConnection();
  const drops = useDropService();
  const [albumId, setAlbumId] = useState('');
  const [path, setPath] = useState('');
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);
  const [picking, setPicking] = useState(false);
  const pathId = useId();

  const needAlbum = () => {
    if (albumId) return false;
    notify('error', albums.length ? 'Choose the target album first.' : 'Create an album first: pick "+ New album…" under Target album.');
    return true;
  };

  const send = async (paths: string[]) => {
    if (needAlbum()) return false;
    setBusy(true);
    const ok = await addPaths(paths, { kind: 'album', albumId });
    setBusy(false);
    return ok;
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (kind === 'browser') {
      // Entries must be taken now: the DataTransfer is emptied once this handler returns.
      const sources = dropEntries(e.dataTransfer);
      if (!sources.length || needAlbum()) return;
      void drops.send(sources, albumId).catch((err: unknown) => notify('error', `Could not read the drop: ${String(err)}`));
      return;
    }
    const paths = pathForFile ? [...e.dataTransfer.files].map((f) => pathForFile(f)).filter(Boolean) : [];
    if (!paths.length) return notify('error', 'Those items have no path on disk. Drop files or folders from your file manager.');
    void send(paths);
  };

  return (
    <section
      className={`dropzone${over ? ' over' : ''}`}
      aria-label="Add files"
      data-testid="dropzone"
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
          <strong>Drop folders or photos here</strong>
          <span className="muted">Ferry uploads every image inside, resumes after restarts, and makes thumbnails.</span>
        </div>
      </div>
      {kind === 'browser' ? (
        <div className="add-form">
          <AlbumPicker value={albumId} onChange={setAlbumId} />
          <div className="grow" />
          <button type="button" className="primary" disabled={busy} onClick={() => !needAlbum() && setPicking(true)}>
            {busy ? 'Adding…' : 'Choose a folder…'}
          </button>
        </div>
      ) : (
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
      )}
      {kind === 'browser' ? <DropReport /> : null}
      {picking ? (
        <FolderPicker
          onClose={() => setPicking(false)}
          onChoose={(p) => {
            setPicking(false);
            void send([p]);
          }}
        />
      ) : null}
    </section>
  );
}
