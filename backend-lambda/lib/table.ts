/**
 * The single-table layout (docs/DYNAMODB.md). Key builders live here so every read and write agrees.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const keys = {
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'PROFILE' }),
  album: (userId: string, albumId: string) => ({ pk: `USER#${userId}`, sk: `ALBUM#${albumId}` }),
  media: (mediaId: string) => ({ pk: `MEDIA#${mediaId}`, sk: 'MEDIA' }),
  // Index partition keys: one definition for the writer (uploads.ts) and the queries (store.ts).
  albumMediaPk: (albumId: string) => `ALBUM#${albumId}`,
  shaPk: (albumId: string, sha256: string) => `SHA#${albumId}#${sha256}`,
  generationPk: (generationId: string) => `GEN#${generationId}`,
};

/** GSI names and their key attributes. */
export const indexes = {
  /** album media newest first: gsi1pk = ALBUM#{albumId}, gsi1sk = {createdAt}#{mediaId} */
  albumMedia: { name: 'gsi1', pk: 'gsi1pk', sk: 'gsi1sk' },
  /** duplicates: gsi2pk = SHA#{albumId}#{sha256} */
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
  return `PENDING#${h % PENDING_SHARDS}`;
}

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
