// s3rver and dynalite ship no types; these declare the small part the embedded backend uses.
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  import type { S3Event } from 'aws-lambda';
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    vhostBuckets?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }
  export default class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<AddressInfo>;
    /** creates the buckets of `configureBuckets` (run() does it too) */
    configureBuckets(): Promise<void>;
    store: { deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<void> };
    logger: { close(): void };
    close(): Promise<void>;
    on(event: 'event', listener: (event: S3Event) => void): this;
  }
}

declare module 'dynalite' {
  import type { Server } from 'node:http';
  export default function dynalite(options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }): Server;
}
