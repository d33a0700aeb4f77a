/**
 * The rendition core (SPEC §4): one decode per original, every rendition and the placeholders from it.
 *
 * The decode goes straight to the largest size any rendition needs (the display's ≤ 2560 long edge
 * for a photo), in the same libvips pipeline: the full-resolution pixels are never held, so a 100 MP
 * source costs a stream through the resizer, not 400 MB of raw RGBA, and a JPEG big enough gets
 * shrink-on-load. Everything else is derived from that raw intermediate (sharp's `clone()` of a
 * pipeline over a compressed input would decode again per clone; a raw buffer makes it truly one).
 * The squares and the placeholders come from a second, smaller intermediate (short edge = the
 * largest square box), so they touch well under a megapixel.
 */
import sharp, { type OutputInfo } from 'sharp';
import type { RenditionSpec } from '../../shared/renditions.ts';
import { placeholdersOf, type Placeholders } from './placeholders.ts';

export interface RenderedRendition {
  name: string;
  data: Buffer;
  width: number;
  height: number;
}

export interface RenderResult extends Placeholders {
  /** the source's upright size (EXIF orientation applied) */
  width: number;
  height: number;
  renditions: RenderedRendition[];
}

export interface RenderOptions {
  /** width × height limit of the source */
  maxInputPixels: number;
}

/** Thrown when the source is larger than the pixel limit. */
export class PixelLimitError extends Error {
  readonly width: number;
  readonly height: number;
  constructor(width: number, height: number, limit: number) {
    super(`The image is ${width}×${height}, above the ${limit}-pixel limit`);
    this.name = 'PixelLimitError';
    this.width = width;
    this.height = height;
  }
}

type RawImage = { data: Buffer; info: OutputInfo };

// libvips' operation cache keeps recent results for reuse (50 MB by default). Every call here works on
// a new image, so it would only hold memory that the embedded backend's budget needs (issue 13).
sharp.cache(false);

function rawInput(img: RawImage) {
  return sharp(img.data, { raw: { width: img.info.width, height: img.info.height, channels: img.info.channels as 1 | 2 | 3 | 4 } });
}

/**
 * libwebp's effort (method) 0 encodes a multi-megapixel display rendition about 3× faster than the
 * default 4 (single-threaded either way), at about the same size (docs/benchmarks/thumbnails.md).
 * The small renditions use 2: at 4 the five squares cost a quarter of an image's CPU once the
 * display shrank to 2560 (docs/benchmarks/ready.md), for files a few percent smaller.
 */
function effortFor(spec: RenditionSpec): number {
  return spec.width * spec.height > 1_000_000 ? 0 : 2;
}

/** `attention`: SPEC §4, a cover crop keeps the subject (saturation, skin tones, edges), not the centre. */
async function encode(img: RawImage, spec: RenditionSpec, attention = spec.fit === 'cover'): Promise<RenderedRendition> {
  const { data, info } = await rawInput(img)
    .resize({
      width: spec.width,
      height: spec.height,
      fit: spec.fit,
      ...(attention ? { position: sharp.strategy.attention } : {}),
      withoutEnlargement: true,
    })
    .webp({ quality: spec.quality, effort: effortFor(spec) })
    .toBuffer({ resolveWithObject: true });
  return { name: spec.name, data, width: info.width, height: info.height };
}

/**
 * The intermediate's pixel cap: what a square needs of an extreme panorama (100000 × 1000: short
 * edge 600 means 60 MP) would otherwise be held raw. Past it the squares of such an image come out
 * smaller than their box rather than the memory growing with the aspect ratio.
 */
const MAX_INTERMEDIATE_PIXELS = 4096 * 4096;

/** The scale (≤ 1) of the source a rendition needs: fill the box (cover) or fit in it (inside). */
function scaleFor(spec: RenditionSpec, width: number, height: number): number {
  const sx = spec.width / width;
  const sy = spec.height / height;
  return Math.min(1, spec.fit === 'cover' ? Math.max(sx, sy) : Math.min(sx, sy));
}

