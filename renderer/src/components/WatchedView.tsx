/** Watched folders: add one (album or ComfyUI preset), turn it on or off, see its last activity. */
import { useId, useState } from 'react';
import { useFerry } from '../store/context.ts';
import { formatAgo } from '../format.ts';
import { AlbumPicker } from './AlbumPicker.tsx';

export function WatchedView() {
  const watches = useFerry((s) => s.watches);
  const albums = useFerry((s) => s.albums);
  const addWatch = useFerry((s) => s.addWatch);
  const setWatchEnabled = useFerry((s) => s.setWatchEnabled);
  const removeWatch = useFerry((s) => s.removeWatch);
  const notify = useFerry((s) => s.notify);
  const [dir, setDir] = useState('');
  const [preset, setPreset] = useState<'album' | 'comfyui'>('album');
  const [albumId, setAlbumId] = useState('');
  const dirId = useId();
  const presetName = useId();
  const titleOf = (id?: string) => albums.find((a) => a.albumId === id)?.title ?? id;

  return (
    <div className="view">
      <header className="view-head">
        <h1>Watched folders</h1>
        <p className="muted">Ferry uploads whatever appears in these folders, as soon as each file is fully written.</p>
      </header>
      <form
        className="card add-watch"
        onSubmit={(e) => {
          e.preventDefault();
          if (!dir.trim()) return notify('error', 'Type the full path of the folder to watch.');
          if (preset === 'album' && !albumId) return notify('error', 'Choose the album new files go to, or pick the ComfyUI preset.');
          void addWatch({ dir: dir.trim(), comfyui: preset === 'comfyui', ...(albumId ? { albumId } : {}) }).then((ok) => ok && setDir(''));
        }}
      >
        <div className="field grow">
          <label htmlFor={dirId}>Folder</label>
          <input id={dirId} value={dir} onChange={(e) => setDir(e.target.value)} placeholder="/home/you/ComfyUI/output" spellCheck={false} />
        </div>
        <fieldset className="field preset">
          <legend>Files go</legend>
          <label>
            <input type="radio" name={presetName} checked={preset === 'album'} onChange={() => setPreset('album')} /> to an album
          </label>
          <label>
            <input type="radio" name={presetName} checked={preset === 'comfyui'} onChange={() => setPreset('comfyui')} /> as ComfyUI generations
          </label>
        </fieldset>
        <AlbumPicker value={albumId} onChange={setAlbumId} label={preset === 'comfyui' ? 'Also file in album' : 'Album'} {...(preset === 'comfyui' ? { allowNone: 'No album' } : {})} />
        <button type="submit" className="primary">
          Watch folder
        </button>
      </form>
      {watches.length === 0 ? (
        <div className="empty">
          <h2>No watched folders</h2>
          <p>Add your ComfyUI <code>output</code> folder, or any folder that keeps filling up, and Ferry keeps it uploaded.</p>
        </div>
      ) : (
        <ul className="watch-list">
          {watches.map((w) => (
            <li key={w.id} className={`card watch${w.enabled ? '' : ' disabled'}`} data-watch-id={w.id}>
              <div className="watch-main">
                <div className="watch-dir" title={w.dir}>
                  {w.dir}
                </div>
                <div className="muted">
                  {w.comfyui ? 'ComfyUI generations' : 'Album'}
                  {w.albumId ? ` → ${titleOf(w.albumId)}` : ''} · last activity {formatAgo(w.lastActivityAt)}
                  {w.lastActivity ? `: ${w.lastActivity}` : ''}
                </div>
                {w.missing ? (
                  <div className="qerror" role="alert">
                    The folder is missing. Ferry picks it up again when it comes back (a drive plugged in, say).
                  </div>
                ) : null}
                {w.enabled && w.watcher?.state === 'elsewhere' ? <div className="muted">Watched by {w.watcher.holder}.</div> : null}
                {w.enabled && (w.watcher?.state === 'stopped' || w.watcher?.state === 'none') ? (
                  <div className="qerror" role="alert">
                    {w.watcher.state === 'stopped' ? `Nothing watches this folder: ${w.watcher.holder} stopped (${w.watcher.why}). ` : 'Nothing watches this folder right now. '}
                    New files are not uploaded until it is watched again.{' '}
                    <button type="button" className="ghost" onClick={() => void setWatchEnabled(w.id, true)}>
                      Watch it here
                    </button>
                  </div>
                ) : null}
              </div>
              <label className="switch">
                <input type="checkbox" checked={w.enabled} onChange={(e) => void setWatchEnabled(w.id, e.target.checked)} />
                {/* On only while a live process watches it (its lease is fresh), not merely because it is enabled. */}
                <span>{!w.enabled ? 'Off' : !w.watcher || w.watcher.state === 'here' || w.watcher.state === 'elsewhere' ? 'On' : 'Not watched'}</span>
              </label>
              <button type="button" className="ghost" onClick={() => void removeWatch(w.id)} aria-label={`Stop watching ${w.dir}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
