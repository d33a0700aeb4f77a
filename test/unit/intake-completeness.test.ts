/**
 * completeness.ts against real encoders' output (sharp) and hand-built containers: every prefix of a
 * file is "partial", the whole file is "whole", and the traps a tail check falls into (an EXIF
 * thumbnail's FFD9, a box that claims more than was written, zeros a writer preallocated) are not.
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { checkComplete, type ByteSource } from '../../main/intake/completeness.ts';
import { box, exifApp1, exifWithUserComment, jpegSegment, makeJpeg, makeMp4, makePng, noisy, withJpegSegments, webpWithExif } from '../helpers/intake-fixtures.ts';

/** An in-memory ByteSource that counts what it was asked to read. */
function source(bytes: Uint8Array): ByteSource & { bytesRead: number } {
  const s = {
    size: bytes.length,
    bytesRead: 0,
    async read(position: number, length: number) {
      const out = bytes.subarray(position, position + length);
      s.bytesRead += out.length;
      return out;
    },
  };
  return s;
}

const verdict = (b: Uint8Array) => checkComplete(source(b));

/** Cut points across the whole file, including every one of the last 40 bytes. */
function cuts(size: number): number[] {
  const out = new Set<number>();
  for (let i = 1; i < 60; i++) out.add(Math.floor((size * i) / 60));
  for (let i = Math.max(1, size - 40); i < size; i++) out.add(i);
  return [...out].filter((n) => n > 0 && n < size);
}

async function expectOnlyWholeWhenWhole(bytes: Buffer, format: string): Promise<void> {
  expect(await verdict(bytes)).toEqual({ state: 'whole', format });
  for (const n of cuts(bytes.length)) {
    const v = await verdict(bytes.subarray(0, n));
    expect(v.state, `${format} cut at ${n} of ${bytes.length}`).toBe('partial');
  }
}

