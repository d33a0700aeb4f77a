/**
 * The rendition core: one decode into raw pixels, then every rendition from that buffer.
 *
 * sharp's `clone()` of a pipeline over a compressed input decodes the file again for each clone;
 * decoding once into raw pixels and cloning a pipeline over the raw buffer makes it truly one decode.
 * The cover renditions come from a reduced intermediate (just big enough for the largest box), so
 * five of the six resizes touch well under a megapixel; the display rendition needs the full image
 * (JPEG shrink-on-load can't help at ≤ 4096 on a 4000-pixel source).
 */
import sharp, { type OutputInfo } from 'sharp';
import type { RenditionSpec } from '../../shared/renditions.ts';

export interface RenderedRendition {
  name: string;
  data: Buffer;
  width: number;
  height: number;
}

export interface RenderResult {
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

function rawInput(img: RawImage) {
  return sharp(img.data, { raw: { width: img.info.width, height: img.info.height, channels: img.info.channels as 1 | 2 | 3 | 4 } });
}

/**
 * libwebp's effort (method) 0 encodes a 12-megapixel display rendition about 3× faster than the
 * default 4 (single-threaded either way); the benchmark's 4000×3000 file came out 5% smaller, not
 * larger (docs/benchmarks/thumbnails.md). The small renditions keep the default, where effort is cheap.
 */
function effortFor(spec: RenditionSpec): number {
  return spec.width * spec.height > 1_000_000 ? 0 : 4;
}

async function encode(img: RawImage, spec: RenditionSpec): Promise<RenderedRendition> {
  const { data, info } = await rawInput(img)
    .resize({ width: spec.width, height: spec.height, fit: spec.fit, withoutEnlargement: true })
    .webp({ quality: spec.quality, effort: effortFor(spec) })
    .toBuffer({ resolveWithObject: true });
  return { name: spec.name, data, width: info.width, height: info.height };
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

/** Decodes `input` once (first frame, EXIF-rotated, sRGB) and makes each rendition as WebP without metadata. */
export async function renderRenditions(input: Buffer, specs: readonly RenditionSpec[], opts: RenderOptions): Promise<RenderResult> {
  await probe(input, opts);
  const full: RawImage = await sharp(input, { limitInputPixels: opts.maxInputPixels, pages: 1, failOn: 'error' })
    .rotate()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = full.info;

  const small = specs.filter((s) => s.fit === 'cover' || Math.max(s.width, s.height) < 1024);
  // The big renditions start first: their WebP encode is single-threaded in libwebp and is most of
  // the wall time, so the small ones are made on the other core meanwhile.
  const big = new Map(specs.filter((s) => !small.includes(s)).map((s) => [s, encode(full, s)] as const));
  // Awaited below; until then a rejection must not surface as unhandled (it would kill the process).
  for (const p of big.values()) p.catch(() => undefined);
  let reduced = full;
  if (small.length) {
    // The smallest image that still fills every small box: its short edge is the largest box edge.
    const box = Math.max(...small.map((s) => Math.max(s.width, s.height)));
    const scale = box / Math.min(width, height);
    if (scale < 0.5) {
      reduced = await rawInput(full)
        .resize({ width: Math.round(width * scale), height: Math.round(height * scale), fit: 'fill' })
        .raw()
        .toBuffer({ resolveWithObject: true });
    }
  }
  const renditions = await Promise.all(specs.map((s) => big.get(s) ?? encode(reduced, s)));
  return { width, height, renditions };
}
