/** The embedded S3 store's per-install key pair, made on first start and kept 0600 under the data dir. */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Key } from './s3-auth.ts';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** An access key ID shaped like AWS's (20 upper-case characters), recognisably Ferry's. */
function newAccessKeyId(): string {
  return 'FERRY' + Array.from(randomBytes(15), (b) => BASE32[b % 32]).join('');
}

/** Reads `{backendDir}/s3-key.json`, creating it (mode 0600) on first start. */
export async function loadS3Key(backendDir: string): Promise<S3Key> {
  const file = join(backendDir, 's3-key.json');
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as Partial<S3Key>;
    if (typeof saved.accessKeyId === 'string' && typeof saved.secretAccessKey === 'string') return { accessKeyId: saved.accessKeyId, secretAccessKey: saved.secretAccessKey };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // 30 random bytes: 240 bits, written as 40 characters like an AWS secret.
  const key = { accessKeyId: newAccessKeyId(), secretAccessKey: randomBytes(30).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B') };
  // wx: two backends starting at once on a fresh dir must not each write a different key.
  try {
    await writeFile(file, JSON.stringify(key), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadS3Key(backendDir);
    throw err;
  }
  return key;
}
