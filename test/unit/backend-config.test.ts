import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../backend-lambda/lib/config.ts';
import { objectUrl } from '../../backend-lambda/lib/records.ts';
import type { Deps } from '../../backend-lambda/lib/deps.ts';

describe('configFromEnv', () => {
  it('reads the names the CDK stack sets, with defaults', () => {
    const c = configFromEnv({ TABLE_NAME: 't', BUCKET_NAME: 'b', PUBLIC_BASE_URL: 'https://cdn.example.com/', MAX_UPLOAD_BYTES: '1000', PENDING_MAX_AGE_SECONDS: '60' });
    expect(c).toMatchObject({ tableName: 't', bucketName: 'b', publicBaseUrl: 'https://cdn.example.com', maxUploadBytes: 1000, pendingMaxAgeSeconds: 60, presignExpiresSeconds: 900 });
    expect(c.s3Endpoint).toBeUndefined();
  });
  it('refuses a missing table or a nonsense number', () => {
    expect(() => configFromEnv({ BUCKET_NAME: 'b' })).toThrow(/TABLE_NAME/);
    expect(() => configFromEnv({ TABLE_NAME: 't', BUCKET_NAME: 'b', MAX_UPLOAD_BYTES: 'lots' })).toThrow(/MAX_UPLOAD_BYTES/);
  });
});

describe('objectUrl', () => {
  it('uses PUBLIC_BASE_URL when set, escaping each path segment', async () => {
    const deps = { config: { publicBaseUrl: 'https://cdn.example.com' } } as Deps;
    expect(await objectUrl(deps, 'thumbnails/albums/a b/media/m/cover.webp')).toBe('https://cdn.example.com/thumbnails/albums/a%20b/media/m/cover.webp');
  });
});
