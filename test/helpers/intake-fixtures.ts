/**
 * Fixture bytes for the intake tests, made in code: images from sharp, and the containers and text
 * chunks the creator tools write (PNG tEXt/iTXt, EXIF UserComment in JPEG APP1 and WebP EXIF),
 * assembled by hand so each test knows exactly which bytes it holds.
 */
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { encodeChunk } from '../../main/intake/png-chunks.ts';

/** A noisy gradient: compresses like a photo, so scans are long and hold many FF00 stuffings. */
export function noisy(width: number, height: number, channels: 3 | 4 = 3) {
  const data = Buffer.alloc(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + ((i / channels) | 0) * 31) % 256;
  return sharp(data, { raw: { width, height, channels } });
}

// One PNG chunk with its CRC: the product's writer (its framing is not what these tests check; the
// text inside each chunk below is assembled by hand).
const pngChunk = encodeChunk;

export const tEXt = (keyword: string, text: string) => pngChunk('tEXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]));
export const zTXt = (keyword: string, text: string) =>
  pngChunk('zTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0]), deflateSync(Buffer.from(text, 'latin1'))]));
export function iTXt(keyword: string, text: string, compressed = false): Buffer {
  const body = compressed ? deflateSync(Buffer.from(text, 'utf8')) : Buffer.from(text, 'utf8');
  return pngChunk('iTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, compressed ? 1 : 0, 0, 0, 0]), body]));
}

/** Inserts chunks right after IHDR, where ComfyUI and A1111 put theirs. */
export function withPngChunks(png: Buffer, chunks: Buffer[]): Buffer {
  const ihdrEnd = 8 + 8 + 13 + 4;
  return Buffer.concat([png.subarray(0, ihdrEnd), ...chunks, png.subarray(ihdrEnd)]);
}

export const makePng = (w = 48, h = 32) => noisy(w, h, 4).png({ compressionLevel: 0 }).toBuffer();
export const makeJpeg = (w = 64, h = 48, progressive = false) => noisy(w, h).jpeg({ quality: 90, progressive }).toBuffer();

/** A TIFF (big-endian) with IFD0 → Exif IFD → UserComment `UNICODE\0` + UTF-16BE: what piexif writes for A1111 and Image-Saver. */
export function exifWithUserComment(text: string): Buffer {
  const comment = Buffer.concat([Buffer.from('UNICODE\0', 'latin1'), Buffer.from(text, 'utf16le').swap16()]);
  const tiff = Buffer.alloc(8 + 2 + 12 + 4 + 2 + 12 + 4);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8); // IFD0: one entry, the Exif IFD pointer
  tiff.writeUInt16BE(0x8769, 10);
  tiff.writeUInt16BE(4, 12); // LONG
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt32BE(26, 18); // Exif IFD at 26
  tiff.writeUInt32BE(0, 22);
  tiff.writeUInt16BE(1, 26);
  tiff.writeUInt16BE(0x9286, 28); // UserComment
  tiff.writeUInt16BE(7, 30); // UNDEFINED
  tiff.writeUInt32BE(comment.length, 32);
  tiff.writeUInt32BE(tiff.length, 36); // value right after the IFD
  tiff.writeUInt32BE(0, 40);
  return Buffer.concat([tiff, comment]);
}

/** A JPEG segment (marker + big-endian length + payload). */
export function jpegSegment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** Inserts segments right after SOI. */
export const withJpegSegments = (jpeg: Buffer, segments: Buffer[]) => Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);

/** An APP1 EXIF segment from TIFF bytes. */
export const exifApp1 = (tiff: Buffer) => jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]));

