/**
 * In-memory fakes for unit tests of the backend cores: `MemoryStorage` implements `Storage` with the
 * same conditional semantics as DynamoStorage, `FakeS3` answers the S3 commands the cores send, and
 * `fakeDeps` puts them together with a clock the test moves. No network, no real time.
 */
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { ErrorCode } from '../../shared/errors.ts';
import { DEFAULTS, type BackendConfig } from '../../backend-lambda/lib/config.ts';
import type { Deps } from '../../backend-lambda/lib/deps.ts';
import { ApiError } from '../../backend-lambda/lib/errors.ts';
import type {
  AlbumMediaPage,
  AlbumRecord,
  AvatarRecord,
  MediaRecord,
  NewPendingMedia,
  StorageWithDelete,
  UploadedFields,
  UserRecord,
} from '../../backend-lambda/lib/storage/storage.ts';

type StoredMedia = MediaRecord & { generationIndex?: number | undefined };

const copy = <T>(v: T): T => structuredClone(v);

function stripIndex(m: StoredMedia): MediaRecord {
  const { generationIndex: _, ...record } = m;
  return copy(record);
}

/** `Storage` in a few Maps. Every method name called is logged in `calls`, so a test can say "no write happened". */
export class MemoryStorage implements StorageWithDelete {
  readonly media = new Map<string, StoredMedia>();
  readonly albums = new Map<string, AlbumRecord>();
  readonly users = new Map<string, UserRecord>();
  /** duplicate pointers: `${albumId}/${sha256}` → mediaId, written by markUploaded like DynamoStorage's */
  readonly duplicates = new Map<string, string>();
  /** generation ID → owner */
  readonly generations = new Map<string, string>();
  readonly calls: string[] = [];

  private log(name: string): void {
    this.calls.push(name);
  }

  /** Method names that change data, in call order. */
  writes(): string[] {
    const reads = new Set([
      'getMedia',
      'getMediaBatch',
      'getAlbum',
      'listAlbums',
      'listAlbumMedia',
      'findUploadedDuplicate',
      'findUploadedDuplicates',
      'listGenerationMedia',
      'listPending',
      'getUser',
    ]);
    return this.calls.filter((c) => !reads.has(c));
  }

  async getMedia(mediaId: string): Promise<MediaRecord | undefined> {
    this.log('getMedia');
    const m = this.media.get(mediaId);
    return m && stripIndex(m);
  }

  async getMediaBatch(mediaIds: readonly string[]): Promise<MediaRecord[]> {
    this.log('getMediaBatch');
    return [...new Set(mediaIds)].flatMap((id) => (this.media.has(id) ? [stripIndex(this.media.get(id)!)] : []));
  }

  async getAlbum(ownerId: string, albumId: string): Promise<AlbumRecord | undefined> {
    this.log('getAlbum');
    const a = this.albums.get(`${ownerId}/${albumId}`);
    return a && copy(a);
  }

  async listAlbums(ownerId: string): Promise<AlbumRecord[]> {
    this.log('listAlbums');
    return [...this.albums.values()].filter((a) => a.ownerId === ownerId).sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map(copy);
  }

  async listAlbumMedia(albumId: string, page: { cursor?: string | undefined; limit: number }): Promise<AlbumMediaPage> {
    this.log('listAlbumMedia');
    const sortKey = (m: MediaRecord) => `${m.createdAt}#${m.mediaId}`;
    let after: string | undefined;
    if (page.cursor) {
      let c: { albumId?: string; after?: string } | undefined;
      try {
        c = JSON.parse(Buffer.from(page.cursor, 'base64url').toString('utf8')) as typeof c;
      } catch {
        c = undefined;
      }
      if (c?.albumId !== albumId || typeof c.after !== 'string') throw new ApiError('INVALID_REQUEST', 'Invalid cursor', { field: 'cursor' });
      after = c.after;
    }
    const all = [...this.media.values()].filter((m) => m.albumId === albumId).sort((a, b) => sortKey(b).localeCompare(sortKey(a)));
    const rest = after === undefined ? all : all.filter((m) => sortKey(m) < after);
    const items = rest.slice(0, page.limit);
    const last = items.at(-1);
    const nextCursor = rest.length > page.limit && last ? Buffer.from(JSON.stringify({ albumId, after: sortKey(last) })).toString('base64url') : null;
    return { items: items.map(stripIndex), nextCursor };
  }

