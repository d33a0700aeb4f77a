/**
 * PNG text chunks (tEXt, zTXt, iTXt): read from a file by walking chunk headers (the image data is
 * skipped, never decoded), and rewritten into a copy with recomputed CRCs when their text must change
 * (`--strip-secrets`). Text may sit before or after the image data; both are read.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32, deflateSync, inflateSync } from 'node:zlib';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TEXT_TYPES = new Set(['tEXt', 'zTXt', 'iTXt']);
/** A text chunk larger than this is not metadata a creator tool wrote; it is skipped, not read. */
const MAX_TEXT_CHUNK = 32 * 1024 * 1024;

export interface TextChunk {
  type: 'tEXt' | 'zTXt' | 'iTXt';
  keyword: string;
  text: string;
}

/** One text chunk's keyword and text (PNG spec §11.3.4); undefined when malformed. */
export function parseTextChunk(type: string, data: Buffer): TextChunk | undefined {
  const nul = data.indexOf(0);
  if (nul <= 0) return undefined;
  const keyword = data.toString('latin1', 0, nul);
  try {
    if (type === 'tEXt') return { type, keyword, text: data.toString('latin1', nul + 1) };
    if (type === 'zTXt') return { type, keyword, text: inflateSync(data.subarray(nul + 2)).toString('latin1') };
    if (type !== 'iTXt') return undefined;
    // iTXt: keyword \0 compressionFlag compressionMethod languageTag \0 translatedKeyword \0 text (UTF-8)
    const flag = data[nul + 1];
    const lang = data.indexOf(0, nul + 3);
    const translated = lang < 0 ? -1 : data.indexOf(0, lang + 1);
    if (translated < 0) return undefined;
    const body = data.subarray(translated + 1);
    return { type, keyword, text: (flag === 1 ? inflateSync(body) : body).toString('utf8') };
  } catch {
    return undefined; // a corrupt compressed chunk: no text from it
  }
}

/** Encodes a text chunk's data. tEXt/zTXt are Latin-1 by the spec: text outside it becomes iTXt. */
export function encodeTextChunk(chunk: TextChunk): { type: TextChunk['type']; data: Buffer } {
  const key = Buffer.from(chunk.keyword, 'latin1');
  let latin1 = true;
  for (let i = 0; i < chunk.text.length && latin1; i++) latin1 = chunk.text.charCodeAt(i) <= 0xff;
  if (chunk.type === 'tEXt' && latin1) return { type: 'tEXt', data: Buffer.concat([key, Buffer.from([0]), Buffer.from(chunk.text, 'latin1')]) };
  if (chunk.type === 'zTXt' && latin1) return { type: 'zTXt', data: Buffer.concat([key, Buffer.from([0, 0]), deflateSync(Buffer.from(chunk.text, 'latin1'))]) };
  return { type: 'iTXt', data: Buffer.concat([key, Buffer.from([0, 0, 0, 0, 0]), Buffer.from(chunk.text, 'utf8')]) };
}

/** A whole chunk (length, type, data, CRC over type + data). */
export function encodeChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

interface ChunkHeader {
  type: string;
  /** offset of the chunk's length field */
  offset: number;
  length: number;
}

/** Chunk headers of a PNG file, up to IEND or the first malformed one. Empty if not a PNG. */
async function headers(fh: FileHandle): Promise<ChunkHeader[]> {
  const sig = Buffer.alloc(8);
  await fh.read(sig, 0, 8, 0);
  if (!sig.equals(PNG_SIGNATURE)) return [];
  const { size } = await fh.stat();
  const out: ChunkHeader[] = [];
  const head = Buffer.alloc(8);
  for (let pos = 8; pos + 12 <= size; ) {
    const { bytesRead } = await fh.read(head, 0, 8, pos);
    if (bytesRead < 8) break;
    const length = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    if (!/^[A-Za-z]{4}$/.test(type) || pos + 12 + length > size) break;
    out.push({ type, offset: pos, length });
    if (type === 'IEND') break;
    pos += 12 + length;
  }
  return out;
}

async function readData(fh: FileHandle, h: ChunkHeader): Promise<Buffer> {
  const data = Buffer.alloc(h.length);
  await fh.read(data, 0, h.length, h.offset + 8);
  return data;
}

/** Every text chunk of a PNG file, in file order. */
export async function readPngTextChunks(path: string): Promise<TextChunk[]> {
  const fh = await open(path, 'r');
  try {
    const out: TextChunk[] = [];
    for (const h of await headers(fh)) {
      if (!TEXT_TYPES.has(h.type) || h.length > MAX_TEXT_CHUNK) continue;
      const parsed = parseTextChunk(h.type, await readData(fh, h));
      if (parsed) out.push(parsed);
    }
    return out;
  } finally {
    await fh.close();
  }
}

/** keyword → text (the first chunk of each keyword wins). */
export async function readPngText(path: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of await readPngTextChunks(path).catch(() => [])) if (!(c.keyword in out)) out[c.keyword] = c.text;
  return out;
}

/**
 * Copies a PNG to `dest` with each text chunk passed through `rewrite` (return the new text, or
 * undefined to keep it). Every other chunk is copied byte for byte; rewritten ones get a fresh CRC.
 * Returns how many chunks changed.
 */
export async function rewritePngText(src: string, dest: string, rewrite: (c: TextChunk) => string | undefined): Promise<number> {
  const input = await open(src, 'r');
  const output = await open(dest, 'wx', 0o600);
  let changed = 0;
  try {
    const hs = await headers(input);
    if (hs.at(-1)?.type !== 'IEND') throw new Error(`${src} is not a whole PNG`);
    await output.write(PNG_SIGNATURE);
    for (const h of hs) {
      const raw = Buffer.alloc(12 + h.length);
      await input.read(raw, 0, raw.length, h.offset);
      const parsed = TEXT_TYPES.has(h.type) ? parseTextChunk(h.type, raw.subarray(8, 8 + h.length)) : undefined;
      const text = parsed ? rewrite(parsed) : undefined;
      if (parsed && text !== undefined && text !== parsed.text) {
        const enc = encodeTextChunk({ ...parsed, text });
        await output.write(encodeChunk(enc.type, enc.data));
        changed++;
      } else {
        await output.write(raw);
      }
    }
    await output.sync();
  } finally {
    await input.close();
    await output.close();
  }
  return changed;
}
