/** Chooses the target album, or makes a new one in place. */
import { useId, useState } from 'react';
import { useFerry } from '../store/context.ts';

const newAlbum = '__new__';

export function AlbumPicker(props: { value: string; onChange: (albumId: string) => void; label?: string; allowNone?: string }) {
  const albums = useFerry((s) => s.albums);
  const createAlbum = useFerry((s) => s.createAlbum);
  const [creating, setCreating] = useState(false);
  const [title, setTitle] = useState('');
  const selectId = useId();
  const titleId = useId();

  const submitNew = async () => {
    const t = title.trim();
    if (!t) return;
    const album = await createAlbum(t);
    if (album) {
      props.onChange(album.albumId);
      setCreating(false);
      setTitle('');
    }
  };

  if (creating) {
    return (
      <div className="field inline">
        <label htmlFor={titleId}>New album title</label>
        <div className="row">
          <input
            id={titleId}
            value={title}
            autoFocus
            placeholder="e.g. Iceland 2026"
            onChange={(e) => setTitle(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                void submitNew();
              }
              if (e.key === 'Escape') setCreating(false);
            }}
          />
          <button type="button" className="primary" onClick={() => void submitNew()} disabled={!title.trim()}>
            Create
          </button>
          <button type="button" onClick={() => setCreating(false)}>
            Cancel
          </button>
        </div>
      </div>
    );
  }

  return (
    <div className="field inline">
      <label htmlFor={selectId}>{props.label ?? 'Target album'}</label>
      <select
        id={selectId}
        value={props.value}
        onChange={(e) => (e.target.value === newAlbum ? setCreating(true) : props.onChange(e.target.value))}
      >
        {props.allowNone !== undefined ? <option value="">{props.allowNone}</option> : <option value="" disabled>Choose an album…</option>}
        {albums.map((a) => (
          <option key={a.albumId} value={a.albumId}>
            {a.title} ({a.mediaCount})
          </option>
        ))}
        <option value={newAlbum}>+ New album…</option>
      </select>
    </div>
  );
}
