/**
 * Picks a folder on the engine's machine. A page served by `ferry serve` cannot see the local
 * disk, so the engine lists folders for it (`listFolder`, behind the serve token); the chosen
 * folder is then added by its path, like a drop in the desktop app: no copy, no upload to the engine.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { FolderListing } from '../../../shared/engine-api.ts';
import { useFerry } from '../store/context.ts';

export function FolderPicker(props: { onChoose: (path: string) => void; onClose: () => void }) {
  const api = useFerry((s) => s.api);
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState('');
  const locationId = useId();
  const titleId = useId();

  // Only the latest request may land: the home listing answering after a typed "Go" must not win.
  const latest = useRef(0);
  // Typing since the last request: an answer then updates the list but leaves the typed text alone.
  const edited = useRef(false);
  const go = async (path?: string) => {
    const mine = ++latest.current;
    edited.current = false;
    try {
      const l = await api.listFolder(path);
      if (mine !== latest.current) return;
      setListing(l);
      if (!edited.current) setTyped(l.path);
      setError('');
    } catch (err) {
      if (mine !== latest.current) return;
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  useEffect(() => {
    void go();
    // Once, on open: the home folder.
  }, []);

  const sep = listing?.path.includes('\\') ? '\\' : '/';
  const child = (name: string) => (listing!.path.endsWith(sep) ? listing!.path + name : listing!.path + sep + name);

  return (
    <div className="modal-backdrop">
      <div className="modal folder-picker" role="dialog" aria-modal="true" aria-labelledby={titleId} data-path={listing?.path}>
        <h2 id={titleId}>Choose a folder on this computer</h2>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (typed.trim()) void go(typed.trim());
          }}
        >
          <label htmlFor={locationId} className="sr-only">
            Folder location
          </label>
          <input id={locationId} className="grow" value={typed} onChange={(e) => {
              edited.current = true;
              setTyped(e.target.value);
            }} spellCheck={false} />
          <button type="submit">Go</button>
        </form>
        {error ? (
          <p className="qerror" role="alert">
            {error}
          </p>
        ) : null}
        <ul className="folder-list" aria-label="Folders">
          {listing?.parent ? (
            <li>
              <button type="button" className="folder" onClick={() => void go(listing.parent!)}>
                ↑ Up
              </button>
            </li>
          ) : null}
          {listing?.folders.map((name) => (
            <li key={name}>
              <button type="button" className="folder" onClick={() => void go(child(name))}>
                {name}
              </button>
            </li>
          ))}
        </ul>
        <div className="row">
          <span className="muted grow" role="status">
            {listing ? `${listing.mediaFiles.toLocaleString()} photo${listing.mediaFiles === 1 ? '' : 's'} or video${listing.mediaFiles === 1 ? '' : 's'} here, and Ferry looks in sub-folders too.` : 'Loading…'}
          </span>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="button" className="primary" disabled={!listing} onClick={() => listing && props.onChoose(listing.path)}>
            Add this folder
          </button>
        </div>
      </div>
    </div>
  );
}
