/**
 * Electron's security checklist in one place: the CSP, the app:// origin the renderer loads from,
 * and the sender check every IPC call passes before the engine sees it.
 */
import type { WebContents, WebFrameMain } from 'electron';

/** The renderer's origin: a custom standard scheme, so nothing is loaded over http or file://. */
export const appOrigin = 'app://ferry';
export const appHost = 'ferry';

/** No remote code, no eval; images may come from the backend's S3 (thumbnails are presigned URLs). */
export const appCsp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  'img-src app: https: http: data: blob:',
  "connect-src 'none'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** True only for the main frame of our own window, loaded from app://ferry. */
export function isTrustedSender(sender: WebContents, frame: WebFrameMain | null, trusted: WebContents | undefined): boolean {
  if (!trusted || sender.id !== trusted.id || !frame) return false;
  if (frame !== sender.mainFrame) return false;
  try {
    // WHATWG URL gives custom schemes an opaque "null" origin, so compare scheme and host instead.
    const url = new URL(frame.url);
    return url.protocol === 'app:' && url.host === appHost;
  } catch {
    return false;
  }
}
