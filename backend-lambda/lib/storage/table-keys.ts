/**
 * DynamoDB table keys (docs/DYNAMODB.md): the `pk`/`sk` of each item and the GSI keys of a media
 * item, built here so every read and write agrees. Not to be confused with S3 object keys
 * (`shared/object-keys.ts`). Only `dynamo-storage.ts` (and the table definition's users) import this.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** Primary keys of the item types. */
export const tableKeys = {
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'PROFILE' }),
  album: (userId: string, albumId: string) => ({ pk: `USER#${userId}`, sk: `ALBUM#${albumId}` }),
  media: (mediaId: string) => ({ pk: `MEDIA#${mediaId}`, sk: 'MEDIA' }),
  /**
   * The duplicate pointer of (album, sha256), written when a media with those bytes goes uploaded:
   * a key that BatchGetItem can read, where the gsi2 index can only be queried one sha256 at a time.
   */
  duplicate: (albumId: string, sha256: string) => ({ pk: `DUP#${albumId}#${sha256}`, sk: 'UPLOADED' }),
  /** who owns a generation (its media items are per index; this item is one per generation) */
  generation: (generationId: string) => ({ pk: `GENERATION#${generationId}`, sk: 'OWNER' }),
  /** sort-key prefix of a user's albums */
  albumSkPrefix: 'ALBUM#',
};

/** Index partition keys: one definition for the writer and the queries. */
export const indexPartitionKeys = {
  albumMedia: (albumId: string) => `ALBUM#${albumId}`,
  sha: (albumId: string, sha256: string) => `SHA#${albumId}#${sha256}`,
  generation: (generationId: string) => `GEN#${generationId}`,
  pendingShard: (shard: number) => `PENDING#${shard}`,
};

/** GSI names and their key attributes. */
export const indexes = {
  /** album media newest first: gsi1pk = ALBUM#{albumId}, gsi1sk = {createdAt}#{mediaId} */
  albumMedia: { name: 'gsi1', pk: 'gsi1pk', sk: 'gsi1sk' },
  /** duplicates: gsi2pk = SHA#{albumId}#{sha256}, gsi2sk = createdAt */
  bySha: { name: 'gsi2', pk: 'gsi2pk', sk: 'gsi2sk' },
  /** generation media in index order: gsi3pk = GEN#{generationId}, gsi3sk = zero-padded index */
  generationMedia: { name: 'gsi3', pk: 'gsi3pk', sk: 'gsi3sk' },
  /** sparse: only pending records carry these; pendingPk = PENDING#{shard}, pendingSk = createdAt */
  pendingByAge: { name: 'pending', pk: 'pendingPk', sk: 'pendingSk' },
} as const;

/** Pending records spread over a few partitions so one busy upload burst is not one hot key. */
export const PENDING_SHARDS = 4;

/** Picks the pending shard of a media ID (stable, so the sweeper and writers agree). */
export function pendingShard(mediaId: string): string {
  let h = 0;
  for (let i = 0; i < mediaId.length; i++) h = (h * 31 + mediaId.charCodeAt(i)) >>> 0;
  return indexPartitionKeys.pendingShard(h % PENDING_SHARDS);
}

/** What a new media record's GSI attributes are built from. */
export interface MediaIndexInput {
  mediaId: string;
  createdAt: string;
  albumId?: string | undefined;
  sha256?: string | undefined;
  generationId?: string | undefined;
  /** the generation index (≤ 9999), kept only in gsi3sk */
  generationIndex?: number | undefined;
}

/** The GSI attributes of a new (pending) media item: album, duplicate, generation and pending-by-age. */
export function mediaIndexKeys(m: MediaIndexInput): Record<string, string> {
  return {
    ...(m.albumId ? { gsi1pk: indexPartitionKeys.albumMedia(m.albumId), gsi1sk: `${m.createdAt}#${m.mediaId}` } : {}),
    ...(m.albumId && m.sha256 ? { gsi2pk: indexPartitionKeys.sha(m.albumId, m.sha256), gsi2sk: m.createdAt } : {}),
    ...(m.generationId ? { gsi3pk: indexPartitionKeys.generation(m.generationId), gsi3sk: String(m.generationIndex ?? 0).padStart(5, '0') } : {}),
    pendingPk: pendingShard(m.mediaId),
    pendingSk: m.createdAt,
  };
}

/** Attributes that belong to the table layout, not to the record a core sees. */
export const TABLE_ATTRIBUTES = ['pk', 'sk', 'type', ...Object.values(indexes).flatMap((i) => [i.pk, i.sk])] as const;

/** The table definition (the CDK stack mirrors it; the embedded backend creates it). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  const attrs = ['pk', 'sk', ...Object.values(indexes).flatMap((i) => [i.pk, i.sk])];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attrs.map((a) => ({ AttributeName: a, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: Object.values(indexes).map((i) => ({
      IndexName: i.name,
      KeySchema: [
        { AttributeName: i.pk, KeyType: 'HASH' },
        { AttributeName: i.sk, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}
