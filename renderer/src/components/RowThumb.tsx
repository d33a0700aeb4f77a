/**
 * A queue row's picture: the backend's rendition once processed, before that a small local preview
 * the engine makes from the file on disk, and the file type for anything without one (a video, a
 * damaged image). Only rows on screen exist (the list is virtualized), so only they ask for one.
 * In a browser the preview is an <img> on serve mode's preview URL (the browser caches it); the
 * desktop app asks over IPC for a data: URL and keeps the last few here.
 */
import { placeholderStyle } from '../placeholder.ts';
import { useEffect, useState } from 'react';
import { serveRoutes } from '../../../shared/drop.ts';
import type { QueueItem } from '../../../shared/engine-api.ts';
import { mimeTypeForFilename, mimeTypes } from '../../../shared/mime.ts';
import { useConnection, useFerry } from '../store/context.ts';
import { baseName } from '../format.ts';

const desktopCache = new Map<number, string | null>();
const desktopCacheSize = 300;

function remember(id: number, url: string | null): void {
  desktopCache.delete(id);
  desktopCache.set(id, url);
  if (desktopCache.size > desktopCacheSize) desktopCache.delete(desktopCache.keys().next().value!);
}

/** True when the engine can make a preview of this file (an image, by its name). */
export function previewable(path: string): boolean {
  const mime = mimeTypeForFilename(baseName(path));
  return mime !== undefined && mimeTypes[mime].kind === 'image';
}

export function RowThumb({ item }: { item: QueueItem }) {
  const { kind } = useConnection();
  const api = useFerry((s) => s.api);
  const name = baseName(item.path);
  const wantsLocal = !item.thumbnail && previewable(item.path) && item.state !== 'skipped';
  const [desktopUrl, setDesktopUrl] = useState<string | null | undefined>(() => desktopCache.get(item.id));
  const [broken, setBroken] = useState(false);

  useEffect(() => {
    if (!wantsLocal || kind === 'browser' || desktopCache.has(item.id)) return;
    let live = true;
    api.preview(item.id).then(
      (url) => {
        remember(item.id, url);
        if (live) setDesktopUrl(url);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [wantsLocal, kind, item.id, api]);

  const local = kind === 'browser' ? `${serveRoutes.preview}${item.id}?size=${item.size}` : desktopUrl;
  const src = item.thumbnail ?? (wantsLocal && !broken ? local : undefined);
  return (
    <div className="qthumb" aria-hidden="true">
      {/* Not lazy: the list is virtualized, so a row that exists is on screen; lazy loading only adds a delay. */}
      {src ? (
        <img src={src} alt="" decoding="async" data-preview={item.thumbnail ? 'rendition' : 'local'} onError={() => setBroken(true)} style={item.thumbnail ? placeholderStyle(item) : undefined} />
      ) : (
        <span>{name.split('.').pop()?.slice(0, 4).toUpperCase()}</span>
      )}
    </div>
  );
}
