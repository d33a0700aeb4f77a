/**
 * Test helpers over the real embedded backend (s3rver + dynalite on 127.0.0.1, port 0): start one on
 * a temp dir, call its API, make fixture images in code, and upload through the real flow.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  LOCAL_BUCKET,
  LOCAL_TABLE,
  startEmbeddedBackend,
  type EmbeddedBackend,
  type EmbeddedBackendOptions,
} from '../../backend-lambda/local/index.ts';
import type { BackendConfig } from '../../backend-lambda/lib/config.ts';
import { makeDeps, type AwsDeps, type StorageFactory } from '../../backend-lambda/lib/deps.ts';
import type { DynamoReads } from '../../backend-lambda/lib/storage/dynamo-reads.ts';
import { dynamoStorage, type DynamoStorage } from '../../backend-lambda/lib/storage/dynamo-storage.ts';
import { testConfig } from './fake-backend.ts';

export type TestBackend = EmbeddedBackend & { dataDir: string; /** stops and deletes the data dir */ destroy(): Promise<void> };

/** Starts an embedded backend on a fresh temp dir (or `opts.dataDir`), API on port 0. */
export async function startTestBackend(opts: Partial<EmbeddedBackendOptions> = {}): Promise<TestBackend> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'ferry-test-')));
  const backend = await startEmbeddedBackend({ port: 0, ...opts, dataDir });
  return {
    ...backend,
    dataDir,
    destroy: async () => {
      await backend.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

// Answers are loosely typed on purpose: tests assert on them, and schemas would hide wrong shapes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export interface ApiAnswer<T = Loose> {
  status: number;
  body: T;
}

/** Calls the backend's API with its token (or `opts.token`; `null` sends no Authorization). */
export async function api<T = Loose>(
  backend: Pick<EmbeddedBackend, 'api' | 'token'>,
  method: string,
  path: string,
  body?: unknown,
  opts: { token?: string | null; rawBody?: string } = {},
): Promise<ApiAnswer<T>> {
  const token = opts.token === undefined ? backend.token : opts.token;
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const payload = opts.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(backend.api + path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export function sha256Hex(data: Buffer | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A noisy gradient (compresses like a photo, not like a flat colour), `channels` 3 or 4. */
function pixels(width: number, height: number, channels: 3 | 4 = 3) {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = (x * y) % 251;
      if (channels === 4) data[i + 3] = 200;
    }
  }
  return sharp(data, { raw: { width, height, channels } });
}

/** A JPEG of w×h stored pixels; with `orientation`, the EXIF tag says how to turn it upright. */
export async function makeJpeg(width: number, height: number, opts: { orientation?: number; quality?: number } = {}): Promise<Buffer> {
  let img = pixels(width, height).jpeg({ quality: opts.quality ?? 85 });
  if (opts.orientation) img = img.withMetadata({ orientation: opts.orientation });
  return img.toBuffer();
}

export const makePng = (width: number, height: number) => pixels(width, height, 4).png().toBuffer();
export const makeWebp = (width: number, height: number) => pixels(width, height).webp({ quality: 80 }).toBuffer();
export const makeAvif = (width: number, height: number) => pixels(width, height).avif({ quality: 50, effort: 0 }).toBuffer();

/** An animated GIF of `frames` frames (each a different colour). */
export async function makeGif(width: number, height: number, frames = 3): Promise<Buffer> {
  const pages = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp({ create: { width, height, channels: 3, background: { r: 80 * i, g: 255 - 80 * i, b: 60 } } }).raw().toBuffer(),
    ),
  );
  return sharp(Buffer.concat(pages), { raw: { width, height: height * frames, channels: 3, pageHeight: height } })
    .gif({ loop: 0, delay: Array(frames).fill(100) })
    .toBuffer();
}

/**
 * A PNG whose header claims width×height but carries almost no pixel data: a decompression-bomb
 * stand-in that costs nothing to make. Decoding it fails, but the pixel limit must refuse it first.
 */
export async function makeHugePngHeader(width: number, height: number): Promise<Buffer> {
  const { crc32, deflateSync } = await import('node:zlib');
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(1024))), chunk('IEND', Buffer.alloc(0))]);
}

export interface UploadedFile {
  mediaId: string;
  key: string;
  status: number;
  body: Loose;
}

/** Requests an album upload and PUTs `data` with exactly the headers the answer lists. */
export async function uploadToAlbum(
  backend: TestBackend | EmbeddedBackend,
  albumId: string,
  data: Buffer,
  file: { filename: string; mimeType: string; sha256?: string },
): Promise<UploadedFile> {
  const res = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { ...file, size: data.length });
  if (res.status !== 201) return { mediaId: res.body?.mediaId, key: res.body?.key, status: res.status, body: res.body };
  const { url, headers } = res.body.upload;
  const put = await fetch(url, { method: 'PUT', headers, body: data as unknown as BodyInit });
  if (!put.ok) throw new Error(`PUT failed: ${put.status} ${await put.text()}`);
  return { mediaId: res.body.mediaId, key: res.body.key, status: res.status, body: res.body };
}

/** Creates an album and returns its ID. */
export async function createAlbum(backend: Pick<EmbeddedBackend, 'api' | 'token'>, title = 'test album'): Promise<string> {
  const res = await api(backend, 'POST', '/albums', { title });
  if (res.status !== 201) throw new Error(`create album: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.album.albumId;
}

/** Deps pointing at a running embedded backend's stores, for calling cores directly (fake clocks, re-delivered events). */
export function backendDeps<S extends DynamoReads = DynamoStorage>(
  backend: Pick<EmbeddedBackend, 's3' | 'dynamodb' | 's3Key'>,
  overrides: Partial<BackendConfig> = {},
  now?: () => Date,
  storage: StorageFactory<S> = dynamoStorage as unknown as StorageFactory<S>,
): AwsDeps<S> {
  const deps = makeDeps(
    testConfig({
      tableName: LOCAL_TABLE,
      bucketName: LOCAL_BUCKET,
      s3Endpoint: backend.s3,
      s3PublicUrl: backend.s3,
      dynamodbSocket: backend.dynamodb.replace(/^unix:/, ''),
      credentials: backend.s3Key,
      ...overrides,
    }),
    storage,
  );
  return now ? { ...deps, now } : deps;
}

/** Downloads a URL and decodes it with sharp: the real size of a rendition. */
export async function fetchImage(url: string): Promise<{ width: number; height: number; format: string | undefined; headers: Headers; bytes: Buffer }> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  const meta = await sharp(bytes).metadata();
  return { width: meta.width ?? 0, height: meta.height ?? 0, format: meta.format, headers: res.headers, bytes };
}
