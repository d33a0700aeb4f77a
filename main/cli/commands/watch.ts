/** `ferry watch <dir>`: keeps uploading what appears in a folder until interrupted. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXIT, UsageError, guard, bandwidthFlags, intFlag, openHost, resolveAlbum, type ApiFlags } from '../common.ts';
import { isFinal } from '../../../shared/file-states.ts';
import { interruption } from '../batch.ts';

export interface WatchFlags extends ApiFlags {
  album?: string;
  createAlbum?: boolean;
  comfyui?: boolean;
  concurrency?: string;
  limitRate?: string;
  /** an rclone-style timetable, e.g. "08:00,512k 19:00,off" */
  bwlimit?: string;
  replace?: boolean;
  stripSecrets?: boolean;
}

/** Runs `ferry watch`. */
export async function run(dir: string, flags: WatchFlags): Promise<never> {
  return guard(async () => {
    if (!existsSync(dir)) throw new UsageError(`no such folder: ${dir}`);
    if (!flags.album && !flags.comfyui) throw new UsageError('watch needs --album, or --comfyui for a ComfyUI output folder');
    const concurrency = intFlag('concurrency', flags.concurrency, 16);
    const bandwidth = bandwidthFlags(flags);
    const interrupted = interruption();
    const host = await openHost(flags, {
      overrides: { concurrency, ...bandwidth },
      holder: `ferry watch (pid ${process.pid})`,
      intake: { replace: Boolean(flags.replace), stripSecrets: Boolean(flags.stripSecrets) },
    });
    try {
      const album = flags.album ? await resolveAlbum(host, flags.album, Boolean(flags.createAlbum)) : undefined;
      const printed = new Map<number, string>();
      host.onEvent((e) => {
        if (e.type === 'online') console.log(e.online ? 'backend reachable again' : 'backend unreachable: holding');
        // The watch keeps running through a lost login: it resumes by itself once `ferry login` succeeds.
        if (e.type === 'paused' && e.reason) console.error(`ferry: ${e.reason}`);
        if (e.type === 'paused' && !e.paused) console.log('resumed');
        // Problems as they happen: a folder gone, a file not whole yet or sent at the ceiling, secrets, replacements.
        if (e.type === 'notice') (e.level === 'warning' ? console.error : console.log)(`${e.level === 'warning' ? 'warning' : 'note'}  ${e.path}: ${e.message}`);
        if (e.type !== 'items') return;
        for (const item of e.items) {
          if (printed.get(item.id) === item.state) continue;
          // One line when the bytes start and one when the file settles; the steps between are noise.
          if (item.state !== 'uploading' && !isFinal(item.state)) continue;
          printed.set(item.id, item.state);
          const detail = item.state === 'failed' ? ` ${item.error?.code}: ${item.error?.message}` : item.state === 'skipped' ? ` (${item.skipReason})` : item.mediaId ? ` ${item.mediaId}` : '';
          (item.state === 'failed' ? console.error : console.log)(`${item.state.padEnd(9)} ${item.path}${detail}${item.note ? ` — ${item.note}` : ''}`);
        }
      });
      const w = await host.api.addWatch({ dir: resolve(dir), comfyui: Boolean(flags.comfyui), ...(album ? { albumId: album.albumId } : {}) });
      if (w.watcher?.state === 'elsewhere') {
        console.error(`ferry: ${w.dir} is already watched by ${w.watcher.holder}; one watcher per folder`);
        return EXIT.usage;
      }
      console.log(`watching ${w.dir}${album ? ` → album "${album.title}"` : ''}${flags.comfyui ? ' (ComfyUI)' : ''}; Ctrl-C to stop`);
      await interrupted;
      return EXIT.ok;
    } finally {
      await host.close();
    }
  });
}
