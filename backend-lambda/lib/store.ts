/** DynamoDB reads and writes, each a direct key read, a query on an index, or a conditional write. */
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { ErrorCode } from '../../shared/errors.ts';
import type { Deps } from './deps.ts';
import { indexes, keys, PENDING_SHARDS } from './table.ts';
import type { AlbumItem, MediaItem, UserItem } from './records.ts';
import { ApiError } from './errors.ts';

/** True when a conditional write lost (the item was not in the expected state). */
export function isConditionFailed(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException';
}

export async function getMedia(deps: Deps, mediaId: string): Promise<MediaItem | undefined> {
  const r = await deps.ddb.send(new GetCommand({ TableName: deps.config.tableName, Key: keys.media(mediaId), ConsistentRead: true }));
  return r.Item as MediaItem | undefined;
}

export async function getAlbum(deps: Deps, userId: string, albumId: string): Promise<AlbumItem | undefined> {
  const r = await deps.ddb.send(new GetCommand({ TableName: deps.config.tableName, Key: keys.album(userId, albumId) }));
  return r.Item as AlbumItem | undefined;
}

export async function getUser(deps: Deps, userId: string): Promise<UserItem | undefined> {
  const r = await deps.ddb.send(new GetCommand({ TableName: deps.config.tableName, Key: keys.user(userId) }));
  return r.Item as UserItem | undefined;
}

/** Creates the user's profile item if it does not exist yet. */
export async function ensureUser(deps: Deps, userId: string, name?: string): Promise<void> {
  const now = deps.now().toISOString();
  await deps.ddb.send(
    new UpdateCommand({
      TableName: deps.config.tableName,
      Key: keys.user(userId),
      UpdateExpression: 'SET #t = :t, userId = :u, createdAt = if_not_exists(createdAt, :now), updatedAt = if_not_exists(updatedAt, :now)' + (name ? ', #n = if_not_exists(#n, :name)' : ''),
      ExpressionAttributeNames: { '#t': 'type', ...(name ? { '#n': 'name' } : {}) },
      ExpressionAttributeValues: { ':t': 'user', ':u': userId, ':now': now, ...(name ? { ':name': name } : {}) },
    }),
  );
}

