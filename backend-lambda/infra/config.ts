/**
 * Deploy-time settings, read from CDK context (`-c key=value` or `cdk.json`) so that one template
 * fits every account: nothing here is looked up from AWS, which is what keeps `npm run synth` offline.
 */
import type { Node } from 'constructs';

/** Where thumbnail URLs point: the stack's CloudFront, a base URL of the user's, or presigned GETs. */
export type ThumbnailUrls = { kind: 'cloudfront' } | { kind: 'baseUrl'; baseUrl: string } | { kind: 'presigned' };

export interface InfraConfig {
  thumbnails: ThumbnailUrls;
  /** Largest upload the API will presign, in bytes. */
  maxUploadBytes: number;
  /** Age after which the clean-up job fails a record still pending. */
  pendingMaxAgeSeconds: number;
  /** Reserved concurrency for process-upload; undefined leaves it unreserved. */
  processUploadConcurrency: number | undefined;
  /** How often the clean-up job runs. */
  cleanupEveryMinutes: number;
  /** Days after which an original whose record failed (tagged `ferry-status=failed`) is deleted. */
  failedOriginalDays: number;
  /** Prefix of the hosted sign-in domain (`{prefix}.auth.{region}.amazoncognito.com`); undefined: `{stack}-{account}`. */
  authDomainPrefix: string | undefined;
  /** Loopback ports `ferry login` may listen on; each becomes a callback URL (Cognito matches them exactly). */
  loginCallbackPorts: number[];
}

// 5 GiB: the largest object one S3 PUT can create; multipart could go higher (10,000 × 5 GiB) but a
// gallery has no use for it, and the limit keeps a mistaken drop of a disk image from costing money.
const DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 ** 3;
// A day: long enough for a laptop that sleeps overnight mid-upload, short enough that abandoned
// multipart parts do not sit in the bucket for long (the lifecycle rule is the backstop at 7 days).
const DEFAULT_PENDING_MAX_AGE_SECONDS = 24 * 60 * 60;
// Caps Sharp's parallel decodes at 2 GB each so a bulk upload cannot exhaust the account's
// concurrency (1,000 by default) that the API functions share.
const DEFAULT_PROCESS_UPLOAD_CONCURRENCY = 20;
// A month: long enough to look at why an upload failed (the record says, the bytes are still there),
// short enough that a failed 5 GiB original does not cost storage for long.
const DEFAULT_FAILED_ORIGINAL_DAYS = 30;
// Three, so a second `ferry login` (or another program) holding the first port is no dead end. In
// the dynamic range (IANA: 49152-65535), which services do not claim.
const DEFAULT_LOGIN_CALLBACK_PORTS = [53682, 53683, 53684];

/** Reads and validates the Ferry context keys; throws naming the key on a bad value. */
export function readInfraConfig(node: Node): InfraConfig {
  const concurrency = stringContext(node, 'processUploadConcurrency');
  return {
    thumbnails: thumbnailUrls(stringContext(node, 'thumbnailBaseUrl')),
    maxUploadBytes: positiveInt(node, 'maxUploadBytes', DEFAULT_MAX_UPLOAD_BYTES),
    pendingMaxAgeSeconds: positiveInt(node, 'pendingMaxAgeSeconds', DEFAULT_PENDING_MAX_AGE_SECONDS),
    // "none" exists for new accounts whose concurrency quota is 10: Lambda refuses any reservation
    // that takes the unreserved pool below its minimum (100, or the whole quota when it is that small).
    processUploadConcurrency: concurrency === 'none' ? undefined : positiveInt(node, 'processUploadConcurrency', DEFAULT_PROCESS_UPLOAD_CONCURRENCY),
    cleanupEveryMinutes: positiveInt(node, 'cleanupEveryMinutes', 15),
    failedOriginalDays: positiveInt(node, 'failedOriginalDays', DEFAULT_FAILED_ORIGINAL_DAYS),
    authDomainPrefix: domainPrefix(stringContext(node, 'authDomainPrefix')),
    loginCallbackPorts: ports(stringContext(node, 'loginCallbackPorts')),
  };
}

function domainPrefix(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // Cognito's rule for prefix domains; it also refuses "aws", "amazon" and "cognito" inside one.
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(raw) || /aws|amazon|cognito/.test(raw)) {
    throw new Error(`context authDomainPrefix must be lowercase letters, digits and hyphens without "aws", "amazon" or "cognito", got "${raw}"`);
  }
  return raw;
}

function ports(raw: string | undefined): number[] {
  if (raw === undefined) return DEFAULT_LOGIN_CALLBACK_PORTS;
  const list = raw.split(',').map((p) => Number(p.trim()));
  if (list.length === 0 || list.some((p) => !Number.isInteger(p) || p < 1024 || p > 65535)) {
    throw new Error(`context loginCallbackPorts must be comma-separated ports from 1024 to 65535, got "${raw}"`);
  }
  return list;
}

function thumbnailUrls(raw: string | undefined): ThumbnailUrls {
  if (raw === undefined) return { kind: 'cloudfront' };
  // "presigned" is for accounts where CloudFront is not available yet (new accounts may need to be
  // verified first): the handlers then sign GETs with their role, as the embedded backend does.
  if (raw === 'presigned') return { kind: 'presigned' };
  if (!/^https?:\/\/[^\s]+$/.test(raw)) throw new Error(`context thumbnailBaseUrl must be an http(s) URL or "presigned", got "${raw}"`);
  return { kind: 'baseUrl', baseUrl: raw.replace(/\/+$/, '') };
}

function stringContext(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

function positiveInt(node: Node, key: string, fallback: number): number {
  const raw = stringContext(node, key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`context ${key} must be a positive integer, got "${raw}"`);
  return n;
}