/** An APP1 XMP segment. */
export const xmpApp1 = (xml: string) => jpegSegment(0xe1, Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1'), Buffer.from(xml, 'utf8')]));

/** A WebP with an EXIF chunk (VP8X extended format), built from sharp's simple WebP. */
export async function webpWithExif(tiff: Buffer, w = 40, h = 30): Promise<Buffer> {
  const simple = await noisy(w, h).webp({ quality: 80 }).toBuffer();
  const image = simple.subarray(12); // the VP8 chunk
  const vp8x = Buffer.alloc(18);
  vp8x.write('VP8X', 0, 'latin1');
  vp8x.writeUInt32LE(10, 4);
  vp8x[8] = 0x08; // EXIF present
  vp8x.writeUIntLE(w - 1, 12, 3);
  vp8x.writeUIntLE(h - 1, 15, 3);
  const exifHead = Buffer.alloc(8);
  exifHead.write('EXIF', 0, 'latin1');
  exifHead.writeUInt32LE(tiff.length, 4);
  const exif = Buffer.concat([exifHead, tiff, tiff.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), vp8x, image, exif]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** An ISO-BMFF box. */
export function box(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(payload.length + 8, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, payload]);
}

/** A small MP4-shaped file: ftyp, mdat, moov (what a finished recording looks like). */
export function makeMp4(mdatBytes = 5000): Buffer {
  const ftyp = box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2avc1mp41', 'latin1'));
  const mdat = box('mdat', Buffer.alloc(mdatBytes, 0xa5));
  const moov = box('moov', box('mvhd', Buffer.alloc(100)));
  return Buffer.concat([ftyp, mdat, moov]);
}

/**
 * A ComfyUI API-format graph as ComfyUI saves it: checkpoint → two LoRAs → KSampler, prompts through
 * CLIPTextEncode, EmptyLatentImage, VAEDecode → SaveImage; plus an LLM node holding an API key and a
 * model path under the user's home. `opts` swaps in the traps the reader must not guess through.
 */
export function comfyPrompt(opts: { apiKey?: string; seedFromCustomNode?: boolean; home?: string } = {}): Record<string, unknown> {
  const g: Record<string, unknown> = {
    '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sdxl/juggernautXL_v9.safetensors' } },
    '2': { class_type: 'LoraLoader', inputs: { model: ['1', 0], clip: ['1', 1], lora_name: 'detail_tweaker.safetensors', strength_model: 0.8, strength_clip: 0.6 } },
    '3': { class_type: 'LoraLoader', inputs: { model: ['2', 0], clip: ['2', 1], lora_name: 'film_grain.safetensors', strength_model: 0.35, strength_clip: 1 } },
    '4': { class_type: 'EmptyLatentImage', inputs: { width: 832, height: 1216, batch_size: 1 } },
    '5': {
      class_type: 'KSampler',
      inputs: {
        model: ['3', 0],
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['4', 0],
        seed: opts.seedFromCustomNode ? ['12', 0] : 123456789,
        steps: 30,
        cfg: 6.5,
        sampler_name: 'dpmpp_2m',
        scheduler: 'karras',
        denoise: 1,
      },
    },
    '6': { class_type: 'CLIPTextEncode', inputs: { clip: ['3', 1], text: ['10', 0] } },
    '7': { class_type: 'CLIPTextEncode', inputs: { clip: ['3', 1], text: 'blurry, lowres' } },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['5', 0], vae: ['1', 2] } },
    '9': { class_type: 'SaveImage', inputs: { images: ['8', 0], filename_prefix: 'ComfyUI' } },
    '10': { class_type: 'PrimitiveString', inputs: { value: 'a lighthouse at dusk, volumetric light' } },
    '11': {
      class_type: 'OpenAIChatNode',
      inputs: { api_key: opts.apiKey ?? '', model: 'gpt-4o', prompt: 'describe', cache_dir: `${opts.home ?? '/home/alice'}/ComfyUI/cache` },
    },
  };
  // A seed computed by a custom node from another input: its value can't be known without running it.
  if (opts.seedFromCustomNode) g['12'] = { class_type: 'Seed Everywhere (math)', inputs: { base: ['13', 0], offset: 7 } };
  if (opts.seedFromCustomNode) g['13'] = { class_type: 'PrimitiveInt', inputs: { value: 5 } };
  return g;
}

/** The UI-format workflow for `comfyPrompt`: widget values by position, no names (where keys hide). */
export function comfyWorkflow(apiKey = ''): Record<string, unknown> {
  return {
    last_node_id: 11,
    nodes: [
      { id: 1, type: 'CheckpointLoaderSimple', widgets_values: ['sdxl/juggernautXL_v9.safetensors'] },
      { id: 11, type: 'OpenAIChatNode', widgets_values: [apiKey, 'gpt-4o', 'describe'] },
    ],
    links: [],
    version: 0.4,
  };
}

/** An A1111/Forge infotext with LoRA tags, `Lora hashes` and Civitai `Hashes`. */
export const a1111Parameters = [
  'masterpiece, a red fox in snow <lora:add_detail:0.7>, <lora:fox_style:1.1>',
  'Negative prompt: worst quality, "low" quality',
  'Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 5.5, Seed: 3141592653, Size: 896x1152, Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Denoising strength: 0.45, Lora hashes: "add_detail: 7c6bad76eb54, fox_style: 0b1c2d3e4f50", Hashes: {"model": "31e35c80fc", "lora:add_detail": "7c6bad76eb54"}, Version: f2.0.1v1.10.1',
].join('\n');