  async findUploadedDuplicate(albumId: string, sha256: string): Promise<MediaRecord | undefined> {
    this.log('findUploadedDuplicate');
    const m = [...this.media.values()].find((x) => x.albumId === albumId && x.sha256 === sha256 && x.status === 'uploaded');
    return m && stripIndex(m);
  }

  async findUploadedDuplicates(albumId: string, sha256s: readonly string[]): Promise<Map<string, string>> {
    this.log('findUploadedDuplicates');
    const found = new Map<string, string>();
    for (const sha of sha256s) {
      const id = this.duplicates.get(`${albumId}/${sha}`);
      if (id) found.set(sha, id);
    }
    return found;
  }

  async listGenerationMedia(generationId: string): Promise<MediaRecord[]> {
    this.log('listGenerationMedia');
    return [...this.media.values()]
      .filter((m) => m.generationId === generationId)
      .sort((a, b) => (a.generationIndex ?? 0) - (b.generationIndex ?? 0))
      .map(stripIndex);
  }

  async listPending(query: { createdBefore?: string; limit: number }): Promise<MediaRecord[]> {
    this.log('listPending');
    return [...this.media.values()]
      .filter((m) => m.status === 'pending' && (query.createdBefore === undefined || m.createdAt < query.createdBefore))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .slice(0, query.limit)
      .map(stripIndex);
  }

  async getUser(userId: string): Promise<UserRecord | undefined> {
    this.log('getUser');
    const u = this.users.get(userId);
    return u && copy(u);
  }

  async ensureUser(userId: string, now: string, name?: string): Promise<void> {
    this.log('ensureUser');
    const u = this.users.get(userId) ?? { userId, createdAt: now, updatedAt: now };
    if (name && !u.name) u.name = name;
    this.users.set(userId, u);
  }

  async claimGeneration(generationId: string, ownerId: string): Promise<boolean> {
    this.log('claimGeneration');
    const owner = this.generations.get(generationId) ?? ownerId;
    this.generations.set(generationId, owner);
    return owner === ownerId;
  }

  async createAlbum(album: AlbumRecord): Promise<boolean> {
    this.log('createAlbum');
    const k = `${album.ownerId}/${album.albumId}`;
    if (this.albums.has(k)) return false;
    this.albums.set(k, copy(album));
    return true;
  }

  async createPendingMedia(media: NewPendingMedia, options: { replaceFailed?: boolean } = {}): Promise<boolean> {
    this.log('createPendingMedia');
    const existing = this.media.get(media.mediaId);
    const replaceable = options.replaceFailed === true && existing?.status === 'failed' && existing.ownerId === media.ownerId;
    if (existing && !replaceable) return false;
    this.media.set(media.mediaId, copy(media));
    return true;
  }

  async createPendingMediaBatch(media: readonly NewPendingMedia[]): Promise<string[]> {
    this.log('createPendingMediaBatch');
    // Unconditional, as BatchWriteItem is: the IDs are fresh.
    for (const m of media) this.media.set(m.mediaId, copy(m));
    return [];
  }

  async setPendingSha256(mediaId: string, _albumId: string | undefined, sha256: string, now: string): Promise<boolean> {
    this.log('setPendingSha256');
    const m = this.media.get(mediaId);
    if (m?.status !== 'pending') return false;
    Object.assign(m, { sha256, updatedAt: now });
    return true;
  }

