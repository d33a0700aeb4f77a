/** The embedded S3 store's per-install key pair, made on first start and kept 0600 under the data dir. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadOrCreateSecret } from './private-files.ts';
import type { S3Key } from './s3-auth.ts';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** An access key ID shaped like AWS's (20 upper-case characters), recognisably Ferry's. */
function newAccessKeyId(): string {
  return 'FERRY' + Array.from(randomBytes(15), (b) => BASE32[b % 32]).join('');
}

/** Reads `{backendDir}/s3-key.json`, creating it (mode 0600) on first start. */
export function loadS3Key(backendDir: string): Promise<S3Key> {
  return loadOrCreateSecret(
    join(backendDir, 's3-key.json'),
    (saved) =>
      typeof saved.accessKeyId === 'string' && typeof saved.secretAccessKey === 'string' ? { accessKeyId: saved.accessKeyId, secretAccessKey: saved.secretAccessKey } : undefined,
    // 30 random bytes: 240 bits, written as 40 characters like an AWS secret.
    () => ({ accessKeyId: newAccessKeyId(), secretAccessKey: randomBytes(30).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B') }),
  );
}
