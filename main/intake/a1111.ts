/**
 * A1111-style "infotext", the `parameters` text that Automatic1111, Forge, Fooocus (in its A1111
 * scheme), InvokeAI's exports and ComfyUI-Image-Saver write into PNG text chunks and JPEG/WebP EXIF
 * UserComment:
 *
 *   <prompt, any number of lines>
 *   Negative prompt: <any number of lines>
 *   Steps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 832x1216,
 *   Model hash: 31e35c80fc, Model: sdxl, Lora hashes: "detail: 1a2b3c", Hashes: {"model": "…"}
 *
 * Values with commas are written quoted (JSON strings) or as JSON objects (Civitai's `Hashes`).
 * Only keys listed here become fields; the text is kept whole alongside.
 */
import type { CreatorMetadata, Lora } from '../../shared/creator-metadata.ts';

/** The last line holds the settings when it starts with (or contains) `Steps: <n>`, as A1111 itself decides. */
const SETTINGS_LINE = /(?:^|,\s*)Steps:\s*\d+/;

/** Key-value pairs of the settings line, values unquoted; JSON object values stay text. */
export function parseSettingsLine(line: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && (line[i] === ',' || line[i] === ' ')) i++;
    const colon = line.indexOf(':', i);
    if (colon < 0) break;
    const key = line.slice(i, colon).trim();
    i = colon + 1;
    while (i < n && line[i] === ' ') i++;
    let value: string;
    if (line[i] === '"') {
      const end = endOfJsonString(line, i);
      try {
        value = JSON.parse(line.slice(i, end)) as string;
      } catch {
        value = line.slice(i + 1, end - 1);
      }
      i = end;
    } else if (line[i] === '{') {
      const end = endOfJsonObject(line, i);
      value = line.slice(i, end);
      i = end;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      value = line.slice(i, end).trim();
      i = end;
    }
    if (key) out.set(key, value);
  }
  return out;
}

function endOfJsonString(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i + 1;
  }
  return s.length;
}

function endOfJsonObject(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"') i = endOfJsonString(s, i) - 1;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i + 1;
  }
  return s.length;
}

const num = (v: string | undefined) => {
  if (v === undefined || v.trim() === '') return undefined;
  const x = Number(v);
  return Number.isFinite(x) ? x : undefined;
};

/** `<lora:name:0.8>` (and `<lyco:…>`) tags: name and the model weight (the first number). */
export function loraTags(prompt: string): Lora[] {
  const out: Lora[] = [];
  for (const m of prompt.matchAll(/<(?:lora|lyco):([^:>]+)(?::([^:>]+))?(?::[^>]*)?>/gi)) {
    const weight = num(m[2]);
    out.push({ name: m[1]!.trim(), ...(weight !== undefined ? { weight } : {}) });
  }
  return out;
}

/** `"name: hash, other: hash"` → name → hash. */
function loraHashes(v: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (v ?? '').split(',')) {
    const at = part.lastIndexOf(':');
    if (at > 0) out.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return out;
}

/** Fields of an infotext; `sources` and the raw text are added by the caller. */
export function parseParameters(text: string): Omit<CreatorMetadata, 'sources'> {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let settings = new Map<string, string>();
  if (lines.length && SETTINGS_LINE.test(lines[lines.length - 1]!)) settings = parseSettingsLine(lines.pop()!);
  const neg = lines.findIndex((l) => l.startsWith('Negative prompt:'));
  const promptLines = neg < 0 ? lines : lines.slice(0, neg);
  const meta: Omit<CreatorMetadata, 'sources'> = {};
  const prompt = promptLines.join('\n').trim();
  if (prompt) meta.prompt = prompt;
  if (neg >= 0) meta.negativePrompt = [lines[neg]!.slice('Negative prompt:'.length), ...lines.slice(neg + 1)].join('\n').trim();

  const setNum = (field: 'seed' | 'steps' | 'cfg' | 'denoise', key: string) => {
    const v = num(settings.get(key));
    if (v !== undefined) meta[field] = v;
  };
  setNum('steps', 'Steps');
  setNum('cfg', 'CFG scale');
  const seedText = settings.get('Seed')?.trim();
  // Beyond 2^53 a seed is kept as its exact digits (a rounded seed reproduces nothing).
  if (seedText && /^\d+$/.test(seedText) && !Number.isSafeInteger(Number(seedText))) meta.seed = seedText;
  else setNum('seed', 'Seed');
  setNum('denoise', 'Denoising strength');
  const str = (key: string) => settings.get(key) || undefined;
  if (str('Sampler')) meta.sampler = str('Sampler');
  if (str('Schedule type')) meta.scheduler = str('Schedule type');
  if (str('Model')) meta.model = str('Model');
  if (str('Model hash')) meta.modelHash = str('Model hash');
  if (str('Version')) meta.version = str('Version');
  const size = /^(\d+)\s*x\s*(\d+)$/.exec(settings.get('Size') ?? '');
  if (size) {
    meta.width = Number(size[1]);
    meta.height = Number(size[2]);
  }

  let hashes: Record<string, string> | undefined;
  try {
    const parsed = settings.has('Hashes') ? (JSON.parse(settings.get('Hashes')!) as unknown) : undefined;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      hashes = Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
    }
  } catch {
    // a Hashes value that is not JSON is left in the raw text only
  }
  if (hashes && Object.keys(hashes).length) meta.hashes = hashes;
  if (!meta.modelHash && hashes?.model) meta.modelHash = hashes.model;

  // LoRAs: the prompt's tags carry weights; `Lora hashes` and Civitai's `lora:<name>` carry hashes.
  const byHash = loraHashes(settings.get('Lora hashes'));
  for (const [k, v] of Object.entries(hashes ?? {})) if (k.startsWith('lora:') && !byHash.has(k.slice(5))) byHash.set(k.slice(5), v);
  const loras = loraTags(meta.prompt ?? '');
  for (const l of loras) {
    const h = byHash.get(l.name);
    if (h) l.hash = h;
  }
  for (const [name, hash] of byHash) if (!loras.some((l) => l.name === name)) loras.push({ name, hash });
  if (loras.length) meta.loras = loras;
  return meta;
}
