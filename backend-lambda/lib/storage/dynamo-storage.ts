/**
 * `Storage` over DynamoDB: the reads of DynamoReads plus every write, each state change a conditional
 * write (docs/DYNAMODB.md). With dynamo-reads.ts, the only code that sends DynamoDB commands and
 * knows the item shapes (table keys, GSI attributes, `type`).
 */
import { ConditionalCheckFailedException, CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ErrorCode } from '../../../shared/errors.ts';
import { DynamoReads } from './dynamo-reads.ts';
import type { AlbumRecord, AvatarRecord, NewPendingMedia, Storage, UploadedFields } from './storage.ts';
import { indexes, indexPartitionKeys, mediaIndexKeys, tableDefinition, tableKeys } from './table-keys.ts';

/** BatchWriteItem's limit per request. */
const BATCH_WRITE_MAX = 25;

/** True when a conditional write lost (the item was not in the expected state). */
export function isConditionFailed(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException';
}

export class DynamoStorage extends DynamoReads implements Storage {
  /** Awaits a conditional write; false when its condition lost. */
  protected async conditional(write: Promise<unknown>): Promise<boolean> {
    try {
      await write;
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /** Creates the table if it does not exist (the embedded backend; on AWS the CDK stack made it). */
  async ensureTable(): Promise<void> {
    try {
      await this.ddb.send(new DescribeTableCommand({ TableName: this.tableName }));
      return;
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
    }
    await this.ddb.send(new CreateTableCommand(tableDefinition(this.tableName)));
    // dynalite runs with createTableMs: 0, but the state flips asynchronously; a few short polls.
    for (let i = 0; i < 50; i++) {
      const d = await this.ddb.send(new DescribeTableCommand({ TableName: this.tableName }));
      if (d.Table?.TableStatus === 'ACTIVE') return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('The local DynamoDB table did not become active');
  }

  async ensureUser(userId: string, now: string, name?: string): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: tableKeys.user(userId),
        UpdateExpression: 'SET #t = :t, userId = :u, createdAt = if_not_exists(createdAt, :now), updatedAt = if_not_exists(updatedAt, :now)' + (name ? ', #n = if_not_exists(#n, :name)' : ''),
        ExpressionAttributeNames: { '#t': 'type', ...(name ? { '#n': 'name' } : {}) },
        ExpressionAttributeValues: { ':t': 'user', ':u': userId, ':now': now, ...(name ? { ':name': name } : {}) },
      }),
    );
  }

  async claimGeneration(generationId: string, ownerId: string, now: string): Promise<boolean> {
    // One conditional write, whoever is first: it creates the owner item, or finds it already ours.
    return this.conditional(
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tableKeys.generation(generationId),
          UpdateExpression: 'SET #t = :t, generationId = :g, ownerId = :o, createdAt = if_not_exists(createdAt, :now)',
          ConditionExpression: 'attribute_not_exists(pk) OR ownerId = :o',
          ExpressionAttributeNames: { '#t': 'type' },
          ExpressionAttributeValues: { ':t': 'generation', ':g': generationId, ':o': ownerId, ':now': now },
        }),
      ),
    );
  }

  async createAlbum(album: AlbumRecord): Promise<boolean> {
    const item = { ...tableKeys.album(album.ownerId, album.albumId), type: 'album', ...album };
    return this.conditional(this.ddb.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })));
  }

  private mediaItem(media: NewPendingMedia): Record<string, unknown> {
    const { generationIndex, ...record } = media;
    return { ...tableKeys.media(record.mediaId), type: 'media', ...record, ...mediaIndexKeys({ ...record, generationIndex }) };
  }

  async createPendingMedia(media: NewPendingMedia, options: { replaceFailed?: boolean } = {}): Promise<boolean> {
    const item = this.mediaItem(media);
    const record = media;
    const replace = options.replaceFailed === true;
    return this.conditional(
      this.ddb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: replace ? 'attribute_not_exists(pk) OR (#s = :failed AND ownerId = :owner)' : 'attribute_not_exists(pk)',
          ...(replace ? { ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':failed': 'failed', ':owner': record.ownerId } } : {}),
        }),
      ),
    );
  }

  async createPendingMediaBatch(media: readonly NewPendingMedia[]): Promise<string[]> {
    // BatchWriteItem takes no condition, and needs none here: every ID is a fresh random UUID made
    // by the server, so a Put cannot land on an existing record (a conditional PutItem per file would
    // be 100 requests where this is 4). dynalite has no transactions to do better with.
    const chunks: Record<string, unknown>[][] = [];
    for (let i = 0; i < media.length; i += BATCH_WRITE_MAX) chunks.push(media.slice(i, i + BATCH_WRITE_MAX).map((m) => this.mediaItem(m)));
    const left = await Promise.all(
      chunks.map(async (items) => {
        let requests = items.map((Item) => ({ PutRequest: { Item } }));
        // Unprocessed items (throttling) are retried with backoff a bounded number of times.
        for (let attempt = 0; attempt < 5 && requests.length; attempt++) {
          if (attempt) await new Promise((res) => setTimeout(res, 50 * 2 ** attempt));
          const r = await this.ddb.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
          requests = (r.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        }
        return requests.map((r) => String(r.PutRequest.Item.mediaId));
      }),
    );
    return left.flat();
  }

  async setPendingSha256(mediaId: string, albumId: string | undefined, sha256: string, now: string): Promise<boolean> {
    // gsi2 too, so the single-file route's duplicate query sees it like any other album upload.
    const dup = albumId ? { [indexes.bySha.pk]: indexPartitionKeys.sha(albumId, sha256) } : {};
    const names = { '#s': 'status', ...(albumId ? { '#g2pk': indexes.bySha.pk, '#g2sk': indexes.bySha.sk } : {}) };
    return this.conditional(
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tableKeys.media(mediaId),
          UpdateExpression: 'SET sha256 = :sha, updatedAt = :now' + (albumId ? ', #g2pk = :g2pk, #g2sk = createdAt' : ''),
          ConditionExpression: '#s = :pending',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':sha': sha256, ':now': now, ':pending': 'pending', ...(albumId ? { ':g2pk': dup[indexes.bySha.pk] } : {}) },
        }),
      ),
    );
  }

  async markUploaded(mediaId: string, fields: UploadedFields, now: string): Promise<boolean> {
    const thumbs = fields.thumbnailKeys;
    // Removing the pending index attributes takes the record out of the sparse index.
    const update = new UpdateCommand({
      TableName: this.tableName,
      Key: tableKeys.media(mediaId),
      UpdateExpression:
        'SET #s = :uploaded, #size = :size, updatedAt = :now' +
        (thumbs ? ', thumbnailKeys = :thumbs, width = :w, height = :h' : '') +
        (fields.thumbhash ? ', thumbhash = :th' : '') +
        (fields.dominantColor ? ', dominantColor = :dc' : '') +
        ` REMOVE ${indexes.pendingByAge.pk}, ${indexes.pendingByAge.sk}, uploadId, #e`,
      ConditionExpression: '#s = :pending',
      ExpressionAttributeNames: { '#s': 'status', '#size': 'size', '#e': 'error' },
      ExpressionAttributeValues: {
        ':uploaded': 'uploaded',
        ':pending': 'pending',
        ':size': fields.size,
        ':now': now,
        ...(thumbs ? { ':thumbs': thumbs, ':w': fields.width, ':h': fields.height } : {}),
        ...(fields.thumbhash ? { ':th': fields.thumbhash } : {}),
        ...(fields.dominantColor ? { ':dc': fields.dominantColor } : {}),
      },
      ReturnValues: 'ALL_NEW',
    });
    let after: Record<string, unknown> | undefined;
    const won = await this.conditional(this.ddb.send(update).then((r) => (after = r.Attributes)));
    if (won && typeof after?.albumId === 'string' && typeof after.sha256 === 'string') {
      // Only the writer that won the transition gets here. The first upload of these bytes stays the
      // one duplicates point at (a lost condition means another media already holds the pointer).
      const pointer = { ...tableKeys.duplicate(after.albumId, after.sha256), type: 'duplicate', albumId: after.albumId, sha256: after.sha256, mediaId, createdAt: now };
      await this.conditional(this.ddb.send(new PutCommand({ TableName: this.tableName, Item: pointer, ConditionExpression: 'attribute_not_exists(pk)' })));
    }
    return won;
  }

  async failPending(mediaId: string, error: { code: ErrorCode; message: string }, now: string): Promise<boolean> {
    return this.conditional(
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tableKeys.media(mediaId),
          UpdateExpression: `SET #s = :failed, #e = :err, updatedAt = :now REMOVE ${indexes.pendingByAge.pk}, ${indexes.pendingByAge.sk}, uploadId`,
          ConditionExpression: '#s = :pending',
          ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
          ExpressionAttributeValues: { ':failed': 'failed', ':pending': 'pending', ':err': { code: error.code, message: error.message }, ':now': now },
        }),
      ),
    );
  }

  async countAlbumUpload(ownerId: string, albumId: string, coverKey: string | undefined, now: string): Promise<boolean> {
    // ADD is atomic on the item; the condition keeps a deleted album from coming back as a ghost.
    return this.conditional(
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tableKeys.album(ownerId, albumId),
          UpdateExpression: 'ADD mediaCount :one SET updatedAt = :now' + (coverKey ? ', coverKey = if_not_exists(coverKey, :cover)' : ''),
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1, ':now': now, ...(coverKey ? { ':cover': coverKey } : {}) },
        }),
      ),
    );
  }

  async setAvatar(userId: string, avatar: AvatarRecord, now: string): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: tableKeys.user(userId),
        UpdateExpression: 'SET avatar = :a, updatedAt = :now, #t = :user, userId = :uid, createdAt = if_not_exists(createdAt, :now)',
        ExpressionAttributeNames: { '#t': 'type' },
        ExpressionAttributeValues: { ':a': avatar, ':now': now, ':user': 'user', ':uid': userId },
      }),
    );
  }
}

/** Read-write storage, for a function that writes (and the embedded backend). */
export const dynamoStorage = (ddb: DynamoDBDocumentClient, tableName: string): DynamoStorage => new DynamoStorage(ddb, tableName);
