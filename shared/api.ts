/**
 * zod schemas of the HTTP API (SPEC §2). Lambda handlers validate requests with them; clients (engine,
 * CLI, UI) parse answers with them. One declaration, both ends.
 */
import { z } from 'zod';
import { errorCodes } from './errors.ts';

/** IDs that go into S3 keys: no slashes, no underscores (the generated-media separator). */
export const idSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'letters, digits and dashes, at most 64');
/** A media ID: an ID, or `{generationId}_{index}` for generated media. */
export const mediaIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}(_\d{1,4})?$/, 'an ID, or {generationId}_{index}');
/**
 * Every path parameter, checked before a handler reads it: DynamoDB refuses keys past its length
 * limits with an error that would otherwise surface as a 500 (a 3,000-character ID is the client's mistake).
 */
export const pathParamSchemas: Record<string, z.ZodType<string>> = { albumId: idSchema, generationId: idSchema, mediaId: mediaIdSchema };
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
  /** base64 ThumbHash, painted before any rendition loads; absent on records processed before it existed */
  thumbhash: z.string().max(64).optional(),
  /** `#rrggbb`; absent as `thumbhash` is */
  dominantColor: z.string().regex(/^#[0-9a-f]{6}$/i).optional(),
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

/**
 * Characters a file name must not carry: C0/C1 controls (NUL, newlines) and the bidirectional
 * controls that make a name display as something else (`x\u202Egnp.exe` shows as `xexe.png`).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_NAME_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
export const filenameSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((s) => s.isWellFormed(), 'must be valid UTF-16 (no lone surrogates)')
  .refine((s) => !UNSAFE_NAME_CHARS.test(s), 'must not contain control or bidirectional-control characters');

/** mimeType is checked against the allow list by the handler (415, not 400), so any string passes here. */
const fileFields = {
  filename: filenameSchema,
  mimeType: z.string().min(1).max(255),
  // A zero-byte upload can only fail later (EMPTY_FILE); it is refused here.
  size: z.number().int().positive(),
};

/** Generation metadata is stored in the media record: DynamoDB items stop at 400 KB, nesting at 32 levels. */
export const MAX_METADATA_BYTES = 64 * 1024;
export const MAX_METADATA_DEPTH = 10;

/** How deeply `value` nests, counting up to `limit + 1` at most (walks no further). */
function depthOf(value: unknown, limit: number): number {
  if (value === null || typeof value !== 'object') return 0;
  if (limit < 0) return 1;
  let deepest = 0;
  for (const v of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(v, limit - 1));
    if (deepest > limit) break;
  }
  return deepest + 1;
}

/** UTF-8 byte length (shared/ has neither Buffer nor TextEncoder in its types). */
export function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** An integer past 2^53 (a 64-bit seed, 1e200): JSON parsed it imprecisely, and the DynamoDB marshaller refuses it. */
function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(hasUnsafeInteger);
}

export const metadataSchema = z.record(z.string(), z.unknown()).superRefine((m, ctx) => {
  if (depthOf(m, MAX_METADATA_DEPTH) > MAX_METADATA_DEPTH) {
    ctx.addIssue({ code: 'custom', message: `nests deeper than ${MAX_METADATA_DEPTH} levels` });
    return;
  }
  if (hasUnsafeInteger(m)) {
    ctx.addIssue({ code: 'custom', message: 'has an integer beyond 2^53; send such numbers as strings' });
    return;
  }
  if (utf8Length(JSON.stringify(m)) > MAX_METADATA_BYTES) {
    ctx.addIssue({ code: 'custom', message: `is larger than ${MAX_METADATA_BYTES} bytes as JSON` });
  }
});

/** Creator metadata (shared/creator-metadata.ts) travels with album uploads too: A1111 and Image-Saver files are not generations. */
export const albumUploadRequest = z.object({ ...fileFields, sha256: sha256Schema.optional(), metadata: metadataSchema.optional() });
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
  metadata: metadataSchema.optional(),
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
export const mediaStatusRequest = z.object({ mediaIds: z.array(mediaIdSchema).min(1).max(100) });

// ---- answers ----------------------------------------------------------------------------------

export const healthResponse = z.object({ ok: z.literal(true) });
/**
 * `GET /auth/config` (no auth): how a native client signs in to this API (RFC 8252). `redirectUris`
 * are the loopback callbacks the app client accepts; one without a port accepts any port (RFC 8252
 * §7.3), one with a port only that port (Cognito matches callback URLs exactly).
 */
export const authConfigResponse = z.object({
  issuer: z.string().url(),
  clientId: z.string().min(1),
  scopes: z.array(z.string()),
  redirectUris: z.array(z.string().url()).min(1),
});
export type AuthConfig = z.infer<typeof authConfigResponse>;
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
