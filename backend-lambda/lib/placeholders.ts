/**
 * Placeholders a gallery paints before any rendition loads (SPEC §2): a ThumbHash and a dominant
 * colour. Both come from a raw intermediate the rendition core already holds in memory, so they
 * cost no decode of the original: one ≤ 32 px resize and a histogram.
 */
import sharp from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';

/** Raw pixels as sharp hands them out with `resolveWithObject`. */
export interface RawPixels {
  data: Buffer;
  info: { width: number; height: number; channels: number };
}

export interface Placeholders {
  /** base64 ThumbHash (about 25 bytes: fits in any record and any list page) */
  thumbhash: string;
  /** `#rrggbb` */
  dominantColor: string;
}

/**
 * ThumbHash's encoder takes at most 100 × 100 pixels, but it keeps at most 7 × 7 colour frequencies, so
 * 32 px carry all it can store. Its encoder is plain JS on the event loop: at 100 px it cost ~50 ms an
 * image there (the embedded backend's profile, docs/benchmarks/ready.md), at 32 px a tenth of that.
 */
const THUMBHASH_MAX = 32;

const hex2 = (n: number) => Math.max(0, Math.min(255, Math.round(n))).toString(16).padStart(2, '0');

/** The ThumbHash and dominant colour of an sRGB raw image (1 to 4 channels). */
export async function placeholdersOf(img: RawPixels): Promise<Placeholders> {
  const { width, height, channels } = img.info;
  const tiny = await sharp(img.data, { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } })
    .resize({ width: THUMBHASH_MAX, height: THUMBHASH_MAX, fit: 'inside', withoutEnlargement: true })
    // Greyscale and opaque inputs are widened to the RGBA ThumbHash reads.
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const hash = rgbaToThumbHash(tiny.info.width, tiny.info.height, tiny.data);
  // sharp's dominant colour: the fullest bin of a 4096-bin RGB histogram (alpha ignored). On the
  // 32 px image it is the full one's, give or take a bin, at a tiny fraction of the cost.
  const { dominant } = await sharp(tiny.data, { raw: { width: tiny.info.width, height: tiny.info.height, channels: 4 } }).stats();
  return {
    thumbhash: Buffer.from(hash).toString('base64'),
    dominantColor: `#${hex2(dominant.r)}${hex2(dominant.g)}${hex2(dominant.b)}`,
  };
}