describe('checkComplete', () => {
  it('PNG: whole only with its IEND chunk', async () => {
    await expectOnlyWholeWhenWhole(await makePng(120, 90), 'png');
  });

  it('PNG: zeros a writer preallocated are not chunks', async () => {
    const png = await makePng(40, 30);
    const half = Buffer.concat([png.subarray(0, png.length >> 1), Buffer.alloc(png.length - (png.length >> 1))]);
    expect((await verdict(half)).state).toBe('partial');
  });

  it('JPEG: baseline and progressive, whole only after the EOI that ends the scans', async () => {
    await expectOnlyWholeWhenWhole(await makeJpeg(160, 120), 'jpeg');
    await expectOnlyWholeWhenWhole(await makeJpeg(160, 120, true), 'jpeg');
  });

  it("JPEG: an EXIF thumbnail's own FFD9 does not make a half-written file whole", async () => {
    const thumb = await makeJpeg(16, 12);
    const app1 = exifApp1(Buffer.concat([exifWithUserComment('x'), thumb]));
    const jpeg = withJpegSegments(await makeJpeg(200, 150), [app1]);
    const endOfThumb = 2 + app1.length; // the file so far ends with the thumbnail's FF D9
    expect(jpeg.subarray(endOfThumb - 2, endOfThumb)).toEqual(Buffer.from([0xff, 0xd9]));
    expect((await verdict(jpeg.subarray(0, endOfThumb))).state).toBe('partial');
    expect(await verdict(jpeg)).toEqual({ state: 'whole', format: 'jpeg' });
    // Scan data never holds FF D9 (the encoder stuffs FF 00), so a prefix cut inside it is never
    // mistaken for the end; every cut point is checked by expectOnlyWholeWhenWhole too.
    await expectOnlyWholeWhenWhole(jpeg, 'jpeg');
  });

  it('JPEG: a second image appended after the EOI (MPF) must be whole too', async () => {
    const a = await makeJpeg(64, 48);
    const b = await makeJpeg(32, 24);
    const both = Buffer.concat([a, b]);
    expect(await verdict(both)).toEqual({ state: 'whole', format: 'jpeg' });
    expect((await verdict(both.subarray(0, a.length + (b.length >> 1)))).state).toBe('partial');
    // Trailing bytes that are not an image are not ours to judge.
    expect((await verdict(Buffer.concat([a, Buffer.from('trailer')]))).state).toBe('whole');
  });

  it('GIF: animated, whole only with its trailer', async () => {
    const frames = 3;
    const pages = await Promise.all(Array.from({ length: frames }, (_, i) => noisy(30, 20 + i * 0).raw().toBuffer()));
    const gif = await sharp(Buffer.concat(pages), { raw: { width: 30, height: 20 * frames, channels: 3, pageHeight: 20 } })
      .gif({ loop: 0, delay: [100, 100, 100] })
      .toBuffer();
    await expectOnlyWholeWhenWhole(gif, 'gif');
  });

  it('WebP: RIFF size and chunks add up (simple and extended with EXIF)', async () => {
    await expectOnlyWholeWhenWhole(await noisy(80, 60).webp({ quality: 80 }).toBuffer(), 'webp');
    await expectOnlyWholeWhenWhole(await webpWithExif(exifWithUserComment('Steps: 20')), 'webp');
  });

  it('AVIF: boxes add up to the size, with meta', async () => {
    await expectOnlyWholeWhenWhole(await noisy(64, 48).avif({ quality: 50, effort: 0 }).toBuffer(), 'avif');
  });

  it('MP4: boxes add up to the size and moov is there', async () => {
    const mp4 = makeMp4();
    await expectOnlyWholeWhenWhole(mp4, 'mp4');
    // ftyp + a finished mdat, moov not yet written (it goes last): boxes add up, still not whole.
    const noMoov = mp4.subarray(0, mp4.length - box('moov', box('mvhd', Buffer.alloc(100))).length);
    expect(await verdict(noMoov)).toEqual({ state: 'partial', format: 'mp4', reason: 'no moov box yet' });
    // The old helper's shape: an ftyp over random bytes never adds up.
    expect((await verdict(Buffer.concat([mp4.subarray(0, 32), Buffer.alloc(4000, 0x00)]))).state).toBe('partial');
  });

  it('MP4: a 64-bit mdat of 3 GB costs a few header reads, not the file', async () => {
    const ftyp = box('ftyp', Buffer.from('qt  \0\0\0\0qt  ', 'latin1'));
    const mdatSize = 3 * 1024 ** 3;
    const mdatHead = Buffer.alloc(16);
    mdatHead.writeUInt32BE(1, 0);
    mdatHead.write('mdat', 4, 'latin1');
    mdatHead.writeBigUInt64BE(BigInt(mdatSize), 8);
    const moov = box('moov', box('mvhd', Buffer.alloc(100)));
    const size = ftyp.length + mdatSize + moov.length;
    let bytesRead = 0;
    // A virtual file: headers where they are, zeros elsewhere.
    const src: ByteSource = {
      size,
      async read(position, length) {
        const out = Buffer.alloc(Math.min(length, size - position));
        const place = (b: Buffer, at: number) => {
          const from = Math.max(at, position);
          const to = Math.min(at + b.length, position + out.length);
          if (from < to) b.copy(out, from - position, from - at, to - at);
        };
        place(ftyp, 0);
        place(mdatHead, ftyp.length);
        place(moov, ftyp.length + mdatSize);
        bytesRead += out.length;
        return out;
      },
    };
    expect(await checkComplete(src)).toEqual({ state: 'whole', format: 'mov' });
    expect(bytesRead).toBeLessThan(256 * 1024);
    const cut: ByteSource = { size: size - 1000, read: src.read };
    expect((await checkComplete(cut)).state).toBe('partial');
  });

  it('unknown formats and empty files', async () => {
    expect(await verdict(Buffer.from('just some text, not an image'))).toEqual({ state: 'unknown' });
    expect((await verdict(Buffer.alloc(0))).state).toBe('partial');
  });

  it('JPEG segments are walked by length, so a marker-looking byte pair inside one is ignored', async () => {
    const com = jpegSegment(0xfe, Buffer.from([0xff, 0xd9, 0xff, 0xd9]));
    await expectOnlyWholeWhenWhole(withJpegSegments(await makeJpeg(50, 40), [com]), 'jpeg');
  });
});
