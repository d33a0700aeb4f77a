/**
 * Backend configuration, read from the environment in this one place. The CDK stack sets the same
 * names on each Lambda; the embedded backend builds the object directly.
 */
export interface BackendConfig {
  region: string;
  tableName: string;
  bucketName: string;
  /** S3 endpoint the backend itself talks to (local only; unset on AWS). */
  s3Endpoint?: string;
  /** S3 address put into presigned URLs (a proxy, tunnel or LAN name); defaults to s3Endpoint. */
  s3PublicUrl?: string;
  /** DynamoDB endpoint (local only). */
  dynamodbEndpoint?: string;
  /** A Unix socket DynamoDB listens on (the embedded backend's; no TCP port exists). */
  dynamodbSocket?: string;
  /** When set, thumbnail URLs are `{publicBaseUrl}/{key}`; otherwise presigned GETs. */
  publicBaseUrl?: string;
  maxUploadBytes: number;
  pendingMaxAgeSeconds: number;
  /** Static credentials (local only: the embedded store's per-install key); on AWS the role's. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Presigned URLs last minutes: long enough for one part, short enough to be useless when leaked. */
  presignExpiresSeconds: number;
  /** Pixel limit against decompression bombs (width × height of the source). */
  maxInputPixels: number;
  /** Images larger than this are not decoded (their bytes are held in memory once). */
  maxImageBytes: number;
  /** Where clients sign in (`GET /auth/config`): unset on the embedded backend's local-token mode. */
  oidc?: { issuer: string; clientId: string; scopes: string[]; redirectUris: string[] };
}

export const DEFAULTS = {
  maxUploadBytes: 5 * 1024 * 1024 * 1024,
  pendingMaxAgeSeconds: 24 * 3600,
  presignExpiresSeconds: 15 * 60,
  maxInputPixels: 100_000_000,
  maxImageBytes: 128 * 1024 * 1024,
} as const;

function num(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

/** Reads TABLE_NAME, BUCKET_NAME, S3_ENDPOINT, S3_PUBLIC_URL, DYNAMODB_ENDPOINT, DYNAMODB_SOCKET, PUBLIC_BASE_URL, MAX_UPLOAD_BYTES, PENDING_MAX_AGE_SECONDS, OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_SCOPES, OIDC_REDIRECT_URIS, ... */
export function configFromEnv(env: Record<string, string | undefined> = process.env): BackendConfig {
  return {
    region: env.AWS_REGION ?? 'us-east-1',
    tableName: required(env, 'TABLE_NAME'),
    bucketName: required(env, 'BUCKET_NAME'),
    s3Endpoint: env.S3_ENDPOINT || undefined,
    s3PublicUrl: env.S3_PUBLIC_URL || undefined,
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    dynamodbSocket: env.DYNAMODB_SOCKET || undefined,
    publicBaseUrl: env.PUBLIC_BASE_URL?.replace(/\/+$/, '') || undefined,
    maxUploadBytes: num(env, 'MAX_UPLOAD_BYTES', DEFAULTS.maxUploadBytes),
    pendingMaxAgeSeconds: num(env, 'PENDING_MAX_AGE_SECONDS', DEFAULTS.pendingMaxAgeSeconds),
    presignExpiresSeconds: num(env, 'PRESIGN_EXPIRES_SECONDS', DEFAULTS.presignExpiresSeconds),
    maxInputPixels: num(env, 'MAX_INPUT_PIXELS', DEFAULTS.maxInputPixels),
    maxImageBytes: num(env, 'MAX_IMAGE_BYTES', DEFAULTS.maxImageBytes),
    ...(env.OIDC_ISSUER && env.OIDC_CLIENT_ID
      ? {
          oidc: {
            issuer: env.OIDC_ISSUER,
            clientId: env.OIDC_CLIENT_ID,
            scopes: (env.OIDC_SCOPES ?? 'openid email').split(/\s+/).filter(Boolean),
            redirectUris: (env.OIDC_REDIRECT_URIS ?? 'http://127.0.0.1/callback').split(/\s+/).filter(Boolean),
          },
        }
      : {}),
  };
}