  async markUploaded(mediaId: string, fields: UploadedFields, now: string): Promise<boolean> {
    this.log('markUploaded');
    const m = this.media.get(mediaId);
    if (m?.status !== 'pending') return false;
    if (m.albumId && m.sha256 && !this.duplicates.has(`${m.albumId}/${m.sha256}`)) this.duplicates.set(`${m.albumId}/${m.sha256}`, mediaId);
    Object.assign(m, { status: 'uploaded', size: fields.size, updatedAt: now });
    if (fields.thumbnailKeys) Object.assign(m, { thumbnailKeys: copy(fields.thumbnailKeys), width: fields.width, height: fields.height });
    if (fields.thumbhash) m.thumbhash = fields.thumbhash;
    if (fields.dominantColor) m.dominantColor = fields.dominantColor;
    delete m.uploadId;
    delete m.error;
    return true;
  }

  async failPending(mediaId: string, error: { code: ErrorCode; message: string }, now: string): Promise<boolean> {
    this.log('failPending');
    const m = this.media.get(mediaId);
    if (m?.status !== 'pending') return false;
    Object.assign(m, { status: 'failed', error: copy(error), updatedAt: now });
    delete m.uploadId;
    return true;
  }

  async countAlbumUpload(ownerId: string, albumId: string, coverKey: string | undefined, now: string): Promise<boolean> {
    this.log('countAlbumUpload');
    const a = this.albums.get(`${ownerId}/${albumId}`);
    if (!a) return false;
    a.mediaCount += 1;
    a.updatedAt = now;
    if (coverKey && !a.coverKey) a.coverKey = coverKey;
    return true;
  }

  async setAvatar(userId: string, avatar: AvatarRecord, now: string): Promise<void> {
    this.log('setAvatar');
    const u = this.users.get(userId) ?? { userId, createdAt: now, updatedAt: now };
    this.users.set(userId, { ...u, avatar: copy(avatar), updatedAt: now });
  }

  async deleteMedia(mediaId: string): Promise<MediaRecord | undefined> {
    this.log('deleteMedia');
    const m = this.media.get(mediaId);
    this.media.delete(mediaId);
    // Its duplicate pointer goes with it (only if it is the one pointed at), as in DynamoStorageWithDelete.
    if (m?.albumId && m.sha256 && this.duplicates.get(`${m.albumId}/${m.sha256}`) === mediaId) this.duplicates.delete(`${m.albumId}/${m.sha256}`);
    return m && stripIndex(m);
  }

  async uncountAlbumMedia(ownerId: string, albumId: string, cover: { removedCover: string; newCover: string | undefined } | undefined, now: string): Promise<boolean> {
    this.log('uncountAlbumMedia');
    const a = this.albums.get(`${ownerId}/${albumId}`);
    if (!a) return false;
    const counted = a.mediaCount > 0;
    if (counted) {
      a.mediaCount -= 1;
      a.updatedAt = now;
    }
    if (cover && a.coverKey === cover.removedCover) {
      if (cover.newCover) a.coverKey = cover.newCover;
      else delete a.coverKey;
    }
    return counted;
  }
}

/** An SDK-shaped error, matched by name the way the cores match the real ones. */
function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

/** A GetObject body: a Node stream that also has the SDK's `transformToByteArray`. */
function body(bytes: Buffer): Readable {
  return Object.assign(Readable.from([bytes]), { transformToByteArray: async () => new Uint8Array(bytes) });
}

/** The S3 commands the cores send, over a Map of objects. Multipart parts are not kept: `completeAs` says what completion produces. */
export class FakeS3 {
  readonly objects = new Map<string, { bytes: Buffer; contentType?: string | undefined; cacheControl?: string | undefined; tags?: Record<string, string> }>();
  readonly uploads = new Map<string, { key: string; completeAs?: Buffer }>();
  readonly sent: string[] = [];
  private nextUpload = 1;

