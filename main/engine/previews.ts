/**
 * Instant previews for queue rows: a ~96 px WebP of a queued image, made the moment a visible row
 * asks for it, long before the backend has made its renditions.
 *
 * - Made with Sharp, whose work runs on libuv's thread pool: the engine's event loop (and in the
 *   desktop app, the UI) never waits on a decode. Sharp is imported on first use, so `ferry upload`
 *   never loads it.
 * - Cached on disk under the data directory, keyed by path + size + mtime: a changed file gets a
 *   new preview, a restart reuses the old ones.
 * - Bounded memory whatever the queue length: an LRU of the last `memoryEntries` previews (~3 KB
 *   each), at most `concurrency` decodes at once, and a request for the same file while one is
 *   being made waits for that one.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { mimeTypes, mimeTypeForFilename } from '../../shared/mime.ts';

export interface Preview {
  bytes: Buffer;
  /** a strong validator: the cache key (path + size + mtime) */
  etag: string;
}

export interface PreviewOptions {
  /** where previews are kept (`<data dir>/previews`) */
  dir: string;
  /** the path of a queue row, or undefined when there is no such row */
  pathOf(id: number): string | undefined;
  /** long edge in pixels */
  size?: number;
  memoryEntries?: number;
  concurrency?: number;
}

/** Sources above this many pixels are not previewed (the backend's decompression-bomb guard is similar). */
const maxInputPixels = 100_000_000;

/** Makes, caches and serves previews (see the module comment). */
export class PreviewCache {
  private readonly memory = new Map<string, Preview | null>();
  private readonly making = new Map<string, Promise<Preview | null>>();
  private readonly waiters: (() => void)[] = [];
  private running = 0;
  private readonly size: number;
  private readonly memoryEntries: number;
  private readonly concurrency: number;
  /** decodes actually run (a test checks the caches work) */
  made = 0;

  private readonly opts: PreviewOptions;

  constructor(opts: PreviewOptions) {
    this.opts = opts;
    this.size = opts.size ?? 96;
    this.memoryEntries = opts.memoryEntries ?? 256;
    this.concurrency = opts.concurrency ?? 2;
  }

  /** The preview of queue row `id`; null for a video, a damaged image, or a missing file or row. */
  async get(id: number): Promise<Preview | null> {
    const path = this.opts.pathOf(id);
    if (!path || mimeKind(path) !== 'image') return null;
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) return null;
    const key = createHash('sha256').update(`${path}\0${st.size}\0${Math.trunc(st.mtimeMs)}`).digest('hex').slice(0, 32);
    if (this.memory.has(key)) {
      const hit = this.memory.get(key)!;
      // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
      this.memory.delete(key);
      this.memory.set(key, hit);
      return hit;
    }
    let pending = this.making.get(key);
    if (!pending) {
      pending = this.load(path, key).finally(() => this.making.delete(key));
      this.making.set(key, pending);
    }
    const preview = await pending;
    this.remember(key, preview);
    return preview;
  }

  /** The preview as a data: URL, for transports that carry JSON only (Electron IPC). */
  async dataUrl(id: number): Promise<string | null> {
    const p = await this.get(id);
    return p ? `data:image/webp;base64,${p.bytes.toString('base64')}` : null;
  }

  private remember(key: string, preview: Preview | null): void {
    this.memory.delete(key);
    this.memory.set(key, preview);
    while (this.memory.size > this.memoryEntries) this.memory.delete(this.memory.keys().next().value!);
  }

  private async load(path: string, key: string): Promise<Preview | null> {
    const file = join(this.opts.dir, key.slice(0, 2), `${key}.webp`);
    const cached = await readFile(file).catch(() => undefined);
    if (cached) return { bytes: cached, etag: `"${key}"` };
    await this.slot();
    try {
      const bytes = await this.make(path);
      if (!bytes) return null;
      await mkdir(join(this.opts.dir, key.slice(0, 2)), { recursive: true });
      // Written beside and renamed, so a crash never leaves half a WebP to be served later.
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, file);
      return { bytes, etag: `"${key}"` };
    } finally {
      this.release();
    }
  }

  private async make(path: string): Promise<Buffer | null> {
    this.made++;
    const { default: sharp } = await import('sharp');
    try {
      return await sharp(path, { limitInputPixels: maxInputPixels, sequentialRead: true, animated: false })
        .rotate()
        .resize(this.size, this.size, { fit: 'cover', position: 'attention', withoutEnlargement: true })
        .webp({ quality: 60, effort: 2 })
        .toBuffer();
    } catch {
      // A damaged or truncated image: the row shows its type until the backend says what is wrong.
      return null;
    }
  }

  private async slot(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.running--;
  }
}

function mimeKind(path: string): 'image' | 'video' | undefined {
  const mime = mimeTypeForFilename(basename(path));
  return mime ? mimeTypes[mime].kind : undefined;
}
