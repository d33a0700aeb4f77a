/**
 * Is a file whole? "Stopped growing" alone uploads half-written files whenever a writer pauses (a
 * slow disk, a network share, an app that writes in chunks), so each format the watcher meets is
 * walked by its own structure: PNG to IEND, JPEG through its segments and scans to the EOI, GIF's
 * blocks to the trailer, RIFF chunk sizes and ISO-BMFF (MP4/MOV/AVIF/HEIC) box sizes to the file's
 * size. Only headers are read, except for JPEG scans and GIF sub-blocks, which carry no lengths;
 * a 2 GB video costs a few reads of its box headers.
 */

/** Random access to a file's bytes; `read` may return fewer bytes at the end of the file. */
export interface ByteSource {
  readonly size: number;
  read(position: number, length: number): Promise<Uint8Array>;
}

/** What the format says: whole, not (yet) whole and why, or a format this module does not know. */
export type Verdict =
  | { state: 'whole'; format: string }
  | { state: 'partial'; format: string; reason: string }
  | { state: 'unknown' };

const BLOCK = 64 * 1024;

/** A one-block read cache: the walks go forward, so sequential small reads become a few big ones. */
class Cursor {
  private start = 0;
  private data: Uint8Array = new Uint8Array(0);
  private readonly src: ByteSource;
  constructor(src: ByteSource) {
    this.src = src;
  }

  get size(): number {
    return this.src.size;
  }

  /** `n` bytes at `pos`, or fewer when the file ends first. */
  async bytes(pos: number, n: number): Promise<Uint8Array> {
    if (pos >= this.start && pos + n <= this.start + this.data.length) {
      return this.data.subarray(pos - this.start, pos - this.start + n);
    }
    const want = Math.max(n, BLOCK);
    this.data = await this.src.read(pos, Math.min(want, Math.max(0, this.src.size - pos)));
    this.start = pos;
    return this.data.subarray(0, Math.min(n, this.data.length));
  }

  /** Only the bytes asked for: for header walks that jump far (box and chunk sizes). */
  async exact(pos: number, n: number): Promise<Uint8Array> {
    if (pos >= this.start && pos + n <= this.start + this.data.length) return this.bytes(pos, n);
    return this.src.read(pos, Math.min(n, Math.max(0, this.src.size - pos)));
  }

  async byte(pos: number): Promise<number | undefined> {
    return (await this.bytes(pos, 1))[0];
  }
}

const partial = (format: string, reason: string): Verdict => ({ state: 'partial', format, reason });
const whole = (format: string): Verdict => ({ state: 'whole', format });

const u16be = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u32be = (b: Uint8Array, o: number) => ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
const u32le = (b: Uint8Array, o: number) => b[o]! + (b[o + 1]! << 8) + (b[o + 2]! << 16) + ((b[o + 3]! << 24) >>> 0);
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));
const startsWith = (b: Uint8Array, sig: number[]) => sig.every((v, i) => b[i] === v);

/** Decides from the file's structure whether it is whole. Never throws on malformed input. */
export async function checkComplete(src: ByteSource): Promise<Verdict> {
  const c = new Cursor(src);
  const head = await c.bytes(0, 16);
  if (head.length === 0) return partial('empty', 'the file is empty');
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return png(c);
  if (startsWith(head, [0xff, 0xd8, 0xff])) return jpeg(c);
  if (ascii(head, 0, 4) === 'GIF8') return gif(c);
  if (ascii(head, 0, 4) === 'RIFF') return riff(c, head);
  if (head.length >= 8 && ['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip'].includes(ascii(head, 4, 4))) return isoBmff(c);
  if (ascii(head, 0, 2) === 'BM' && head.length >= 6) return bmp(c, head);
  return { state: 'unknown' };
}

