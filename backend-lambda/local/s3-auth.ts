/**
 * SigV4 verification for the embedded S3 store, as AWS S3 does it: the signature in the
 * Authorization header or in a presigned URL's query is recomputed with the SDK's own signer
 * (`@smithy/signature-v4`) over exactly the headers and query the request declares, then compared
 * in constant time. Dates, expiry, scope and the rule that every `x-amz-*` header is signed are
 * checked here too; the body's hashes are checked while it streams (s3-body.ts).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest, SourceData } from '@smithy/types';

export interface S3Key {
  accessKeyId: string;
  secretAccessKey: string;
}

/** An S3 error answer: S3's code, its HTTP status, and a sentence. */
export interface S3Refusal {
  status: number;
  code: string;
  message: string;
}

export interface VerifyInput {
  method: string;
  /** the request target as received: path and query, still percent-encoded */
  url: string;
  headers: IncomingHttpHeaders;
  now: Date;
}

/** S3 allows 15 minutes between the signer's clock and its own. */
const MAX_SKEW_MS = 15 * 60 * 1000;
/** SigV4 presigned URLs live at most a week. */
const MAX_EXPIRES_S = 7 * 24 * 3600;
const ALGORITHM = 'AWS4-HMAC-SHA256';
/** The payload hash S3 puts in a presigned request's canonical form. */
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** node:crypto behind the Checksum interface the signer expects (what @smithy/hash-node does). */
export class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

