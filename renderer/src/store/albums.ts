/** The albums list and the one open album's photos (paged by the backend's cursor). */
import type { DeleteMediaResult } from '../../../shared/engine-api.ts';
import type { FerryState, SliceContext } from './ferry-state.ts';

export type AlbumsSlice = Pick<
  FerryState,
  'albums' | 'albumsLoaded' | 'albumMedia' | 'loadAlbums' | 'createAlbum' | 'openAlbum' | 'loadMoreMedia' | 'deleteMedia'
>;

/** Albums state and actions. */
export function albumsSlice({ api, set, get, guard }: SliceContext): AlbumsSlice {
  return {
    albums: [],
    albumsLoaded: false,
    albumMedia: null,

    async loadAlbums() {
      const albums = await guard('Could not load albums', () => api.listAlbums());
      if (albums) set({ albums, albumsLoaded: true });
    },
    async createAlbum(title) {
      const album = await guard('Could not create the album', () => api.createAlbum(title));
      if (album) set({ albums: [album, ...get().albums.filter((a) => a.albumId !== album.albumId)] });
      return album;
    },
    async openAlbum(albumId) {
      if (!albumId) return set({ albumMedia: null });
      set({ albumMedia: { albumId, media: [], nextCursor: null, loading: true } });
      const page = await guard('Could not load the album', () => api.listAlbumMedia(albumId));
      // The user may have opened another album (or closed it) while this one loaded.
      if (get().albumMedia?.albumId !== albumId) return;
      set({ albumMedia: { albumId, media: page?.media ?? [], nextCursor: page?.nextCursor ?? null, loading: false } });
    },
    async loadMoreMedia() {
      const cur = get().albumMedia;
      if (!cur?.nextCursor || cur.loading) return;
      set({ albumMedia: { ...cur, loading: true } });
      const page = await guard('Could not load more', () => api.listAlbumMedia(cur.albumId, cur.nextCursor ?? undefined));
      const now = get().albumMedia;
      if (now?.albumId !== cur.albumId) return;
      set({
        albumMedia: {
          ...now,
          media: [...now.media, ...(page?.media ?? [])],
          nextCursor: page ? page.nextCursor : now.nextCursor,
          loading: false,
        },
      });
    },

    async deleteMedia(mediaIds) {
      // The engine takes 100 IDs a call (shared/ipc.ts); a bigger selection goes in slices.
      const res = await guard('Could not delete', async () => {
        const all: DeleteMediaResult = { deleted: [], failed: [] };
        for (let i = 0; i < mediaIds.length; i += 100) {
          const part = await api.deleteMedia(mediaIds.slice(i, i + 100));
          all.deleted.push(...part.deleted);
          all.failed.push(...part.failed);
        }
        return all;
      });
      if (!res) return false;
      const gone = new Set(res.deleted);
      const cur = get().albumMedia;
      if (cur) set({ albumMedia: { ...cur, media: cur.media.filter((m) => !gone.has(m.mediaId)) } });
      const n = res.deleted.length;
      if (res.failed.length) {
        get().notify('error', `Deleted ${n} photo${n === 1 ? '' : 's'}; ${res.failed.length} could not be deleted: ${res.failed[0]!.message}`);
      } else {
        get().notify('info', `Deleted ${n} photo${n === 1 ? '' : 's'}.`);
      }
      // The album's count and cover follow the backend.
      void get().loadAlbums();
      return res.failed.length === 0;
    },
  };
}
