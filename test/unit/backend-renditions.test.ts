import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { albumRenditions, avatarRenditions } from '../../shared/renditions.ts';
import { PixelLimitError, renderRenditions } from '../../backend-lambda/lib/renditions.ts';
import { thumbHashToApproximateAspectRatio, thumbHashToRGBA } from 'thumbhash';
import { makeGif, makeHugePngHeader, makeJpeg, makePng } from '../helpers/backend.ts';

const opts = { maxInputPixels: 100_000_000 };
const sizes = (r: Awaited<ReturnType<typeof renderRenditions>>) => Object.fromEntries(r.renditions.map((x) => [x.name, [x.width, x.height]]));

/** A grey-green field, low on detail, with a saturated red disc (r 240) near its bottom-right corner. */
async function subjectInCorner(width: number, height: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#6f7a70"/>
    <circle cx="2720" cy="1720" r="240" fill="#e8102a"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

/** Share of a rendition's pixels that are the subject's red (strong R, weak G and B). */
async function redShare(webp: Buffer): Promise<number> {
  const { data, info } = await sharp(webp).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (let i = 0; i < data.length; i += 3) if (data[i]! > 180 && data[i + 1]! < 90 && data[i + 2]! < 110) n++;
  return n / (info.width * info.height);
}

describe('renderRenditions', () => {
  it('applies EXIF orientation before sizing, and the outputs carry no metadata', async () => {
    const r = await renderRenditions(await makeJpeg(2000, 1000, { orientation: 6 }), albumRenditions, opts);
    expect([r.width, r.height]).toEqual([1000, 2000]);
    expect(sizes(r)).toEqual({ cover: [128, 128], small: [240, 240], medium: [300, 300], large: [365, 365], xlarge: [600, 600], display: [1000, 2000] });
    for (const x of r.renditions) {
      const meta = await sharp(x.data).metadata();
      expect([x.name, meta.format, meta.exif, meta.orientation]).toEqual([x.name, 'webp', undefined, undefined]);
    }
  });

  it('fits the display rendition inside 2560 on the long edge', async () => {
    const r = await renderRenditions(await makeJpeg(5000, 1000), albumRenditions, opts);
    expect([r.width, r.height]).toEqual([5000, 1000]);
    expect(sizes(r).display).toEqual([2560, 512]);
    // The squares still fill their boxes: the intermediate keeps a 600 px short edge for them.
    expect(sizes(r).xlarge).toEqual([600, 600]);
  });

  it('crops the squares around an off-centre subject, not the centre', async () => {
    // A flat, dull field with a saturated, detailed subject in its bottom-right corner: a centre
    // crop of this 3:2 frame (x 500..2500) misses the subject (x 2480..2960) entirely. Held whole, the
    // disc is π·240² / 2000² = 4.5 % of each square (edges blur a little at 128 px).
    const r = await renderRenditions(await subjectInCorner(3000, 2000), albumRenditions, opts);
    for (const name of ['cover', 'small', 'medium', 'large', 'xlarge']) {
      const x = r.renditions.find((y) => y.name === name)!;
      expect([x.width, x.height], name).toEqual([x.width, x.width]);
      expect(await redShare(x.data), `${name} holds the subject`).toBeGreaterThan(0.035);
    }
  });

  it('gives every image a ThumbHash that decodes to its aspect, and a #rrggbb dominant colour', async () => {
    for (const [w, h] of [
      [1600, 900],
      [600, 1800],
      [50, 40],
    ] as const) {
      const r = await renderRenditions(await makeJpeg(w, h), albumRenditions, opts);
      const decoded = thumbHashToRGBA(Buffer.from(r.thumbhash, 'base64'));
      // ThumbHash keeps the aspect to about 1/8 of the long side (it stores a quantised ratio).
      expect(decoded.w / decoded.h, `${w}×${h}`).toBeCloseTo(w / h, 0);
      expect(Math.abs(thumbHashToApproximateAspectRatio(Buffer.from(r.thumbhash, 'base64')) - w / h) / (w / h)).toBeLessThan(0.15);
      expect(r.dominantColor).toMatch(/^#[0-9a-f]{6}$/);
    }
    const red = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#d01010' } }).png().toBuffer();
    const dominant = (await renderRenditions(red, albumRenditions, opts)).dominantColor;
    // sharp's 4096-bin histogram answers the bin's corner colour: within 16 of each channel.
    expect(parseInt(dominant.slice(1, 3), 16)).toBeGreaterThan(0xc0);
    expect(parseInt(dominant.slice(3, 5), 16)).toBeLessThan(0x20);
  });

  it('decodes a 16-bit PNG to 8-bit renditions', async () => {
    const png16 = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#336699' } }).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const r = await renderRenditions(png16, albumRenditions, opts);
    expect(sizes(r).display).toEqual([900, 600]);
    expect(r.dominantColor).toMatch(/^#3[0-9a-f]6[0-9a-f]9[0-9a-f]$/);
  });

  it('never enlarges a small source', async () => {
    const r = await renderRenditions(await makePng(100, 80), albumRenditions, opts);
    for (const x of r.renditions) {
      expect(x.width).toBeLessThanOrEqual(100);
      expect(x.height).toBeLessThanOrEqual(80);
    }
    expect(sizes(r).display).toEqual([100, 80]);
  });

  it('keeps alpha and takes the first frame of an animation', async () => {
    const png = await renderRenditions(await makePng(400, 400), albumRenditions, opts);
    expect((await sharp(png.renditions[0]!.data).metadata()).hasAlpha).toBe(true);
    const gif = await renderRenditions(await makeGif(300, 200, 4), albumRenditions, opts);
    expect([gif.width, gif.height]).toEqual([300, 200]);
    expect((await sharp(gif.renditions.at(-1)!.data).metadata()).pages ?? 1).toBe(1);
  });

  it('makes avatar renditions inside their boxes', async () => {
    const r = await renderRenditions(await makeJpeg(640, 480), avatarRenditions, opts);
    expect(sizes(r)).toEqual({ small: [32, 24], medium: [96, 72], large: [128, 96], display: [640, 480] });
  });

  it('refuses a source above the pixel limit from its header alone', async () => {
    await expect(renderRenditions(await makeHugePngHeader(60_000, 60_000), albumRenditions, opts)).rejects.toBeInstanceOf(PixelLimitError);
  });
});