/** PNG: chunk by chunk (length, type, data, CRC) until IEND. */
async function png(c: Cursor): Promise<Verdict> {
  for (let pos = 8; ; ) {
    if (pos + 12 > c.size) return partial('png', pos === c.size ? 'no IEND chunk yet' : 'a chunk is cut off');
    const h = await c.exact(pos, 8);
    const length = u32be(h, 0);
    const type = ascii(h, 4, 4);
    // A chunk type is four ASCII letters; zeros here are a preallocated, not yet written region.
    if (!/^[A-Za-z]{4}$/.test(type)) return partial('png', `no chunk at byte ${pos}`);
    const end = pos + 12 + length;
    if (end > c.size) return partial('png', `${type} chunk needs ${end} bytes, the file has ${c.size}`);
    if (type === 'IEND') return whole('png');
    pos = end;
  }
}

/**
 * JPEG: marker segments are skipped by their lengths (so an EXIF thumbnail's own FFD9, inside APP1,
 * never counts), scans are read to the marker that ends them, and the file is whole at the EOI that
 * follows. Images appended after the EOI (MPF: a camera's second picture) must be whole too.
 */
async function jpeg(c: Cursor): Promise<Verdict> {
  let pos = 2;
  for (;;) {
    if (pos + 2 > c.size) return partial('jpeg', 'no end-of-image marker yet');
    const m = await c.bytes(pos, 2);
    if (m[0] !== 0xff) return partial('jpeg', `no marker at byte ${pos}`);
    const marker = m[1]!;
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) {
      const end = pos + 2;
      if (end >= c.size) return whole('jpeg');
      const next = await c.bytes(end, 3);
      if (startsWith(next, [0xff, 0xd8, 0xff])) {
        pos = end + 2;
        continue;
      }
      return whole('jpeg'); // trailing bytes that are not another image: not ours to judge
    }
    if ((marker >= 0xd0 && marker <= 0xd8) || marker === 0x01) {
      pos += 2;
      continue;
    }
    if (pos + 4 > c.size) return partial('jpeg', 'a segment header is cut off');
    const length = u16be(await c.bytes(pos + 2, 2), 0);
    if (length < 2) return partial('jpeg', `bad segment length at byte ${pos}`);
    const end = pos + 2 + length;
    if (end > c.size) return partial('jpeg', `segment FF${marker.toString(16).toUpperCase()} needs ${end} bytes, the file has ${c.size}`);
    pos = marker === 0xda ? await endOfScan(c, end) : end;
    if (pos < 0) return partial('jpeg', 'scan data is cut off');
  }
}

/** Where entropy-coded data starting at `pos` ends: the first FF not followed by 00, a restart marker or fill. -1 at EOF. */
async function endOfScan(c: Cursor, pos: number): Promise<number> {
  while (pos < c.size) {
    const block = await c.bytes(pos, BLOCK);
    let i = block.indexOf(0xff);
    while (i >= 0) {
      const next = i + 1 < block.length ? block[i + 1] : await c.byte(pos + i + 1);
      if (next === undefined) return -1;
      if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) return pos + i;
      i = block.indexOf(0xff, i + 1);
    }
    pos += block.length;
  }
  return -1;
}

/** GIF: header, colour table, then extension and image blocks (each a chain of sub-blocks) to the 0x3B trailer. */
async function gif(c: Cursor): Promise<Verdict> {
  const lsd = await c.bytes(0, 13);
  if (lsd.length < 13) return partial('gif', 'the header is cut off');
  let pos = 13 + tableSize(lsd[10]!);
  const subBlocks = async (): Promise<boolean> => {
    for (;;) {
      const n = await c.byte(pos);
      if (n === undefined) return false;
      pos += 1 + n;
      if (n === 0) return true;
    }
  };
  for (;;) {
    const b = await c.byte(pos);
    if (b === undefined) return partial('gif', 'no trailer yet');
    if (b === 0x3b) return whole('gif');
    if (b === 0x21) {
      pos += 2;
      if (!(await subBlocks())) return partial('gif', 'an extension block is cut off');
    } else if (b === 0x2c) {
      const d = await c.bytes(pos, 10);
      if (d.length < 10) return partial('gif', 'an image descriptor is cut off');
      pos += 10 + tableSize(d[9]!) + 1; // + LZW minimum code size
      if (!(await subBlocks())) return partial('gif', 'image data is cut off');
    } else {
      return partial('gif', `no block at byte ${pos}`);
    }
  }
}

