/**
 * The ComfyUI preset: reads the `prompt` and `workflow` text chunks ComfyUI writes into its PNGs and
 * turns them into generation metadata. Chunks are parsed here from the file's first bytes (text
 * chunks precede the image data) rather than by decoding the image, so a 20 MB PNG costs a few reads.
 */
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** tEXt / zTXt / iTXt chunks before the first IDAT, keyword → text. */
export async function readPngText(path: string, maxBytes = 8 * 1024 * 1024): Promise<Record<string, string>> {
  const fh = await open(path, 'r');
  try {
    const out: Record<string, string> = {};
    const sig = Buffer.alloc(8);
    await fh.read(sig, 0, 8, 0);
    if (!sig.equals(PNG_SIGNATURE)) return out;
    let pos = 8;
    const head = Buffer.alloc(8);
    while (pos < maxBytes) {
      const { bytesRead } = await fh.read(head, 0, 8, pos);
      if (bytesRead < 8) break;
      const length = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (type === 'IDAT' || type === 'IEND') break;
      if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
        const data = Buffer.alloc(length);
        await fh.read(data, 0, length, pos + 8);
        const parsed = parseTextChunk(type, data);
        if (parsed) out[parsed[0]] = parsed[1];
      }
      pos += 12 + length;
    }
    return out;
  } finally {
    await fh.close();
  }
}

/** One text chunk's keyword and text (PNG spec §11.3.4). */
export function parseTextChunk(type: string, data: Buffer): [string, string] | undefined {
  const nul = data.indexOf(0);
  if (nul <= 0) return undefined;
  const keyword = data.toString('latin1', 0, nul);
  if (type === 'tEXt') return [keyword, data.toString('latin1', nul + 1)];
  if (type === 'zTXt') return [keyword, inflateSync(data.subarray(nul + 2)).toString('latin1')];
  // iTXt: keyword \0 compressionFlag compressionMethod languageTag \0 translatedKeyword \0 text (UTF-8)
  const flag = data[nul + 1];
  const lang = data.indexOf(0, nul + 3);
  const translated = data.indexOf(0, lang + 1);
  if (lang < 0 || translated < 0) return undefined;
  const body = data.subarray(translated + 1);
  return [keyword, (flag === 1 ? inflateSync(body) : body).toString('utf8')];
}

type PromptGraph = Record<string, { class_type?: string; inputs?: Record<string, unknown> }>;

/** What Ferry sends as a generation's metadata. */
export interface GenerationMetadata {
  prompt?: string;
  negativePrompt?: string;
  seed?: number;
  model?: string;
  sampler?: string;
  scheduler?: string;
  steps?: number;
  cfg?: number;
}

/** Follows a `[nodeId, outputIndex]` link to the text it carries (CLIPTextEncode and friends). */
function textOf(graph: PromptGraph, link: unknown, depth = 0): string | undefined {
  if (depth > 8) return undefined;
  if (typeof link === 'string') return link;
  if (!Array.isArray(link) || typeof link[0] !== 'string') return undefined;
  const node = graph[link[0]];
  const inputs = node?.inputs ?? {};
  for (const key of ['text', 'text_g', 'prompt', 'string', 'value']) {
    const v = inputs[key];
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return textOf(graph, v, depth + 1);
  }
  if (inputs.conditioning) return textOf(graph, inputs.conditioning, depth + 1);
  return undefined;
}

function numberOf(graph: PromptGraph, v: unknown, depth = 0): number | undefined {
  if (typeof v === 'number') return v;
  if (depth > 8 || !Array.isArray(v) || typeof v[0] !== 'string') return undefined;
  const inputs = graph[v[0]]?.inputs ?? {};
  for (const key of ['seed', 'noise_seed', 'value', 'int', 'number']) {
    const n = numberOf(graph, inputs[key], depth + 1);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** Prompt text, seed, model, sampler, steps and cfg from ComfyUI's `prompt` JSON (API format). */
export function extractMetadata(promptJson: string): GenerationMetadata {
  let graph: PromptGraph;
  try {
    graph = JSON.parse(promptJson) as PromptGraph;
  } catch {
    return {};
  }
  const meta: GenerationMetadata = {};
  const nodes = Object.values(graph);
  const sampler = nodes.find((n) => /KSampler|SamplerCustom/i.test(n.class_type ?? '') && n.inputs);
  if (sampler?.inputs) {
    const i = sampler.inputs;
    const seed = numberOf(graph, i.seed ?? i.noise_seed);
    if (seed !== undefined) meta.seed = seed;
    const steps = numberOf(graph, i.steps);
    if (steps !== undefined) meta.steps = steps;
    const cfg = numberOf(graph, i.cfg);
    if (cfg !== undefined) meta.cfg = cfg;
    if (typeof i.sampler_name === 'string') meta.sampler = i.sampler_name;
    if (typeof i.scheduler === 'string') meta.scheduler = i.scheduler;
    const pos = textOf(graph, i.positive);
    if (pos !== undefined) meta.prompt = pos;
    const neg = textOf(graph, i.negative);
    if (neg !== undefined) meta.negativePrompt = neg;
  }
  const loader = nodes.find((n) => typeof n.inputs?.ckpt_name === 'string' || typeof n.inputs?.unet_name === 'string');
  const model = loader?.inputs?.ckpt_name ?? loader?.inputs?.unet_name;
  if (typeof model === 'string') meta.model = model;
  if (meta.prompt === undefined) {
    const enc = nodes.find((n) => /CLIPTextEncode/.test(n.class_type ?? '') && typeof n.inputs?.text === 'string');
    if (enc) meta.prompt = enc.inputs!.text as string;
  }
  return meta;
}

/** What the preset needs to file one output: which prompt it came from and what to send. */
export interface ComfyInfo {
  promptHash: string;
  metadata: GenerationMetadata;
}

/**
 * Reads a ComfyUI output. Files of one prompt execution carry the same `prompt` chunk, so its hash
 * groups them; a file with no prompt gets a group of its own (hash of its path).
 */
export async function readComfyInfo(path: string): Promise<ComfyInfo> {
  let text: Record<string, string> = {};
  if (path.toLowerCase().endsWith('.png')) text = await readPngText(path).catch(() => ({}));
  const prompt = text.prompt;
  if (!prompt) return { promptHash: createHash('sha256').update(path).digest('hex'), metadata: {} };
  return { promptHash: createHash('sha256').update(prompt).digest('hex'), metadata: extractMetadata(prompt) };
}
