/**
 * What the cores ask of the table, as an interface: records in, records out, no table keys, no SDK.
 * `dynamo-reads.ts` and `dynamo-storage.ts` implement it over DynamoDB (the only files that send
 * DynamoDB commands); unit tests give a core an in-memory fake (test/helpers/fake-backend.ts).
 * Timestamps are passed in, so a fake clock drives them.
 */
import type { ErrorCode, Media, MediaStatus } from '../../../shared/index.ts';

/** A media record as the cores see it. `key` is the original's S3 object key (shared/object-keys.ts). */
export interface MediaRecord {
  mediaId: string;
  ownerId: string;
  kind: Media['kind'];
  albumId?: string;
  generationId?: string;
  filename: string;
  key: string;
  mimeType: string;
  size: number;
  sha256?: string;
  status: MediaStatus;
  error?: { code: ErrorCode; message: string };
  width?: number;
  height?: number;
  /** rendition name → S3 object key; turned into URLs when read (records.ts) */
  thumbnailKeys?: Record<string, string>;
  thumbhash?: string;
  dominantColor?: string;
  metadata?: Record<string, unknown>;
  /** multipart upload ID while pending */
  uploadId?: string;
  partSize?: number;
  partCount?: number;
  createdAt: string;
  updatedAt: string;
}

export interface AlbumRecord {
  albumId: string;
  ownerId: string;
  title: string;
  mediaCount: number;
  /** S3 object key of the cover rendition */
  coverKey?: string;
  createdAt: string;
  updatedAt: string;
}

export interface AvatarRecord {
  key: string;
  thumbnailKeys?: Record<string, string>;
  width?: number;
  height?: number;
}

export interface UserRecord {
  userId: string;
  name?: string;
  avatar?: AvatarRecord;
  createdAt: string;
  updatedAt: string;
}

/** A new pending record; `generationIndex` orders a generation's media (it lives only in the index). */
export type NewPendingMedia = MediaRecord & { status: 'pending'; generationIndex?: number | undefined };

/** What the pending → uploaded transition writes. */
export interface UploadedFields {
  size: number;
  width?: number | undefined;
  height?: number | undefined;
  thumbnailKeys?: Record<string, string> | undefined;
  /** placeholders from the same decode (images only; absent on records processed before them) */
  thumbhash?: string | undefined;
  dominantColor?: string | undefined;
}

export interface AlbumMediaPage {
  items: MediaRecord[];
  /** opaque; null on the last page */
  nextCursor: string | null;
}

/** The reads, all a function needs when IAM lets it only read. */
export interface StorageReads {
  getMedia(mediaId: string): Promise<MediaRecord | undefined>;
  /** Up to 100 records in one round; unknown IDs are left out. */
  getMediaBatch(mediaIds: readonly string[]): Promise<MediaRecord[]>;
  /** The album if `ownerId` owns it (another user's album is simply not there). */
  getAlbum(ownerId: string, albumId: string): Promise<AlbumRecord | undefined>;
  /** The owner's albums, newest first. */
  listAlbums(ownerId: string): Promise<AlbumRecord[]>;
  /** One page of an album's media, newest first; a cursor from another album is INVALID_REQUEST. */
  listAlbumMedia(albumId: string, page: { cursor?: string | undefined; limit: number }): Promise<AlbumMediaPage>;
  /** An `uploaded` record with these bytes in this album, if any. */
  findUploadedDuplicate(albumId: string, sha256: string): Promise<MediaRecord | undefined>;
  /**
   * Up to 100 sha256s at once: sha256 → the media ID already uploaded with those bytes in this album.
   * Key reads of the duplicate pointers `markUploaded` writes (one BatchGetItem), so media uploaded
   * before pointers existed are not found here (docs/DYNAMODB.md).
   */
  findUploadedDuplicates(albumId: string, sha256s: readonly string[]): Promise<Map<string, string>>;
  /** A generation's media in index order (every owner's: the caller filters). */
  listGenerationMedia(generationId: string): Promise<MediaRecord[]>;
  /** Pending records created before `createdBefore` (all of them without it), oldest first per shard, at most `limit`. */
  listPending(query: { createdBefore?: string; limit: number }): Promise<MediaRecord[]>;
  getUser(userId: string): Promise<UserRecord | undefined>;
}

/** The table, as the cores need it. Every "false" means a conditional write lost: someone else decided first. */
export interface Storage extends StorageReads {
  /** Creates the user's profile if it does not exist yet (and its name, if it has none). */
  ensureUser(userId: string, now: string, name?: string): Promise<void>;
  /**
   * Claims a generation for `ownerId` if nobody has (SPEC §2: the first upload that names it owns
   * it); true when it is theirs now or already was, false when it is someone else's.
   */
  claimGeneration(generationId: string, ownerId: string, now: string): Promise<boolean>;
  /** Creates an album; false if that ID already exists. */
  createAlbum(album: AlbumRecord): Promise<boolean>;
  /**
   * Writes a new pending record; false if the ID is taken. `replaceFailed`: a failed record of the
   * same owner may be replaced (a generated media ID is chosen by the client, so a retry reuses it).
   */
  createPendingMedia(media: NewPendingMedia, options?: { replaceFailed?: boolean }): Promise<boolean>;
  /**
   * Up to 100 new pending records under fresh server-made IDs, in batched writes. Returns the IDs that
   * were not written (throttled past the retries); the caller answers those entries with an error.
   */
  createPendingMediaBatch(media: readonly NewPendingMedia[]): Promise<string[]>;
  /**
   * Sets the sha256 of a pending record whose client only knew it at the end (a multipart upload
   * hashed while its parts streamed), with the duplicate index attributes; false unless pending.
   */
  setPendingSha256(mediaId: string, albumId: string | undefined, sha256: string, now: string): Promise<boolean>;
  /**
   * pending → uploaded, clearing the error and the multipart upload ID. An album record with a sha256
   * also gets its duplicate pointer (album, sha256) → mediaId, which `findUploadedDuplicates` reads.
   */
  markUploaded(mediaId: string, fields: UploadedFields, now: string): Promise<boolean>;
  /** pending → failed with this error. */
  failPending(mediaId: string, error: { code: ErrorCode; message: string }, now: string): Promise<boolean>;
  /** One more media in the album (atomic), and its cover if it has none; false if the album is gone. */
  countAlbumUpload(ownerId: string, albumId: string, coverKey: string | undefined, now: string): Promise<boolean>;
  /** The user's avatar (creating the profile if needed). */
  setAvatar(userId: string, avatar: AvatarRecord, now: string): Promise<void>;
}

/** Storage plus deleting media: only DELETE /media/{id} gets it (its own IAM grant of DeleteItem). */
export interface StorageWithDelete extends Storage {
  /** Removes a media record; answers the record as it was, or undefined if it was already gone. */
  deleteMedia(mediaId: string): Promise<MediaRecord | undefined>;
  /**
   * One media fewer in the album (never below 0). With `cover`: when the album's cover is still
   * `removedCover`, it becomes `newCover` (or none). False when nothing was uncounted (the album is
   * gone, or its count is already 0).
   */
  uncountAlbumMedia(ownerId: string, albumId: string, cover: { removedCover: string; newCover: string | undefined } | undefined, now: string): Promise<boolean>;
}
