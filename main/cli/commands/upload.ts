/** `ferry upload <path...> --album <id|title>`: uploads, waits for processing, exits 0 only if all arrived. */
import { existsSync } from 'node:fs';
import { EXIT, UsageError, guard, bandwidthFlags, intFlag, openHost, resolveAlbum, type ApiFlags } from '../common.ts';
import { followBatch, interruption, summaryLine } from '../batch.ts';

export interface UploadFlags extends ApiFlags {
  album: string;
  createAlbum?: boolean;
  concurrency?: string;
  limitRate?: string;
  /** an rclone-style timetable, e.g. "08:00,512k 19:00,off" */
  bwlimit?: string;
  /** commander's `--no-wait` */
  wait?: boolean;
  json?: boolean;
  replace?: boolean;
  stripSecrets?: boolean;
}

/** Runs `ferry upload`. */
export async function run(paths: string[], flags: UploadFlags): Promise<never> {
  return guard(async () => {
    const missing = paths.filter((p) => !existsSync(p));
    if (missing.length) throw new UsageError(`no such file or folder: ${missing.join(', ')}`);
    const concurrency = intFlag('concurrency', flags.concurrency, 16);
    const bandwidth = bandwidthFlags(flags);
    const interrupted = interruption();
    const host = await openHost(flags, {
      overrides: { concurrency, ...bandwidth },
      intake: { replace: Boolean(flags.replace), stripSecrets: Boolean(flags.stripSecrets) },
      ...(flags.wait === false ? { engineOptions: { statusPolling: false } } : {}),
    });
    // Per-file warnings (secrets a file holds, a kept or replaced upload) go to stderr, even with --json.
    host.onEvent((e) => {
      if (e.type === 'notice') console.error(`${e.level === 'warning' ? 'warning' : 'note'}  ${e.path}: ${e.message}`);
    });
    try {
      // A lost login pauses the engine (host.ts); a one-shot upload stops there and says so, its files kept queued.
      let signInNeeded: string | undefined = host.signInRequired;
      const lostLogin = new Promise<void>((resolve) => {
        if (signInNeeded) resolve();
        host.onEvent((e) => {
          if (e.type !== 'paused' || !e.reason) return;
          signInNeeded = e.reason;
          resolve();
        });
      });
      const album = await resolveAlbum(host, flags.album, Boolean(flags.createAlbum));
      if (host.engine.paused) host.engine.resumeAll();
      const { ids } = await host.addPathsWithIds(paths, { kind: 'album', albumId: album.albumId });
      const bars = Boolean(process.stderr.isTTY) && !flags.json;
      // Said on a terminal too (it was only printed when piped): which album, and how many files.
      if (!flags.json) console.log(`uploading ${ids.length} file${ids.length === 1 ? '' : 's'} to album "${album.title}" (${album.albumId})`);
      const { report, interrupted: stopped, alreadyUploaded } = await followBatch(host, ids, {
        noWait: flags.wait === false,
        json: Boolean(flags.json),
        bars,
        interrupted: Promise.race([interrupted, lostLogin]),
      });
      if (signInNeeded) {
        console.error(`ferry: ${signInNeeded}`);
        return EXIT.signIn;
      }
      if (stopped) {
        if (!flags.json) console.error('interrupted: run the same command again to resume');
        return EXIT.interrupted;
      }
      if (flags.json) console.log(JSON.stringify(report));
      else console.log(summaryLine(report, alreadyUploaded));
      return report.failed.length > 0 ? EXIT.failed : EXIT.ok;
    } finally {
      await host.close();
    }
  });
}