const refuse = (status: number, code: string, message: string): S3Refusal => ({ status, code, message });
const denied = (message: string) => refuse(403, 'AccessDenied', message);
const mismatch = () => refuse(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');

/** RFC 3986 encoding of one path segment or query part, as SigV4 wants it. */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Decodes a percent-encoded component; undefined when the escapes are malformed. */
function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** `X-Amz-Date` form (20240102T030405Z) to a Date; undefined when malformed. */
function parseAmzDate(s: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? '');
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

interface Declared {
  credential: string;
  signedHeaders: string;
  signature: string;
  date: Date;
}

/** The scope a credential names must be ours: our key, the signing day, our region, s3. */
function checkCredential(credential: string, key: S3Key, region: string, date: Date): S3Refusal | undefined {
  const [akid, day, scopeRegion, service, terminator, ...rest] = credential.split('/');
  if (rest.length || terminator !== 'aws4_request' || service !== 's3' || !day) {
    return refuse(400, 'AuthorizationHeaderMalformed', 'The credential scope is malformed.');
  }
  if (!akid || !safeEqual(akid, key.accessKeyId)) return refuse(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  if (scopeRegion !== region) return refuse(400, 'AuthorizationHeaderMalformed', `The region '${scopeRegion}' is wrong; expecting '${region}'.`);
  if (day !== date.toISOString().slice(0, 10).replace(/-/g, '')) return refuse(400, 'AuthorizationHeaderMalformed', 'The credential date does not match the request date.');
  return undefined;
}

/** Parses the target into a signer request over the declared headers only; a refusal if it cannot be. */
function signableRequest(input: VerifyInput, signed: string[], dropQuery?: string): HttpRequest | S3Refusal {
  const q = input.url.indexOf('?');
  const rawPath = q === -1 ? input.url : input.url.slice(0, q);
  const rawQuery = q === -1 ? '' : input.url.slice(q + 1);
  // S3 signs each path segment URI-encoded once; re-encoding the decoded path makes a client's
  // optional escapes (`%7E` for `~`) canonical, as S3 does.
  const segments = rawPath.split('/').map(decode);
  if (segments.some((s) => s === undefined)) return refuse(400, 'InvalidURI', "Couldn't parse the specified URI.");
  const path = (segments as string[]).map(rfc3986).join('/');
  const query: Record<string, string | string[]> = {};
  for (const pair of rawQuery ? rawQuery.split('&') : []) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const k = decode(eq === -1 ? pair : pair.slice(0, eq));
    const v = decode(eq === -1 ? '' : pair.slice(eq + 1));
    if (k === undefined || v === undefined) return refuse(400, 'InvalidURI', "Couldn't parse the specified URI.");
    if (k === dropQuery) continue;
    const prev = query[k];
    query[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = headerValue(input.headers, name);
    // A declared header the request lacks can never verify; S3 answers a signature mismatch.
    if (value === undefined) return mismatch();
    headers[name] = value;
  }
  // Every x-amz-* header S3 acts on must be covered by the signature (S3's HeadersNotSigned).
  const unsigned = Object.keys(input.headers).filter((h) => h.startsWith('x-amz-') && !signed.includes(h));
  if (unsigned.length) return denied(`There were headers present in the request which were not signed: ${unsigned.join(', ')}`);
  return { method: input.method, protocol: 'http:', hostname: 'localhost', path, query, headers } as HttpRequest;
}

/** Verifies SigV4 on the embedded store's requests against the per-install key. */
export class SigV4Verifier {
  private readonly signer: SignatureV4;
  private readonly key: S3Key;
  private readonly region: string;

  constructor(key: S3Key, region: string) {
    this.key = key;
    this.region = region;
    // uriEscapePath false: S3 (unlike other services) signs the path encoded once, as sent.
    this.signer = new SignatureV4({ credentials: key, region, service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: true });
  }

  /** undefined when the request is signed with our key and still valid; otherwise why not. */
  async verify(input: VerifyInput): Promise<S3Refusal | undefined> {
    const authorization = headerValue(input.headers, 'authorization');
    const presigned = /[?&]X-Amz-Algorithm=/.test(input.url);
    if (authorization && presigned) return refuse(400, 'InvalidArgument', 'Only one auth mechanism allowed.');
    if (authorization) return this.verifyHeader(input, authorization);
    if (presigned) return this.verifyQuery(input);
    if (/[?&](Signature|AWSAccessKeyId)=/.test(input.url)) return refuse(400, 'InvalidRequest', 'Signature version 2 is not supported; use AWS4-HMAC-SHA256.');
    return denied('Anonymous access is not allowed.');
  }

  private async verifyHeader(input: VerifyInput, authorization: string): Promise<S3Refusal | undefined> {
    const m = /^AWS4-HMAC-SHA256 +Credential=([^,\s]+), *SignedHeaders=([a-z0-9;-]+), *Signature=([0-9a-f]{64})$/.exec(authorization.trim());
    if (!m) return refuse(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.');
    const date = parseAmzDate(headerValue(input.headers, 'x-amz-date'));
    if (!date) return denied('AWS authentication requires a valid x-amz-date header.');
    if (Math.abs(input.now.getTime() - date.getTime()) > MAX_SKEW_MS) {
      return refuse(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
    }
    const declared: Declared = { credential: m[1]!, signedHeaders: m[2]!, signature: m[3]!, date };
    const bad = checkCredential(declared.credential, this.key, this.region, date);
    if (bad) return bad;
    const signed = declared.signedHeaders.split(';');
    if (!signed.includes('host')) return denied('The host header must be signed.');
    if (!headerValue(input.headers, 'x-amz-content-sha256')) return refuse(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    const request = signableRequest(input, signed);
    if ('status' in request) return request;
    const result = await this.signer.sign(request, { signingDate: date, signableHeaders: new Set(signed) });
    const expected = /SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(String(result.headers.authorization ?? ''));
    if (!expected || expected[1] !== declared.signedHeaders || !safeEqual(expected[2]!, declared.signature)) return mismatch();
    return undefined;
  }

  private async verifyQuery(input: VerifyInput): Promise<S3Refusal | undefined> {
    const params = new URLSearchParams(input.url.slice(input.url.indexOf('?') + 1));
    if (params.get('X-Amz-Algorithm') !== ALGORITHM) return refuse(400, 'AuthorizationQueryParametersError', `X-Amz-Algorithm only supports "${ALGORITHM}"`);
    const date = parseAmzDate(params.get('X-Amz-Date') ?? undefined);
    const expires = Number(params.get('X-Amz-Expires'));
    const credential = params.get('X-Amz-Credential');
    const signedHeaders = params.get('X-Amz-SignedHeaders');
    const signature = params.get('X-Amz-Signature');
    if (!date || !credential || !signedHeaders || !signature || !Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES_S) {
      return refuse(400, 'AuthorizationQueryParametersError', 'The presigned URL is missing or has malformed X-Amz-* parameters.');
    }
    if (!/^[0-9a-f]{64}$/.test(signature)) return mismatch();
    if (input.now.getTime() > date.getTime() + expires * 1000) return denied('Request has expired');
    if (date.getTime() - input.now.getTime() > MAX_SKEW_MS) return denied('Request is not valid yet');
    const bad = checkCredential(credential, this.key, this.region, date);
    if (bad) return bad;
    const signed = signedHeaders.split(';');
    if (!signed.includes('host')) return denied('The host header must be signed.');
    const request = signableRequest(input, signed, 'X-Amz-Signature');
    if ('status' in request) return request;
    // presign() reads the payload hash from an x-amz-content-sha256 header when one is signed; else
    // a body that is not bytes makes it use UNSIGNED-PAYLOAD, which is what S3 expects here.
    const result = await this.signer.presign(
      { ...request, body: signed.includes('x-amz-content-sha256') ? undefined : UNSIGNED_PAYLOAD_BODY },
      {
        signingDate: date,
        expiresIn: expires,
        // Nothing may move into the query: the headers are compared as the client signed them.
        unhoistableHeaders: new Set(signed),
        signableHeaders: new Set(signed),
      },
    );
    const got = result.query ?? {};
    if (got['X-Amz-SignedHeaders'] !== signedHeaders || typeof got['X-Amz-Signature'] !== 'string' || !safeEqual(got['X-Amz-Signature'], signature)) {
      return mismatch();
    }
    return undefined;
  }
}

/** Not bytes, so the signer's payload hash is UNSIGNED-PAYLOAD (see getPayloadHash in @smithy/signature-v4). */
const UNSIGNED_PAYLOAD_BODY = { unsigned: UNSIGNED_PAYLOAD };

/** Renders an S3 error document. */
export function s3ErrorXml(refusal: S3Refusal, requestId: string): string {
  const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(refusal.code)}</Code><Message>${esc(refusal.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
}