const tableSize = (packed: number) => (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);

/** RIFF (WebP, AVI, WAV): the header's size covers the file, and its chunks add up to it. */
async function riff(c: Cursor, head: Uint8Array): Promise<Verdict> {
  if (head.length < 12) return partial('riff', 'the header is cut off');
  const form = ascii(head, 8, 4).trim().toLowerCase() || 'riff';
  const end = 8 + u32le(head, 4);
  if (c.size < end) return partial(form, `RIFF says ${end} bytes, the file has ${c.size}`);
  const seen = new Set<string>();
  for (let pos = 12; pos < end; ) {
    if (pos + 8 > end) return partial(form, 'a chunk header is cut off');
    const h = await c.exact(pos, 8);
    const id = ascii(h, 0, 4);
    seen.add(id);
    const next = pos + 8 + u32le(h, 4) + (u32le(h, 4) & 1);
    // The last chunk's pad byte may be missing in files from some writers; the header's size rules.
    if (next > end + 1) return partial(form, `chunk ${id} runs past the RIFF size`);
    pos = next;
  }
  if (form === 'webp' && !['VP8 ', 'VP8L', 'ANMF'].some((id) => seen.has(id))) return partial(form, 'no image chunk');
  return whole(form);
}

const heifBrands = new Set(['avif', 'avis', 'heic', 'heix', 'heim', 'heis', 'mif1', 'msf1']);

/** ISO-BMFF (MP4, MOV, AVIF, HEIC): top-level boxes must add up to the file's size, with `moov` (or `meta` for still images). */
async function isoBmff(c: Cursor): Promise<Verdict> {
  const types = new Set<string>();
  let image = false;
  let format = 'mp4';
  for (let pos = 0; pos < c.size; ) {
    if (pos + 8 > c.size) return partial(format, 'a box header is cut off');
    const h = await c.exact(pos, 16);
    const type = ascii(h, 4, 4);
    // Box types are printable (QuickTime also uses ©); anything else is bytes not written yet.
    if (![...type].every((ch) => (ch >= ' ' && ch <= '~') || ch === '\u00a9')) return partial(format, `no box at byte ${pos}`);
    let size = u32be(h, 0);
    if (size === 1) {
      if (h.length < 16) return partial(format, 'a box header is cut off');
      size = u32be(h, 8) * 2 ** 32 + u32be(h, 12);
    } else if (size === 0) {
      size = c.size - pos; // "to the end of the file": only the last box may say so
    }
    if (size < 8) return partial(format, `box ${type} has a bad size`);
    if (type === 'ftyp') {
      const brands = await c.exact(pos + 8, Math.min(size - 8, 64));
      const names = [ascii(brands, 0, 4)];
      for (let o = 8; o + 4 <= brands.length; o += 4) names.push(ascii(brands, o, 4));
      image = names.some((n) => heifBrands.has(n));
      format = image ? (names.includes('avif') ? 'avif' : 'heif') : names[0] === 'qt  ' ? 'mov' : 'mp4';
    }
    if (pos + size > c.size) return partial(format, `box ${type} needs ${pos + size} bytes, the file has ${c.size}`);
    types.add(type);
    pos += size;
  }
  const needed = image ? 'meta' : 'moov';
  if (!types.has(needed)) return partial(format, `no ${needed} box yet`);
  return whole(format);
}

/** BMP: the header states the file's size. */
async function bmp(c: Cursor, head: Uint8Array): Promise<Verdict> {
  const declared = u32le(head, 2);
  if (declared < 26) return { state: 'unknown' };
  return c.size >= declared ? whole('bmp') : partial('bmp', `the header says ${declared} bytes, the file has ${c.size}`);
}
