/**
 * zod schemas of the HTTP API (SPEC §2). Lambda handlers validate requests with them; clients (engine,
 * CLI, UI) parse answers with them. One declaration, both ends.
 */
import { z } from 'zod';
import { errorCodes } from './errors.ts';

/** IDs that go into S3 keys: no slashes, no underscores (the generated-media separator). */
export const idSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'letters, digits and dashes, at most 64');
export const sha256Schema = z.string().regex(/^[a-f0-9]{64}$/, '64 lowercase hex digits');

export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

// ---- entities -------------------------------------------------------------------------------

export const thumbnailsSchema = z.record(z.string(), z.string());
export type Thumbnails = z.infer<typeof thumbnailsSchema>;

export const albumSchema = z.object({
  albumId: z.string(),
  title: z.string(),
  mediaCount: z.number().int(),
  coverThumbnail: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Album = z.infer<typeof albumSchema>;

export const mediaStatusSchema = z.enum(['pending', 'uploaded', 'failed']);
export type MediaStatus = z.infer<typeof mediaStatusSchema>;

export const mediaSchema = z.object({
  mediaId: z.string(),
  kind: z.enum(['album', 'generated', 'avatar']),
  albumId: z.string().optional(),
  generationId: z.string().optional(),
  filename: z.string(),
  key: z.string(),
  mimeType: z.string(),
  size: z.number(),
  sha256: z.string().optional(),
  status: mediaStatusSchema,
  error: z.object({ code: z.enum(errorCodes), message: z.string() }).optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  thumbnails: thumbnailsSchema.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Media = z.infer<typeof mediaSchema>;

export const userSchema = z.object({
  userId: z.string(),
  name: z.string().optional(),
  avatar: z
    .object({ key: z.string(), thumbnails: thumbnailsSchema.optional(), width: z.number().optional(), height: z.number().optional() })
    .optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type User = z.infer<typeof userSchema>;

export const singleUploadSchema = z.object({
  type: z.literal('single'),
  method: z.literal('PUT'),
  url: z.string(),
  headers: z.record(z.string(), z.string()),
  expiresAt: z.string(),
});
export const multipartUploadSchema = z.object({
  type: z.literal('multipart'),
  uploadId: z.string(),
  partSize: z.number().int(),
  partCount: z.number().int(),
});
export const uploadSchema = z.discriminatedUnion('type', [singleUploadSchema, multipartUploadSchema]);
export type UploadInstructions = z.infer<typeof uploadSchema>;
export type SingleUpload = z.infer<typeof singleUploadSchema>;

// ---- requests ---------------------------------------------------------------------------------

export const createAlbumRequest = z.object({ title: z.string().trim().min(1).max(200) });

/** mimeType is checked against the allow list by the handler (415, not 400), so any string passes here. */
const fileFields = {
  filename: z.string().min(1).max(1024),
  mimeType: z.string().min(1).max(255),
  size: z.number().int().nonnegative(),
};

export const albumUploadRequest = z.object({ ...fileFields, sha256: sha256Schema.optional() });
export type AlbumUploadRequest = z.infer<typeof albumUploadRequest>;

/** Most files one batch request may carry (SPEC §2): one BatchGetItem of duplicate pointers. */
export const MAX_BATCH_FILES = 100;

/** One entry of a batch: checked on its own by the handler, so a bad entry fails alone. */
export const batchUploadEntry = z.object({
  ...fileFields,
  sha256: sha256Schema,
  /** the client's own reference, echoed in that file's result */
  clientRef: z.string().min(1).max(200).optional(),
});
export type BatchUploadEntry = z.infer<typeof batchUploadEntry>;

/** `POST /albums/{albumId}/media/uploads`: only the list's length is the request's; each entry is validated alone. */
export const batchUploadRequest = z.object({
  files: z.array(z.unknown()).min(1).max(MAX_BATCH_FILES, `at most ${MAX_BATCH_FILES} files per request`),
});

export const generationUploadRequest = z.object({
  ...fileFields,
  index: z.number().int().min(0).max(9999),
  sha256: sha256Schema.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  albumId: idSchema.optional(),
});
export type GenerationUploadRequest = z.infer<typeof generationUploadRequest>;

export const avatarUploadRequest = z.object({ ...fileFields });
export type AvatarUploadRequest = z.infer<typeof avatarUploadRequest>;

export const signPartsRequest = z.object({
  partNumbers: z.array(z.number().int().min(1).max(10_000)).min(1).max(100),
  /**
   * Optional sha256 (hex) of each part, by part number. The multipart upload is created with SHA-256
   * part checksums, so on AWS each part must carry one: its URL is then signed with the checksum and
   * the part's `headers` say what to send.
   */
  checksums: z.record(z.string().regex(/^\d+$/), sha256Schema).optional(),
});
export const completeUploadRequest = z.object({
  parts: z
    .array(z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1), sha256: sha256Schema.optional() }))
    .min(1),
  /**
   * Extension of SPEC §2 (whose body is `{parts}`): the whole file's sha256, for a client that hashed
   * it while the parts streamed. The backend checks for a duplicate then, and processing checks the bytes.
   */
  sha256: sha256Schema.optional(),
});
export const mediaStatusRequest = z.object({ mediaIds: z.array(z.string().min(1).max(200)).min(1).max(100) });

// ---- answers ----------------------------------------------------------------------------------

export const healthResponse = z.object({ ok: z.literal(true) });
export const albumResponse = z.object({ album: albumSchema });
export const albumsResponse = z.object({ albums: z.array(albumSchema) });
export const mediaPageResponse = z.object({ media: z.array(mediaSchema), nextCursor: z.string().nullable() });
export const mediaResponse = z.object({ media: mediaSchema });
export const mediaListResponse = z.object({ media: z.array(mediaSchema) });
export const userResponse = z.object({ user: userSchema });

/** 201: a new pending record; 200: the same bytes are already in this album. */
export const uploadCreatedResponse = z.object({
  mediaId: z.string(),
  key: z.string(),
  status: z.literal('pending'),
  upload: uploadSchema,
});
export const uploadDuplicateResponse = z.object({
  mediaId: z.string(),
  duplicateOf: z.string(),
  status: mediaStatusSchema,
});
export const uploadResponse = z.union([uploadCreatedResponse, uploadDuplicateResponse]);
export type UploadResponse = z.infer<typeof uploadResponse>;

/** One result per file of a batch, in request order: created, duplicate, or that file's own error. */
const clientRefField = { clientRef: z.string().optional() };
export const batchUploadResult = z.union([
  uploadCreatedResponse.extend(clientRefField),
  uploadDuplicateResponse.extend(clientRefField),
  z.object({ ...clientRefField, error: errorBodySchema.shape.error }),
]);
export type BatchUploadResult = z.infer<typeof batchUploadResult>;
export const batchUploadResponse = z.object({ results: z.array(batchUploadResult) });

/**
 * `POST /media/{id}/complete`: `{media}`, plus `duplicateOf` when the sha256 given at completion
 * (an extension of SPEC §2) named bytes already uploaded in the album: the upload was then aborted.
 */
export const completeUploadResponse = z.object({ media: mediaSchema, duplicateOf: z.string().optional() });

export const uploadUrlResponse = z.object({ upload: singleUploadSchema });
export const signPartsResponse = z.object({
  parts: z.array(
    z.object({
      partNumber: z.number().int(),
      url: z.string(),
      expiresAt: z.string(),
      /** headers the PUT must carry (the part's checksum, when one was given) */
      headers: z.record(z.string(), z.string()).optional(),
    }),
  ),
});
export type SignedPart = z.infer<typeof signPartsResponse>['parts'][number];
