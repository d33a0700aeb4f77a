/**
 * A multipart file's parts: only the missing ones are sent (s3rver has no ListParts, so Ferry's own
 * `parts` table is the record), `partConcurrency` at a time, each signed just before it goes and
 * recorded the moment S3 answers with its ETag.
 */
import { partRange } from '../../shared/multipart.ts';
import type { FileRow } from '../store/queue-store.ts';
import type { ApiClient } from './api-client.ts';
import { AbortedError, FatalError, abortErrorOf } from './errors.ts';
import type { RunContext } from './file-run.ts';
import type { PartHasher } from './part-hasher.ts';

/** A finished part as the completion call takes it. */
export type CompletedPart = Parameters<ApiClient['completeUpload']>[1][number];

/** Sends the missing parts and answers every part's number, ETag and sha256 for the completion. */
export async function uploadParts(ctx: RunContext, row: FileRow, signal: AbortSignal, hasher: PartHasher): Promise<CompletedPart[]> {
  const { d, progress, retry } = ctx;
  const plan = { partSize: row.partSize!, partCount: row.partCount! };
  const stored = d.store.parts(row.id);
  const done = new Set(stored.map((p) => p.partNumber));
  const sent = stored.reduce((n, p) => n + p.size, 0);
  progress.begin(row.id, row.size, sent, d.clock.now());
  const missing: number[] = [];
  for (let n = 1; n <= plan.partCount; n++) if (!done.has(n)) missing.push(n);

  const group = new AbortController();
  const groupSignal = AbortSignal.any([signal, group.signal]);
  const worker = async () => {
    for (let n = missing.shift(); n !== undefined; n = missing.shift()) {
      const { start, end } = partRange(plan, row.size, n);
      let attempt = 0;
      // From the in-order reader (part-hasher.ts), which also feeds the whole file's sha256.
      const partSha256 = await hasher.partSha(n);
      for (;;) {
        const partNumber = n;
        const [signed] = await retry.run(row.id, 'api', groupSignal, () =>
          d.api.signParts(row.mediaId!, [partNumber], groupSignal, { [String(partNumber)]: partSha256 }),
        );
        if (!signed) throw new FatalError('INTERNAL', `no URL for part ${n}`);
        let partBytes = 0;
        try {
          const { etag } = await d.transport.put({
            url: signed.url,
            headers: signed.headers ?? {},
            path: row.uploadPath ?? row.path,
            start,
            end,
            signal: groupSignal,
            onProgress: (b) => {
              partBytes += b;
              progress.add(row.id, b);
            },
          });
          if (!etag) throw new FatalError('UPLOAD_REJECTED', `S3 gave no ETag for part ${n}`);
          d.store.savePart(row.id, n, etag, end - start, partSha256);
          hasher.partDone(n);
          break;
        } catch (err) {
          progress.add(row.id, -partBytes);
          if ((await retry.afterFailure(row.id, err, 's3', attempt, groupSignal)) !== 'network-offline') attempt++;
        }
      }
    }
  };
  const workers = Array.from({ length: Math.min(ctx.o.partConcurrency, missing.length) }, () =>
    worker().catch((err: unknown) => {
      group.abort(err instanceof AbortedError ? err : new AbortedError('shutdown'));
      throw err;
    }),
  );
  const results = await Promise.allSettled(workers);
  const firstReal = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof AbortedError && !signal.aborted));
  if (signal.aborted) throw abortErrorOf(signal);
  if (firstReal) throw firstReal.reason;
  const anyRejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (anyRejected) throw anyRejected.reason;
  return d.store.parts(row.id).map((p) => ({ partNumber: p.partNumber, etag: p.etag, ...(p.sha256 ? { sha256: p.sha256 } : {}) }));
}
