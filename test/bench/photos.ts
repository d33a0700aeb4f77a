/**
 * Photo-like 12 MP JPEGs for the benches, cached in `.bench/photos/`. Noise alone is the wrong test
 * input: it defeats JPEG (files 3× a camera's), it has no subject for an attention crop, and its
 * WebP encodes cost differs from a photo's. These have what photos have: smooth sky-like gradients,
 * soft shapes at several scales, a few hard edges and text, and mild sensor-like grain.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';

export const PHOTO_WIDTH = 4000;
export const PHOTO_HEIGHT = 3000;

/** A small deterministic PRNG (mulberry32), so every machine benches the same files. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hsl = (h: number, s: number, l: number) => `hsl(${h.toFixed(0)},${s.toFixed(0)}%,${l.toFixed(0)}%)`;

/** The scene, drawn at 1/4 size and enlarged: enlarging is what makes its gradients camera-smooth. */
function sceneSvg(seed: number): string {
  const r = rng(seed);
  const w = PHOTO_WIDTH / 4;
  const h = PHOTO_HEIGHT / 4;
  const hue = r() * 360;
  const shapes: string[] = [];
  for (let i = 0; i < 40; i++) {
    const cx = r() * w;
    const cy = h * 0.3 + r() * h * 0.7;
    const rx = 10 + r() ** 2 * 220;
    const ry = rx * (0.4 + r());
    shapes.push(`<ellipse cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" rx="${rx.toFixed(1)}" ry="${ry.toFixed(1)}" fill="${hsl(hue + r() * 160 - 80, 20 + r() * 60, 15 + r() * 60)}" opacity="${(0.4 + r() * 0.6).toFixed(2)}"/>`);
  }
  // The subject: somewhere off centre, saturated and detailed, as a person or a flower would be.
  const sx = (r() < 0.5 ? 0.1 + r() * 0.25 : 0.65 + r() * 0.25) * w;
  const sy = (0.35 + r() * 0.4) * h;
  for (let i = 0; i < 12; i++) {
    const a = (i / 12) * Math.PI * 2;
    shapes.push(`<circle cx="${(sx + Math.cos(a) * 40).toFixed(1)}" cy="${(sy + Math.sin(a) * 40).toFixed(1)}" r="${18 + (i % 3) * 6}" fill="${hsl(hue + 180 + i * 8, 85, 50)}"/>`);
  }
  // Thin dark lines (branches, wires): edges the enlargement keeps fairly crisp.
  for (let i = 0; i < 30; i++) {
    const x = r() * w;
    const y = h * 0.45 + r() * h * 0.5;
    shapes.push(`<line x1="${x.toFixed(1)}" y1="${y.toFixed(1)}" x2="${(x + r() * 200 - 100).toFixed(1)}" y2="${(y - r() * 150).toFixed(1)}" stroke="#202020" stroke-width="${(0.5 + r()).toFixed(2)}" opacity="0.6"/>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="${hsl(hue, 55, 70)}"/><stop offset="0.45" stop-color="${hsl(hue + 30, 40, 85)}"/>
      <stop offset="0.46" stop-color="${hsl(hue + 120, 35, 40)}"/><stop offset="1" stop-color="${hsl(hue + 140, 30, 18)}"/>
    </linearGradient>
    <radialGradient id="sun" cx="${(0.2 + r() * 0.6).toFixed(2)}" cy="0.2" r="0.5">
      <stop offset="0" stop-color="#fff8e0" stop-opacity="0.9"/><stop offset="1" stop-color="#fff8e0" stop-opacity="0"/>
    </radialGradient>
    <filter id="soft"><feGaussianBlur stdDeviation="1.2"/></filter>
  </defs>
  <rect width="100%" height="100%" fill="url(#sky)"/><rect width="100%" height="100%" fill="url(#sun)"/>
  <g filter="url(#soft)">${shapes.join('')}</g>
</svg>`;
}

/** A sign with text, drawn at full size: the hard edges and lettering a real scene has. */
function signSvg(seed: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="760" height="220">
  <rect width="760" height="220" rx="18" fill="#f4f1e8" opacity="0.92"/>
  <text x="40" y="140" font-family="sans-serif" font-size="110" fill="#1d2b3a">FERRY ${seed}</text>
</svg>`;
}

/** Adds mild triangular grain (±12) in place, like a sensor's at base ISO; it keeps the mean colour. */
function addGrain(px: Buffer, seed: number): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < px.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const n = ((s >>> 24) & 15) + ((s >>> 16) & 15) - 15;
    const v = px[i]! + n;
    px[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
}

/** One photo-like 4000×3000 JPEG at quality 90 (about 2 MB). */
export async function makePhoto(seed: number): Promise<Buffer> {
  const r = rng(seed * 7 + 3);
  // Rendered to pixels first: libvips renders an SVG region by region, and with a blur filter each
  // region re-renders the whole drawing (20 s a photo instead of 0.5).
  const drawn = await sharp(Buffer.from(sceneSvg(seed))).png({ compressionLevel: 0 }).toBuffer();
  const scene = await sharp(drawn)
    .resize(PHOTO_WIDTH, PHOTO_HEIGHT, { kernel: 'cubic' })
    .composite([{ input: Buffer.from(signSvg(seed)), left: Math.round(200 + r() * 2800), top: Math.round(300 + r() * 2000) }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  addGrain(scene.data, seed);
  return sharp(scene.data, { raw: { width: scene.info.width, height: scene.info.height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** `count` photos in `.bench/photos/` (made once, kept across runs); returns their paths. */
export async function benchPhotos(count: number): Promise<string[]> {
  const dir = resolve('.bench/photos');
  mkdirSync(dir, { recursive: true });
  const paths = Array.from({ length: count }, (_, i) => join(dir, `photo-${String(i).padStart(4, '0')}.jpg`));
  for (const [i, p] of paths.entries()) if (!existsSync(p)) writeFileSync(p, await makePhoto(i + 1));
  return paths;
}

/** Used by the benches to say where the inputs came from. */
export function photosDir(): string {
  return resolve('.bench/photos');
}

export const photoCount = (): number => (existsSync(photosDir()) ? readdirSync(photosDir()).length : 0);
