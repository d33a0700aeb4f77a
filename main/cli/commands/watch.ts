/** `ferry watch <dir>`: keeps uploading what appears in a folder until interrupted. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXIT, UsageError, guard, intFlag, openHost, rateFlag, resolveAlbum, type ApiFlags } from '../common.ts';
import { isFinal } from '../../../shared/file-states.ts';
import { interruption } from '../batch.ts';

export interface WatchFlags extends ApiFlags {
  album?: string;
  createAlbum?: boolean;
  comfyui?: boolean;
  concurrency?: string;
  limitRate?: string;
}

/** Runs `ferry watch`. */
export async function run(dir: string, flags: WatchFlags): Promise<never> {
  return guard(async () => {
    if (!existsSync(dir)) throw new UsageError(`no such folder: ${dir}`);
    if (!flags.album && !flags.comfyui) throw new UsageError('watch needs --album, or --comfyui for a ComfyUI output folder');
    const concurrency = intFlag('concurrency', flags.concurrency, 16);
    const bandwidthLimit = rateFlag(flags.limitRate);
    const interrupted = interruption();
    const host = await openHost(flags, { overrides: { concurrency, bandwidthLimit } });
    try {
      const album = flags.album ? await resolveAlbum(host, flags.album, Boolean(flags.createAlbum)) : undefined;
      const printed = new Map<number, string>();
      host.onEvent((e) => {
        if (e.type === 'online') console.log(e.online ? 'backend reachable again' : 'backend unreachable: holding');
        if (e.type !== 'items') return;
        for (const item of e.items) {
          if (printed.get(item.id) === item.state) continue;
          // One line when the bytes start and one when the file settles; the steps between are noise.
          if (item.state !== 'uploading' && !isFinal(item.state)) continue;
          printed.set(item.id, item.state);
          const detail = item.state === 'failed' ? ` ${item.error?.code}: ${item.error?.message}` : item.state === 'skipped' ? ` (${item.skipReason})` : item.mediaId ? ` ${item.mediaId}` : '';
          console.log(`${item.state.padEnd(9)} ${item.path}${detail}`);
        }
      });
      const w = await host.api.addWatch({ dir: resolve(dir), comfyui: Boolean(flags.comfyui), ...(album ? { albumId: album.albumId } : {}) });
      console.log(`watching ${w.dir}${album ? ` → album "${album.title}"` : ''}${flags.comfyui ? ' (ComfyUI)' : ''}; Ctrl-C to stop`);
      await interrupted;
      return EXIT.ok;
    } finally {
      await host.close();
    }
  });
}
