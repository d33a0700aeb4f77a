/**
 * Everything a core needs from the outside world, made in one place: SDK clients, config, clock and
 * ID source. Handlers build it once per Lambda container; the embedded backend once per instance.
 */
import { randomUUID } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configFromEnv, type BackendConfig } from './config.ts';

export interface Deps {
  config: BackendConfig;
  /** talks to S3 (the internal endpoint) */
  s3: S3Client;
  /** signs URLs for clients (the public S3 address) */
  presignS3: S3Client;
  ddb: DynamoDBDocumentClient;
  now(): Date;
  newId(): string;
}

function s3Client(config: BackendConfig, endpoint: string | undefined): S3Client {
  return new S3Client({
    region: config.region,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // s3rver and presigned URLs: the SDK's default CRC32 checksums would be added to signed URLs
    // and rejected by s3rver; checksums are asked for explicitly where Ferry wants them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Builds the SDK clients and the rest of Deps from a config. */
export function makeDeps(config: BackendConfig): Deps {
  const ddbClient = new DynamoDBClient({
    region: config.region,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
  return {
    config,
    s3: s3Client(config, config.s3Endpoint),
    presignS3: s3Client(config, config.s3PublicUrl ?? config.s3Endpoint),
    ddb: DynamoDBDocumentClient.from(ddbClient, { marshallOptions: { removeUndefinedValues: true } }),
    now: () => new Date(),
    newId: () => randomUUID(),
  };
}

let fromEnv: Deps | undefined;
/** Deps for a Lambda container, from its environment, made on first use. */
export function envDeps(): Deps {
  fromEnv ??= makeDeps(configFromEnv());
  return fromEnv;
}

/** Releases the SDK clients' sockets. */
export function destroyDeps(deps: Deps): void {
  deps.s3.destroy();
  deps.presignS3.destroy();
  deps.ddb.destroy();
}
