/** Files of this size and more go multipart (SPEC §2). */
export const MULTIPART_THRESHOLD = 32 * 1024 * 1024;
/** Default part size; S3 needs ≥ 5 MiB for every part but the last. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/** S3's hard limit on parts per upload. */
export const MAX_PARTS = 10_000;

export interface PartPlan {
  partSize: number;
  partCount: number;
}

/** Plans the parts once: 8 MiB, grown in whole MiB so there are never more than 10,000. */
export function planParts(size: number): PartPlan {
  const mib = 1024 * 1024;
  let partSize = DEFAULT_PART_SIZE;
  if (Math.ceil(size / partSize) > MAX_PARTS) {
    partSize = Math.ceil(size / MAX_PARTS / mib) * mib;
  }
  return { partSize, partCount: Math.max(1, Math.ceil(size / partSize)) };
}

/** Byte range [start, end) of a 1-based part. */
export function partRange(plan: PartPlan, size: number, partNumber: number): { start: number; end: number } {
  const start = (partNumber - 1) * plan.partSize;
  return { start, end: Math.min(size, start + plan.partSize) };
}
