import { describe, expect, it } from 'vitest';
import { albumMediaKey, avatarKey, generatedKey, parseOriginalKey, renditionKey, mediaIdOfKey } from '../../shared/object-keys.ts';
import { planParts, MAX_PARTS } from '../../shared/multipart.ts';

describe('S3 key layout', () => {
  it('builds and parses every original prefix', () => {
    const cases = [
      [albumMediaKey('a1', 'm1', 'image/jpeg'), { kind: 'album', albumId: 'a1', mediaId: 'm1', ext: 'jpg' }, 'm1'],
      [avatarKey('u1', 'up1', 'image/png'), { kind: 'avatar', userId: 'u1', uploadId: 'up1', ext: 'png' }, 'up1'],
      [generatedKey('g1', 3, 'image/webp'), { kind: 'generated', generationId: 'g1', index: 3, ext: 'webp' }, 'g1_3'],
    ] as const;
    for (const [key, parsed, mediaId] of cases) {
      expect(parseOriginalKey(key)).toEqual(parsed);
      expect(mediaIdOfKey(parseOriginalKey(key)!)).toBe(mediaId);
    }
  });

  it('ignores thumbnails and unknown keys', () => {
    expect(parseOriginalKey(renditionKey('albums/a/media/m.jpg', 'cover'))).toBeUndefined();
    expect(parseOriginalKey('albums/a/m.jpg')).toBeUndefined();
    expect(parseOriginalKey('generated/g1/g2_1.png')).toBeUndefined();
    expect(parseOriginalKey('../etc/passwd')).toBeUndefined();
  });

  it('puts renditions under thumbnails/ without the extension', () => {
    expect(renditionKey('albums/a/media/m.jpg', 'cover')).toBe('thumbnails/albums/a/media/m/cover.webp');
  });
});

describe('multipart plan', () => {
  it('uses 8 MiB parts and grows them past 10,000 parts', () => {
    expect(planParts(70 * 1024 * 1024)).toEqual({ partSize: 8 * 1024 * 1024, partCount: 9 });
    const huge = planParts(200 * 1024 ** 3);
    expect(huge.partCount).toBeLessThanOrEqual(MAX_PARTS);
    expect(huge.partSize * huge.partCount).toBeGreaterThanOrEqual(200 * 1024 ** 3);
  });
});