export async function putAlbum(deps: Deps, item: AlbumItem): Promise<void> {
  await deps.ddb.send(new PutCommand({ TableName: deps.config.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
}

/** Every item a query matches, following LastEvaluatedKey for at most `maxPages` pages of ≤ 1 MB. */
async function queryAll<T>(deps: Deps, input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>, maxPages: number): Promise<T[]> {
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  for (let page = 0; page < maxPages; page++) {
    const r = await deps.ddb.send(new QueryCommand({ ...input, TableName: deps.config.tableName, ExclusiveStartKey: start }));
    items.push(...((r.Items ?? []) as T[]));
    start = r.LastEvaluatedKey;
    if (!start) break;
  }
  return items;
}

export async function listAlbums(deps: Deps, userId: string): Promise<AlbumItem[]> {
  // Bounded: a user's albums fit in a few pages; 50 pages of 1 MB is far beyond any real account.
  const items = await queryAll<AlbumItem>(
    deps,
    {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :album)',
      ExpressionAttributeValues: { ':pk': keys.user(userId).pk, ':album': 'ALBUM#' },
    },
    50,
  );
  return items.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

function decodeCursor(cursor: string | undefined, albumPk: string): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const valid = key && typeof key === 'object' && key[indexes.albumMedia.pk] === albumPk && Object.values(key).every((v) => typeof v === 'string');
    if (valid) return key;
  } catch {
    // fall through to the 400
  }
  throw new ApiError('INVALID_REQUEST', 'Invalid cursor', { field: 'cursor' });
}

/** One page of an album's media, newest first. */
export async function listAlbumMedia(deps: Deps, albumId: string, cursor: string | undefined, limit: number) {
  const pk = keys.albumMediaPk(albumId);
  const r = await deps.ddb.send(
    new QueryCommand({
      TableName: deps.config.tableName,
      IndexName: indexes.albumMedia.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': indexes.albumMedia.pk },
      ExpressionAttributeValues: { ':pk': pk },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: decodeCursor(cursor, pk),
    }),
  );
  return { items: (r.Items ?? []) as MediaItem[], nextCursor: encodeCursor(r.LastEvaluatedKey) };
}

/** An uploaded record with these bytes in this album, if any. */
export async function findDuplicate(deps: Deps, albumId: string, sha256: string): Promise<MediaItem | undefined> {
  const r = await deps.ddb.send(
    new QueryCommand({
      TableName: deps.config.tableName,
      IndexName: indexes.bySha.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': indexes.bySha.pk },
      ExpressionAttributeValues: { ':pk': keys.shaPk(albumId, sha256) },
    }),
  );
  const items = (r.Items ?? []) as MediaItem[];
  return items.find((i) => i.status === 'uploaded');
}

export async function listGenerationMedia(deps: Deps, generationId: string): Promise<MediaItem[]> {
  // Indexes are ≤ 9999, so at most a handful of pages.
  return queryAll<MediaItem>(
    deps,
    {
      IndexName: indexes.generationMedia.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': indexes.generationMedia.pk },
      ExpressionAttributeValues: { ':pk': keys.generationPk(generationId) },
    },
    20,
  );
}

/** Reads up to 100 media records in one round (BatchGet's limit), retrying unprocessed keys a few times. */
export async function batchGetMedia(deps: Deps, mediaIds: string[]): Promise<MediaItem[]> {
  const found: MediaItem[] = [];
  let wanted: Record<string, unknown>[] = [...new Set(mediaIds)].map((id) => keys.media(id));
  for (let attempt = 0; attempt < 5 && wanted.length; attempt++) {
    const r = await deps.ddb.send(new BatchGetCommand({ RequestItems: { [deps.config.tableName]: { Keys: wanted, ConsistentRead: true } } }));
    found.push(...((r.Responses?.[deps.config.tableName] ?? []) as MediaItem[]));
    wanted = (r.UnprocessedKeys?.[deps.config.tableName]?.Keys ?? []) as Record<string, unknown>[];
    if (wanted.length) await new Promise((res) => setTimeout(res, 50 * 2 ** attempt));
  }
  return found;
}

/** Pending records created before `before`, oldest first, across every pending shard. */
export async function listPendingOlderThan(deps: Deps, before: string, limit: number): Promise<MediaItem[]> {
  const out: MediaItem[] = [];
  for (let shard = 0; shard < PENDING_SHARDS && out.length < limit; shard++) {
    const r = await deps.ddb.send(
      new QueryCommand({
        TableName: deps.config.tableName,
        IndexName: indexes.pendingByAge.name,
        KeyConditionExpression: '#pk = :pk AND #sk < :before',
        ExpressionAttributeNames: { '#pk': indexes.pendingByAge.pk, '#sk': indexes.pendingByAge.sk },
        ExpressionAttributeValues: { ':pk': `PENDING#${shard}`, ':before': before },
        Limit: limit - out.length,
      }),
    );
    out.push(...((r.Items ?? []) as MediaItem[]));
  }
  return out;
}

/** Sets a pending record to failed; false when it was no longer pending (someone else decided first). */
export async function failPending(deps: Deps, mediaId: string, code: ErrorCode, message: string): Promise<boolean> {
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: keys.media(mediaId),
        UpdateExpression: 'SET #s = :failed, #e = :err, updatedAt = :now REMOVE pendingPk, pendingSk, uploadId',
        ConditionExpression: '#s = :pending',
        ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
        ExpressionAttributeValues: { ':failed': 'failed', ':pending': 'pending', ':err': { code, message }, ':now': deps.now().toISOString() },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}
