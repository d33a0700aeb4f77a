import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { albumRenditions, avatarRenditions } from '../../shared/renditions.ts';
import { PixelLimitError, renderRenditions } from '../../backend-lambda/lib/renditions.ts';
import { makeGif, makeHugePngHeader, makeJpeg, makePng } from '../helpers/backend.ts';

const opts = { maxInputPixels: 100_000_000 };
const sizes = (r: Awaited<ReturnType<typeof renderRenditions>>) => Object.fromEntries(r.renditions.map((x) => [x.name, [x.width, x.height]]));

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

  it('fits the display rendition inside 4096 on the long edge', async () => {
    const r = await renderRenditions(await makeJpeg(5000, 1000), albumRenditions, opts);
    expect(sizes(r).display).toEqual([4096, 819]);
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
