import { describe, expect, it } from 'vitest';
import { errorAdvice } from '../../renderer/src/format.ts';
import { errorCodes } from '../../shared/errors.ts';
import { mimeTypes } from '../../shared/mime.ts';

describe('error advice', () => {
  it('gives every error code its own sentence that ends in something to do', () => {
    for (const code of errorCodes) {
      const advice = errorAdvice(code);
      expect(advice, code).toMatch(/\.$/);
      expect(advice, code).not.toBe(code);
    }
  });

  it('tells a damaged image, a mislabelled file and an unaccepted type apart', () => {
    const sentences = new Set(['UNSUPPORTED_IMAGE', 'CONTENT_TYPE_MISMATCH', 'UNSUPPORTED_MEDIA_TYPE'].map((c) => errorAdvice(c as never)));
    expect(sentences.size).toBe(3);
  });

  it('lists exactly the types the backend accepts', () => {
    const advice = errorAdvice('UNSUPPORTED_MEDIA_TYPE');
    for (const { ext } of Object.values(mimeTypes)) expect(advice.toLowerCase()).toContain(ext === 'jpg' ? 'jpeg' : ext);
    expect(advice).not.toMatch(/HEIC/);
  });
});
