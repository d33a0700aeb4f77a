/**
 * The reads of `Storage` over DynamoDB: each a direct key read or a query on an index
 * (docs/DYNAMODB.md). Items lose their table attributes here, so cores only ever see records.
 * The writes are in dynamo-storage.ts, a separate class so that esbuild leaves every write command
 * out of a read-only function's bundle (test/unit/infra-stack.test.ts reads the bundles).
 */
import { BatchGetCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ApiError } from '../errors.ts';
import type { AlbumMediaPage, AlbumRecord, MediaRecord, StorageReads, UserRecord } from './storage.ts';
import { indexes, indexPartitionKeys, PENDING_SHARDS, TABLE_ATTRIBUTES, tableKeys } from './table-keys.ts';

type Item = Record<string, unknown>;

/** A stored item without its table attributes: the record a core sees. */
function recordOf<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const record: Item = { ...item };
  for (const a of TABLE_ATTRIBUTES) delete record[a];
  return record as T;
}

const recordsOf = <T>(items: Item[] | undefined): T[] => (items ?? []).map((i) => recordOf<T>(i)!);

function encodeCursor(key: Item | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

/** The cursor is the index's LastEvaluatedKey; one from another album (or forged) is refused. */
function decodeCursor(cursor: string | undefined, albumPk: string): Item | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Item;
    // Exactly what DynamoDB hands back for this index (its keys and the table's), all short strings:
    // an extra, missing or foreign attribute would reach DynamoDB as a ValidationException (a 500).
    const names = [indexes.albumMedia.pk, indexes.albumMedia.sk, 'pk', 'sk'];
    const valid =
      key !== null &&
      typeof key === 'object' &&
      !Array.isArray(key) &&
      Object.keys(key).length === names.length &&
      names.every((n) => typeof key[n] === 'string' && (key[n] as string).length > 0 && (key[n] as string).length <= 512) &&
      key[indexes.albumMedia.pk] === albumPk &&
      key.sk === 'MEDIA' &&
      (key.pk as string).startsWith('MEDIA#') &&
      (key[indexes.albumMedia.sk] as string).endsWith(`#${(key.pk as string).slice('MEDIA#'.length)}`);
    if (valid) return key;
  } catch {
    // fall through to the 400
  }
  throw new ApiError('INVALID_REQUEST', 'Invalid cursor', { field: 'cursor' });
}

/** The read half: Get, BatchGet and Query only, so a read-only function's bundle holds no write command. */
export class DynamoReads implements StorageReads {
  protected readonly ddb: DynamoDBDocumentClient;
  protected readonly tableName: string;

  constructor(ddb: DynamoDBDocumentClient, tableName: string) {
    this.ddb = ddb;
    this.tableName = tableName;
  }

