/**
 * The HTTP API client (SPEC §2): every answer parsed with the shared zod schemas, every failure turned
 * into an HttpError or NetworkError for the retry matrix. `fetch` is injected so tests can drive it.
 */
import type { z } from 'zod';
import {
  albumResponse,
  albumsResponse,
  batchUploadResponse,
  completeUploadResponse,
  errorBodySchema,
  healthResponse,
  mediaListResponse,
  mediaPageResponse,
  mediaResponse,
  signPartsResponse,
  uploadResponse,
  uploadUrlResponse,
  userResponse,
  type Album,
  type AlbumUploadRequest,
  type BatchUploadEntry,
  type BatchUploadResult,
  type GenerationUploadRequest,
  type Media,
  type SignedPart,
  type SingleUpload,
  type UploadResponse,
  type User,
} from '../../shared/api.ts';
import { HttpError, NetworkError } from './errors.ts';

/** Where the API client gets its Authorization header from. */
export interface TokenSource {
  /** a token that is still valid for a while */
  getToken(): Promise<string>;
  /** the API refused `token` with 401: a fresh one, or AuthRequiredError when there is none to be had */
  rejected(token: string): Promise<string>;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** The calls the engine makes; tests provide fakes with the same shape. */
export interface ApiClient {
  readonly baseUrl: string;
  health(signal?: AbortSignal): Promise<void>;
  listAlbums(): Promise<Album[]>;
  createAlbum(title: string): Promise<Album>;
  listAlbumMedia(albumId: string, cursor?: string): Promise<{ media: Media[]; nextCursor: string | null }>;
  requestAlbumUpload(albumId: string, body: AlbumUploadRequest, signal?: AbortSignal): Promise<UploadResponse>;
  /** Up to 100 album uploads in one request: one result per file, in order (SPEC §2). */
  requestAlbumUploads(albumId: string, files: BatchUploadEntry[], signal?: AbortSignal): Promise<BatchUploadResult[]>;
  requestGenerationUpload(generationId: string, body: GenerationUploadRequest, signal?: AbortSignal): Promise<UploadResponse>;
  refreshUploadUrl(mediaId: string, signal?: AbortSignal): Promise<SingleUpload>;
  /** `checksums`: sha256 (hex) by part number; AWS requires one per part for an upload created with SHA-256 checksums */
  signParts(mediaId: string, partNumbers: number[], signal?: AbortSignal, checksums?: Record<string, string>): Promise<SignedPart[]>;
  /**
   * Completes a multipart upload. `sha256`, the whole file's hash when it was computed while the parts
   * streamed, lets the backend find a duplicate now (an extension of SPEC §2): `duplicateOf` is then
   * set and the upload was aborted.
   */
  completeUpload(
    mediaId: string,
    parts: { partNumber: number; etag: string; sha256?: string }[],
    signal?: AbortSignal,
    sha256?: string,
  ): Promise<{ media: Media; duplicateOf?: string | undefined }>;
  abortUpload(mediaId: string): Promise<void>;
  getMedia(mediaId: string, signal?: AbortSignal): Promise<Media>;
  /** `DELETE /media/{id}`: the original, its renditions and the record. */
  deleteMedia(mediaId: string): Promise<void>;
  /** the signed-in user (its ID binds queue rows to this backend and account) */
  me(signal?: AbortSignal): Promise<User>;
  mediaStatus(mediaIds: string[], signal?: AbortSignal): Promise<Media[]>;
}

/**
 * Builds the real client over `fetch`. `token` is a fixed bearer token (the embedded backend's,
 * `--token`), or a TokenSource (a saved login): then a 401 gets one fresh token and one more try.
 */
export function createApiClient(opts: { baseUrl: string; token: string | TokenSource; fetch?: FetchLike; timeoutMs?: number }): ApiClient {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? ((url, init) => fetch(url, init));
  const timeoutMs = opts.timeoutMs ?? 30_000;

  const source = typeof opts.token === 'string' ? undefined : opts.token;

  async function send(method: string, path: string, token: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      return await doFetch(baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: combined,
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : err;
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new NetworkError(`${method} ${path}: ${cause?.code ?? (err as Error).message}`, cause?.code ?? (err as Error).name, { cause: err });
    }
  }

  async function call<S extends z.ZodType>(method: string, path: string, schema: S | null, body?: unknown, signal?: AbortSignal): Promise<z.infer<S>> {
    let token = source ? await source.getToken() : (opts.token as string);
    let res = await send(method, path, token, body, signal);
    if (res.status === 401 && source) {
      // An access token can expire between the check and the API's (clock skew, a long request), or be
      // revoked: one fresh token and one more try. The source throws AuthRequiredError when there is none.
      await res.body?.cancel().catch(() => undefined);
      token = await source.rejected(token);
      res = await send(method, path, token, body, signal);
      // A second 401 for a token minted just now is not expiry: the source gives up on the login (throws).
      if (res.status === 401) await source.rejected(token);
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      let parsed: z.infer<typeof errorBodySchema> | undefined;
      try {
        parsed = errorBodySchema.parse(JSON.parse(text));
      } catch {
        parsed = undefined;
      }
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new HttpError(res.status, parsed?.error.message ?? `${method} ${path}: HTTP ${res.status}`, {
        ...(parsed ? { code: parsed.error.code } : {}),
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      });
    }
    if (!schema) return undefined as z.infer<S>;
    return schema.parse(text ? JSON.parse(text) : {}) as z.infer<S>;
  }

  const enc = encodeURIComponent;
  return {
    baseUrl,
    health: async (signal) => {
      await call('GET', '/health', healthResponse, undefined, signal);
    },
    listAlbums: async () => (await call('GET', '/albums', albumsResponse)).albums,
    createAlbum: async (title) => (await call('POST', '/albums', albumResponse, { title })).album,
    listAlbumMedia: async (albumId, cursor) =>
      call('GET', `/albums/${enc(albumId)}/media${cursor ? `?cursor=${enc(cursor)}` : ''}`, mediaPageResponse),
    requestAlbumUpload: (albumId, body, signal) => call('POST', `/albums/${enc(albumId)}/media/upload`, uploadResponse, body, signal),
    requestAlbumUploads: async (albumId, files, signal) =>
      (await call('POST', `/albums/${enc(albumId)}/media/uploads`, batchUploadResponse, { files }, signal)).results,
    requestGenerationUpload: (generationId, body, signal) =>
      call('POST', `/generations/${enc(generationId)}/media/upload`, uploadResponse, body, signal),
    refreshUploadUrl: async (mediaId, signal) => (await call('POST', `/media/${enc(mediaId)}/upload-url`, uploadUrlResponse, {}, signal)).upload,
    signParts: async (mediaId, partNumbers, signal, checksums) =>
      (await call('POST', `/media/${enc(mediaId)}/parts`, signPartsResponse, { partNumbers, ...(checksums ? { checksums } : {}) }, signal)).parts,
    completeUpload: (mediaId, parts, signal, sha256) =>
      call('POST', `/media/${enc(mediaId)}/complete`, completeUploadResponse, { parts, ...(sha256 ? { sha256 } : {}) }, signal),
    abortUpload: async (mediaId) => {
      await call('DELETE', `/media/${enc(mediaId)}/upload`, null);
    },
    deleteMedia: async (mediaId) => {
      await call('DELETE', `/media/${enc(mediaId)}`, null);
    },
    me: async (signal) => (await call('GET', '/users/me', userResponse, undefined, signal)).user,
    getMedia: async (mediaId, signal) => (await call('GET', `/media/${enc(mediaId)}`, mediaResponse, undefined, signal)).media,
    mediaStatus: async (mediaIds, signal) => (await call('POST', '/media/status', mediaListResponse, { mediaIds }, signal)).media,
  };
}
