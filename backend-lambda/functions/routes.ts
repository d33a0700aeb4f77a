/**
 * Every HTTP route (SPEC §2) and the function that serves it. The embedded backend's adapter and the
 * CDK stack both walk this table, so a route exists in both places or in neither.
 */
export const apiRoutes = [
  { routeKey: 'GET /health', fn: 'health', auth: false },
  { routeKey: 'GET /auth/config', fn: 'auth-config', auth: false },
  { routeKey: 'POST /albums', fn: 'create-album', auth: true },
  { routeKey: 'GET /albums', fn: 'list-albums', auth: true },
  { routeKey: 'GET /albums/{albumId}/media', fn: 'list-album-media', auth: true },
  { routeKey: 'POST /albums/{albumId}/media/upload', fn: 'request-album-upload', auth: true },
  { routeKey: 'POST /albums/{albumId}/media/uploads', fn: 'request-album-uploads', auth: true },
  { routeKey: 'POST /generations/{generationId}/media/upload', fn: 'request-generation-upload', auth: true },
  { routeKey: 'POST /users/me/avatar/upload', fn: 'request-avatar-upload', auth: true },
  { routeKey: 'POST /media/{mediaId}/upload-url', fn: 'refresh-upload-url', auth: true },
  { routeKey: 'POST /media/{mediaId}/parts', fn: 'sign-parts', auth: true },
  { routeKey: 'POST /media/{mediaId}/complete', fn: 'complete-upload', auth: true },
  { routeKey: 'DELETE /media/{mediaId}/upload', fn: 'abort-upload', auth: true },
  { routeKey: 'GET /media/{mediaId}', fn: 'get-media', auth: true },
  { routeKey: 'DELETE /media/{mediaId}', fn: 'delete-media', auth: true },
  { routeKey: 'POST /media/status', fn: 'media-status', auth: true },
  { routeKey: 'GET /generations/{generationId}/media', fn: 'list-generation-media', auth: true },
  { routeKey: 'GET /users/me', fn: 'get-me', auth: true },
] as const;

export type ApiFunctionName = (typeof apiRoutes)[number]['fn'];

/** Functions not behind the HTTP API: S3 events and the schedule. */
export const eventFunctions = {
  processUpload: 'process-upload',
  /** consumes process-upload's dead-letter queue (AWS only; the embedded dispatcher does it in-process) */
  processUploadFailed: 'process-upload-failed',
  cleanupPending: 'cleanup-pending',
} as const;

/** Each function lives in `functions/{fn}.ts` and exports `handler`. */
export function functionEntry(fn: string): string {
  return `${fn}.ts`;
}
