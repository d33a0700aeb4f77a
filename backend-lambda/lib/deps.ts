/**
 * Everything a core needs from the outside world, made in one place: SDK clients, config, clock and
 * ID source. Handlers build it once per Lambda container; the embedded backend once per instance.
 */
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configFromEnv, type BackendConfig } from './config.ts';
import type { DynamoReads } from './storage/dynamo-reads.ts';
import type { DynamoStorage } from './storage/dynamo-storage.ts';
import type { Storage, StorageReads } from './storage/storage.ts';

export interface Deps<S extends StorageReads = Storage> {
  config: BackendConfig;
  /** talks to S3 (the internal endpoint) */
  s3: S3Client;
  /** signs URLs for clients (the public S3 address) */
  presignS3: S3Client;
  /** the table (DynamoDB; an in-memory fake in unit tests); read-only for functions that only read */
  storage: S;
  now(): Date;
  newId(): string;
}

/** Deps of a core that only reads. */
export type ReadDeps = Deps<StorageReads>;

/** Deps over the real AWS clients (Lambda, the embedded backend, integration tests). */
export type AwsDeps<S extends DynamoReads = DynamoStorage> = Deps<S>;

/** Builds the table access a function gets: `dynamoReads` or `dynamoStorage` (storage/). */
export type StorageFactory<S extends DynamoReads> = (ddb: DynamoDBDocumentClient, tableName: string) => S;

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

/** Builds the SDK clients and the rest of Deps from a config, with the table access `storage` makes. */
export function makeDeps<S extends DynamoReads>(config: BackendConfig, storage: StorageFactory<S>): AwsDeps<S> {
  const ddbClient = new DynamoDBClient({
    region: config.region,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
    // The embedded DynamoDB answers only on a private Unix socket: the agent dials it for every
    // request (the endpoint's host is then only the Host header).
    ...(config.dynamodbSocket
      ? { endpoint: 'http://localhost', requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, socketPath: config.dynamodbSocket } as ConstructorParameters<typeof Agent>[0]) }) }
      : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
  return {
    config,
    s3: s3Client(config, config.s3Endpoint),
    presignS3: s3Client(config, config.s3PublicUrl ?? config.s3Endpoint),
    storage: storage(DynamoDBDocumentClient.from(ddbClient, { marshallOptions: { removeUndefinedValues: true } }), config.tableName),
    now: () => new Date(),
    newId: () => randomUUID(),
  };
}

const fromEnv = new Map<StorageFactory<DynamoReads>, AwsDeps<DynamoReads>>();
/** Deps for a Lambda container, from its environment, made on first use (one per kind of table access). */
export function envDeps<S extends DynamoReads>(storage: StorageFactory<S>): AwsDeps<S> {
  let deps = fromEnv.get(storage);
  if (!deps) fromEnv.set(storage, (deps = makeDeps(configFromEnv(), storage)));
  return deps as AwsDeps<S>;
}

/** Releases the SDK clients' sockets. */
export function destroyDeps(deps: AwsDeps<DynamoReads>): void {
  deps.s3.destroy();
  deps.presignS3.destroy();
  deps.storage.destroy();
}