  async send(command: unknown): Promise<unknown> {
    this.sent.push((command as object).constructor.name);
    if (command instanceof HeadObjectCommand) {
      const o = this.objects.get(command.input.Key!);
      if (!o) throw s3Error('NotFound', 404);
      return { ContentLength: o.bytes.length, ContentType: o.contentType };
    }
    if (command instanceof GetObjectCommand) {
      const o = this.objects.get(command.input.Key!);
      if (!o) throw s3Error('NoSuchKey', 404);
      const range = /^bytes=(\d+)-(\d+)$/.exec(command.input.Range ?? '');
      return { Body: body(range ? o.bytes.subarray(Number(range[1]), Number(range[2]) + 1) : o.bytes) };
    }
    if (command instanceof PutObjectCommand) {
      this.objects.set(command.input.Key!, { bytes: Buffer.from(command.input.Body as Uint8Array), contentType: command.input.ContentType, cacheControl: command.input.CacheControl });
      return {};
    }
    if (command instanceof PutObjectTaggingCommand) {
      const o = this.objects.get(command.input.Key!);
      if (!o) throw s3Error('NoSuchKey', 404);
      o.tags = Object.fromEntries((command.input.Tagging?.TagSet ?? []).map((t) => [t.Key!, t.Value!]));
      return {};
    }
    if (command instanceof CreateMultipartUploadCommand) {
      const uploadId = `upload-${this.nextUpload++}`;
      this.uploads.set(uploadId, { key: command.input.Key! });
      return { UploadId: uploadId };
    }
    if (command instanceof CompleteMultipartUploadCommand) {
      const u = this.uploads.get(command.input.UploadId!);
      if (!u || u.key !== command.input.Key) throw s3Error('NoSuchUpload', 404);
      this.uploads.delete(command.input.UploadId!);
      this.objects.set(u.key, { bytes: u.completeAs ?? Buffer.alloc(0) });
      return {};
    }
    if (command instanceof DeleteObjectCommand) {
      // S3 answers 204 whether or not the key existed.
      this.objects.delete(command.input.Key!);
      return {};
    }
    if (command instanceof AbortMultipartUploadCommand) {
      if (!this.uploads.delete(command.input.UploadId!)) throw s3Error('NoSuchUpload', 404);
      return {};
    }
    throw new Error(`FakeS3: ${(command as object).constructor.name} is not faked`);
  }

  destroy(): void {}
}

/** A clock the test moves by hand. */
export class FakeClock {
  private t: number;
  constructor(start = '2026-01-01T00:00:00.000Z') {
    this.t = Date.parse(start);
  }
  now = (): Date => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
}

/**
 * The config of every test backend: us-east-1 and the product's defaults, with the stores (and any
 * override) the test names.
 */
export function testConfig(config: Omit<BackendConfig, 'region' | keyof typeof DEFAULTS> & Partial<BackendConfig>): BackendConfig {
  return { region: 'us-east-1', ...DEFAULTS, ...config };
}

export interface FakeBackend {
  deps: Deps<StorageWithDelete>;
  storage: MemoryStorage;
  s3: FakeS3;
  clock: FakeClock;
}

/**
 * Deps over the fakes. Presigning stays real (it is local computation: the SDK signs with static
 * credentials and never connects), so upload instructions are the real ones.
 */
export function fakeDeps(overrides: Partial<BackendConfig> = {}): FakeBackend {
  const config = testConfig({
    tableName: 'ferry',
    bucketName: 'ferry-media',
    s3Endpoint: 'http://127.0.0.1:9',
    s3PublicUrl: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'TEST', secretAccessKey: 'TEST' },
    ...overrides,
  });
  const storage = new MemoryStorage();
  const s3 = new FakeS3();
  const clock = new FakeClock();
  let id = 0;
  const presignS3 = new S3Client({
    region: config.region,
    endpoint: config.s3PublicUrl!,
    forcePathStyle: true,
    credentials: config.credentials!,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const deps: Deps<StorageWithDelete> = {
    config,
    s3: s3 as unknown as S3Client,
    presignS3,
    storage,
    now: clock.now,
    newId: () => `id-${++id}`,
  };
  return { deps, storage, s3, clock };
}

/** Creates an album through the fake storage (a counted write) and returns its stored record, which the test may change. */
export async function withAlbum(f: FakeBackend, albumId = 'album-1', ownerId = 'user-1'): Promise<AlbumRecord> {
  const now = f.clock.now().toISOString();
  await f.storage.createAlbum({ albumId, ownerId, title: 't', mediaCount: 0, createdAt: now, updatedAt: now });
  return f.storage.albums.get(`${ownerId}/${albumId}`)!;
}

/** The ApiError code a call fails with. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return err.code;
}