  /** Every item a query matches, following LastEvaluatedKey for at most `maxPages` pages of ≤ 1 MB. */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>, maxPages: number): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    for (let page = 0; page < maxPages; page++) {
      const r = await this.ddb.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: start }));
      items.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
      if (!start) break;
    }
    return items;
  }

  /** Releases the client's sockets. */
  destroy(): void {
    this.ddb.destroy();
  }

  async getMedia(mediaId: string): Promise<MediaRecord | undefined> {
    const r = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: tableKeys.media(mediaId), ConsistentRead: true }));
    return recordOf<MediaRecord>(r.Item);
  }

  /** ≤ 100 keys in one BatchGetItem; keys left unprocessed (throttling) are retried a bounded number of times. */
  private async batchGet(keys: Item[]): Promise<Item[]> {
    const found: Item[] = [];
    let wanted = keys;
    for (let attempt = 0; attempt < 5 && wanted.length; attempt++) {
      const r = await this.ddb.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: wanted, ConsistentRead: true } } }));
      found.push(...(r.Responses?.[this.tableName] ?? []));
      wanted = r.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      if (wanted.length) await new Promise((res) => setTimeout(res, 50 * 2 ** attempt));
    }
    return found;
  }

  async getMediaBatch(mediaIds: readonly string[]): Promise<MediaRecord[]> {
    return recordsOf<MediaRecord>(await this.batchGet([...new Set(mediaIds)].map((id) => tableKeys.media(id))));
  }

  async findUploadedDuplicates(albumId: string, sha256s: readonly string[]): Promise<Map<string, string>> {
    const unique = [...new Set(sha256s)];
    if (!unique.length) return new Map();
    const items = await this.batchGet(unique.map((sha) => tableKeys.duplicate(albumId, sha)));
    return new Map(items.map((i) => [i.sha256 as string, i.mediaId as string]));
  }

  async getAlbum(ownerId: string, albumId: string): Promise<AlbumRecord | undefined> {
    const r = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: tableKeys.album(ownerId, albumId) }));
    return recordOf<AlbumRecord>(r.Item);
  }

  async listAlbums(ownerId: string): Promise<AlbumRecord[]> {
    // Bounded: a user's albums fit in a few pages; 50 pages of 1 MB is far beyond any real account.
    const items = await this.queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :album)',
        ExpressionAttributeValues: { ':pk': tableKeys.user(ownerId).pk, ':album': tableKeys.albumSkPrefix },
      },
      50,
    );
    return recordsOf<AlbumRecord>(items).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async listAlbumMedia(albumId: string, page: { cursor?: string | undefined; limit: number }): Promise<AlbumMediaPage> {
    const pk = indexPartitionKeys.albumMedia(albumId);
    const r = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: indexes.albumMedia.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': indexes.albumMedia.pk },
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, pk),
      }),
    );
    return { items: recordsOf<MediaRecord>(r.Items), nextCursor: encodeCursor(r.LastEvaluatedKey) };
  }

  async findUploadedDuplicate(albumId: string, sha256: string): Promise<MediaRecord | undefined> {
    const r = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: indexes.bySha.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': indexes.bySha.pk },
        ExpressionAttributeValues: { ':pk': indexPartitionKeys.sha(albumId, sha256) },
      }),
    );
    return recordsOf<MediaRecord>(r.Items).find((i) => i.status === 'uploaded');
  }

  async listGenerationMedia(generationId: string): Promise<MediaRecord[]> {
    // Indexes are ≤ 9999, so at most a handful of pages.
    const items = await this.queryAll(
      {
        IndexName: indexes.generationMedia.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': indexes.generationMedia.pk },
        ExpressionAttributeValues: { ':pk': indexPartitionKeys.generation(generationId) },
      },
      20,
    );
    return recordsOf<MediaRecord>(items);
  }

  async listPending(query: { createdBefore?: string; limit: number }): Promise<MediaRecord[]> {
    const out: Item[] = [];
    // Every shard of the sparse pending index; never a scan.
    for (let shard = 0; shard < PENDING_SHARDS && out.length < query.limit; shard++) {
      const before = query.createdBefore !== undefined;
      const r = await this.ddb.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: indexes.pendingByAge.name,
          KeyConditionExpression: '#pk = :pk' + (before ? ' AND #sk < :before' : ''),
          ExpressionAttributeNames: { '#pk': indexes.pendingByAge.pk, ...(before ? { '#sk': indexes.pendingByAge.sk } : {}) },
          ExpressionAttributeValues: { ':pk': indexPartitionKeys.pendingShard(shard), ...(before ? { ':before': query.createdBefore } : {}) },
          Limit: query.limit - out.length,
        }),
      );
      out.push(...(r.Items ?? []));
    }
    return recordsOf<MediaRecord>(out);
  }

  async getUser(userId: string): Promise<UserRecord | undefined> {
    const r = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: tableKeys.user(userId) }));
    return recordOf<UserRecord>(r.Item);
  }
}

/** Read-only storage for a function that only reads (the default of `apiFunction`). */
export const dynamoReads = (ddb: DynamoDBDocumentClient, tableName: string): DynamoReads => new DynamoReads(ddb, tableName);
