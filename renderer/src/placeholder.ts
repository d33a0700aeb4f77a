/**
 * The ThumbHash placeholder (SPEC §2) as an inline style: the blurred image, over the record's
 * dominant colour, painted behind an `<img>` until the real rendition has loaded over it. Decoding a
 * hash costs ~0.1 ms but a grid re-renders often, so decoded URLs are kept (bounded).
 */
import type { CSSProperties } from 'react';
import { thumbHashToDataURL } from 'thumbhash';

const decoded = new Map<string, string>();
const KEEP = 1000;

function dataUrlOf(hash: string): string | undefined {
  const hit = decoded.get(hash);
  if (hit) return hit;
  try {
    const bytes = Uint8Array.from(atob(hash), (c) => c.charCodeAt(0));
    const url = thumbHashToDataURL(bytes);
    if (decoded.size >= KEEP) decoded.delete(decoded.keys().next().value!);
    decoded.set(hash, url);
    return url;
  } catch {
    // A malformed hash must not break the grid: the colour alone (or nothing) is painted instead.
    return undefined;
  }
}

/** Background style for an image's placeholder; empty when the record has neither field (processed before them). */
export function placeholderStyle(p: { thumbhash?: string | undefined; dominantColor?: string | undefined }): CSSProperties {
  const url = p.thumbhash ? dataUrlOf(p.thumbhash) : undefined;
  return {
    ...(p.dominantColor ? { backgroundColor: p.dominantColor } : {}),
    ...(url ? { backgroundImage: `url(${url})`, backgroundSize: 'cover', backgroundPosition: 'center' } : {}),
  };
}