/** Reads the header only: size, orientation-corrected, checked against the pixel limit before any decode. */
export async function probe(input: Buffer, opts: RenderOptions): Promise<{ width: number; height: number; format: string | undefined }> {
  const meta = await sharp(input, { limitInputPixels: false, pages: 1 }).metadata();
  const w = meta.width ?? 0;
  const h = meta.pageHeight ?? meta.height ?? 0;
  if (w * h > opts.maxInputPixels) throw new PixelLimitError(w, h, opts.maxInputPixels);
  const swap = (meta.orientation ?? 1) >= 5;
  return { width: swap ? h : w, height: swap ? w : h, format: meta.format };
}

/**
 * Decodes `input` once (first frame, EXIF-rotated, sRGB) and makes each rendition as WebP without
 * metadata, plus the placeholders (ThumbHash, dominant colour).
 */
export async function renderRenditions(input: Buffer, specs: readonly RenditionSpec[], opts: RenderOptions): Promise<RenderResult> {
  const { width, height } = await probe(input, opts);
  const wanted = Math.max(...specs.map((s) => scaleFor(s, width, height)), 0);
  const scale = Math.min(wanted, Math.sqrt(MAX_INTERMEDIATE_PIXELS / (width * height)));
  let decode = sharp(input, { limitInputPixels: opts.maxInputPixels, pages: 1, failOn: 'error', sequentialRead: true }).rotate();
  if (scale < 1) decode = decode.resize({ width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)), fit: 'fill' });
  const mid: RawImage = await decode.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });

  const small = specs.filter((s) => s.fit === 'cover' || Math.max(s.width, s.height) < 1024);
  // The big renditions start first: their WebP encode is single-threaded in libwebp and is most of
  // an image's cost, so the small ones are made on another core meanwhile.
  const big = new Map(specs.filter((s) => !small.includes(s)).map((s) => [s, encode(mid, s)] as const));
  // Awaited below; until then a rejection must not surface as unhandled (it would kill the process).
  for (const p of big.values()) p.catch(() => undefined);
  let reduced = mid;
  // The smallest image that still fills every small box: its short edge is the largest box edge.
  const box = Math.max(...small.map((s) => Math.max(s.width, s.height)), 100);
  const shrink = box / Math.min(mid.info.width, mid.info.height);
  if (shrink < 0.5) {
    reduced = await rawInput(mid)
      .resize({ width: Math.max(1, Math.round(mid.info.width * shrink)), height: Math.max(1, Math.round(mid.info.height * shrink)), fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
  }
  const squares = await squaresFrom(reduced, small);
  const [renditions, placeholders] = await Promise.all([
    Promise.all(specs.map((s) => big.get(s) ?? (squares && isSquare(s) ? encode(squares, s, false) : encode(reduced, s)))),
    placeholdersOf(reduced),
  ]);
  return { width, height, renditions, ...placeholders };
}

const isSquare = (s: RenditionSpec) => s.fit === 'cover' && s.width === s.height;

/**
 * One attention crop for all the squares: the largest square, cut once around the subject, then
 * each smaller square is a plain resize of it. Finding the subject costs about as much as encoding a
 * small square, so doing it once instead of five times saves a tenth of an image's CPU, and every
 * square shows the same region. Undefined when the image is smaller than the largest square (each
 * square then keeps sharp's own no-enlargement crop) or there are no squares.
 */
async function squaresFrom(reduced: RawImage, specs: readonly RenditionSpec[]): Promise<RawImage | undefined> {
  const side = Math.max(0, ...specs.filter(isSquare).map((s) => s.width));
  if (side === 0 || Math.min(reduced.info.width, reduced.info.height) < side) return undefined;
  return rawInput(reduced).resize({ width: side, height: side, fit: 'cover', position: sharp.strategy.attention }).raw().toBuffer({ resolveWithObject: true });
}
