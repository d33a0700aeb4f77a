/** SPEC §4: the rendition table, used by process-upload and by clients that pick a size. */
export const albumRenditions = [
  { name: 'cover', width: 128, height: 128, fit: 'cover', quality: 80 },
  { name: 'small', width: 240, height: 240, fit: 'cover', quality: 85 },
  { name: 'medium', width: 300, height: 300, fit: 'cover', quality: 90 },
  { name: 'large', width: 365, height: 365, fit: 'cover', quality: 90 },
  { name: 'xlarge', width: 600, height: 600, fit: 'cover', quality: 95 },
  { name: 'display', width: 2560, height: 2560, fit: 'inside', quality: 90 },
] as const satisfies readonly RenditionSpec[];

export const avatarRenditions = [
  { name: 'small', width: 32, height: 32, fit: 'inside', quality: 85 },
  { name: 'medium', width: 96, height: 96, fit: 'inside', quality: 90 },
  { name: 'large', width: 128, height: 128, fit: 'inside', quality: 90 },
  { name: 'display', width: 2560, height: 2560, fit: 'inside', quality: 90 },
] as const satisfies readonly RenditionSpec[];

export interface RenditionSpec {
  name: string;
  width: number;
  height: number;
  fit: 'cover' | 'inside';
  quality: number;
}

export type AlbumRenditionName = (typeof albumRenditions)[number]['name'];
export type AvatarRenditionName = (typeof avatarRenditions)[number]['name'];

/** Rendition objects are immutable: a new upload gets a new key. */
export const RENDITION_CACHE_CONTROL = 'public, max-age=31536000, immutable';
