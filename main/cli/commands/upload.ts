/** `ferry upload <path...> --album <id|title>`: uploads, waits for processing, exits 0 only if all arrived. */
import { existsSync } from 'node:fs';
import { EXIT, UsageError, guard, intFlag, openHost, rateFlag, resolveAlbum, type ApiFlags } from '../common.ts';
import { followBatch, interruption } from '../batch.ts';

export interface UploadFlags extends ApiFlags {
  album: string;
  createAlbum?: boolean;
  concurrency?: string;
  limitRate?: string;
  /** commander's `--no-wait` */
  wait?: boolean;
  json?: boolean;
}

/** Runs `ferry upload`. */
export async function run(paths: string[], flags: UploadFlags): Promise<never> {
  return guard(async () => {
    const missing = paths.filter((p) => !existsSync(p));
    if (missing.length) throw new UsageError(`no such file or folder: ${missing.join(', ')}`);
    const concurrency = intFlag('concurrency', flags.concurrency, 16);
    const bandwidthLimit = rateFlag(flags.limitRate);
    const interrupted = interruption();
    const host = await openHost(flags, {
      overrides: { concurrency, bandwidthLimit },
      ...(flags.wait === false ? { engineOptions: { statusPolling: false } } : {}),
    });
    try {
      const album = await resolveAlbum(host, flags.album, Boolean(flags.createAlbum));
      if (host.engine.paused) host.engine.resumeAll();
      const { ids } = await host.addPathsWithIds(paths, { kind: 'album', albumId: album.albumId });
      const bars = Boolean(process.stderr.isTTY) && !flags.json;
      if (!flags.json && !bars) console.log(`uploading ${ids.length} files to album "${album.title}" (${album.albumId})`);
      const { report, interrupted: stopped } = await followBatch(host, ids, {
        noWait: flags.wait === false,
        json: Boolean(flags.json),
        bars,
        interrupted,
      });
      if (stopped) {
        if (!flags.json) console.error('interrupted: run the same command again to resume');
        return EXIT.interrupted;
      }
      if (flags.json) console.log(JSON.stringify(report));
      else
        console.log(
          `${report.uploaded.length} uploaded, ${report.skipped.length} skipped, ${report.failed.length} failed` +
            (report.failed.length ? ' (ferry retry --all to try them again)' : ''),
        );
      return report.failed.length > 0 ? EXIT.failed : EXIT.ok;
    } finally {
      await host.close();
    }
  });
}
