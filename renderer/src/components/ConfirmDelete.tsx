/** Asks before photos are deleted from the backend: the originals and thumbnails go for good. */
import { useId, useState } from 'react';

export function ConfirmDelete(props: { names: string[]; onConfirm: () => Promise<void>; onCancel: () => void }) {
  const [busy, setBusy] = useState(false);
  const titleId = useId();
  const n = props.names.length;
  const what = n === 1 ? `"${props.names[0]}"` : `${n} photos`;
  return (
    <div className="modal-backdrop">
      <div className="modal" role="alertdialog" aria-modal="true" aria-labelledby={titleId}>
        <h2 id={titleId}>Delete {what}?</h2>
        <p>The original{n === 1 ? '' : 's'} and {n === 1 ? 'its' : 'their'} thumbnails are removed from the backend. This cannot be undone; the files on your disk stay.</p>
        {n > 1 ? (
          <ul className="confirm-names">
            {props.names.slice(0, 8).map((name, i) => (
              <li key={`${name}-${i}`}>{name}</li>
            ))}
            {n > 8 ? <li className="muted">and {n - 8} more</li> : null}
          </ul>
        ) : null}
        <div className="row end">
          <button type="button" onClick={props.onCancel} disabled={busy} autoFocus>
            Keep {n === 1 ? 'it' : 'them'}
          </button>
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              void props.onConfirm().finally(() => setBusy(false));
            }}
          >
            {busy ? 'Deleting…' : `Delete ${what}`}
          </button>
        </div>
      </div>
    </div>
  );
}
