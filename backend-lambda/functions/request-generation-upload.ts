import { generationUploadRequest, idSchema } from '../../shared/api.ts';
import { ApiError } from '../lib/errors.ts';
import { apiFunction } from '../lib/http.ts';
import { dynamoStorage } from '../lib/storage/dynamo-storage.ts';
import { requestGenerationUpload } from '../lib/uploads.ts';

const fn = apiFunction({
  storage: dynamoStorage,
  body: generationUploadRequest,
  run: (deps, { userId, params, body }) => {
    const generationId = params.generationId!;
    // The generation ID goes into S3 keys and the media ID, so it must be key-safe (no underscore).
    if (!idSchema.safeParse(generationId).success) {
      throw new ApiError('INVALID_REQUEST', 'generationId must be letters, digits and dashes, at most 64', { field: 'generationId' });
    }
    return requestGenerationUpload(deps, userId, generationId, body);
  },
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;
