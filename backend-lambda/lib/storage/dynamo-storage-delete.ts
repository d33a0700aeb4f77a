/**
 * `StorageWithDelete` over DynamoDB: DynamoStorage plus the delete of a media record and the album
 * count that follows it. In a file of its own so that only the delete-media function's bundle holds
 * a DeleteItem command (IAM grants DeleteItem to that function alone; infra-stack.test.ts reads the
 * bundles). The embedded backend uses it for every route, as it runs them all in one process.
 */
import { DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoStorage, isConditionFailed } from './dynamo-storage.ts';
import type { MediaRecord, StorageWithDelete } from './storage.ts';
import { TABLE_ATTRIBUTES, tableKeys } from './table-keys.ts';

export class DynamoStorageWithDelete extends DynamoStorage implements StorageWithDelete {
  async deleteMedia(mediaId: string): Promise<MediaRecord | undefined> {
    try {
      const out = await this.ddb.send(
        new DeleteCommand({ TableName: this.tableName, Key: tableKeys.media(mediaId), ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_OLD' }),
      );
      if (!out.Attributes) return undefined;
      const { albumId, sha256 } = out.Attributes;
      if (typeof albumId === 'string' && typeof sha256 === 'string') {
        // The duplicate pointer goes too, if it points at this media: a pointer to a deleted media
        // would skip every later upload of those bytes as a duplicate of nothing. (Another copy of
        // the same bytes, if any, is then found by the single-file route's gsi2 query, not the batch's.)
        await this.conditional(
          this.ddb.send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: tableKeys.duplicate(albumId, sha256),
              ConditionExpression: 'mediaId = :id',
              ExpressionAttributeValues: { ':id': mediaId },
            }),
          ),
        );
      }
      const record: Record<string, unknown> = { ...out.Attributes };
      for (const a of TABLE_ATTRIBUTES) delete record[a];
      return record as unknown as MediaRecord;
    } catch (err) {
      if (isConditionFailed(err)) return undefined;
      throw err;
    }
  }

  async uncountAlbumMedia(ownerId: string, albumId: string, cover: { removedCover: string; newCover: string | undefined } | undefined, now: string): Promise<boolean> {
    const counted = await this.conditional(
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tableKeys.album(ownerId, albumId),
          UpdateExpression: 'ADD mediaCount :minusOne SET updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND mediaCount > :zero',
          ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0, ':now': now },
        }),
      ),
    );
    if (!cover) return counted;
    // A second write, conditional on the cover still being the removed one: an upload that set a
    // new cover in between keeps it.
    await this.conditional(
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tableKeys.album(ownerId, albumId),
          UpdateExpression: cover.newCover ? 'SET coverKey = :new' : 'REMOVE coverKey',
          ConditionExpression: 'coverKey = :removed',
          ExpressionAttributeValues: { ':removed': cover.removedCover, ...(cover.newCover ? { ':new': cover.newCover } : {}) },
        }),
      ),
    );
    return counted;
  }
}

/** Read-write storage that can delete media (the delete-media function, the embedded backend). */
export const dynamoStorageWithDelete = (ddb: DynamoDBDocumentClient, tableName: string): DynamoStorageWithDelete => new DynamoStorageWithDelete(ddb, tableName);
