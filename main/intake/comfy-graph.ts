/**
 * Creator fields from ComfyUI's `prompt` chunk (the API-format graph: node id → {class_type,
 * inputs}, an input being a literal or a link `[nodeId, outputIndex]`). The sampler that made the
 * saved image is found by walking back from the output node; its settings, prompts, model, LoRAs
 * and size are read by following links. A link that ends in a node whose output cannot be known
 * without running it (a custom node computing a value, a conditioning combine) leaves the field
 * absent: a wrong seed or model name is worse than none.
 */
import type { CreatorMetadata, Lora } from '../../shared/creator-metadata.ts';

export type ComfyNode = { class_type?: string; inputs?: Record<string, unknown> };
export type ComfyGraph = Record<string, ComfyNode>;
type Link = [string, number];

const MAX_DEPTH = 32;
const isLink = (v: unknown): v is Link => Array.isArray(v) && v.length === 2 && (typeof v[0] === 'string' || typeof v[0] === 'number') && typeof v[1] === 'number';
const linkId = (l: Link) => String(l[0]);

const SAMPLERS = new Set(['KSampler', 'KSamplerAdvanced']);
/** Names value-holding nodes give the one widget they pass on (Primitive*, "Int Literal", rgthree Seed, …). */
const VALUE_INPUTS = ['value', 'int', 'float', 'number', 'seed', 'noise_seed', 'string', 'text', 'Text'];

/**
 * A literal, or the value a link carries when it ends in a pure value node: a node with no linked
 * inputs of its own and exactly one literal of the wanted type among the value-ish names (or `name`).
 */
function literal<T extends 'number' | 'string'>(g: ComfyGraph, v: unknown, type: T, name: string, depth = 0): (T extends 'number' ? number : string) | undefined {
  type R = T extends 'number' ? number : string;
  if (typeof v === type) return v as R;
  if (!isLink(v) || depth > MAX_DEPTH) return undefined;
  const inputs = g[linkId(v)]?.inputs;
  if (!inputs || Object.values(inputs).some(isLink)) return undefined;
  const candidates = [name, ...VALUE_INPUTS].filter((k) => typeof inputs[k] === type);
  const distinct = new Set(candidates.map((k) => inputs[k]));
  return distinct.size === 1 ? (inputs[candidates[0]!] as R) : undefined;
}

/** The sampler behind the saved image: walk back from output nodes (they take `images`); else the only sampler. */
function findSampler(g: ComfyGraph): ComfyNode | undefined {
  const outputs = Object.values(g).filter((n) => isLink(n.inputs?.images) && /save|preview|output/i.test(n.class_type ?? ''));
  for (const out of outputs) {
    const seen = new Set<string>();
    const queue: Link[] = [out.inputs!.images as Link];
    while (queue.length) {
      const id = linkId(queue.shift()!);
      if (seen.has(id) || seen.size > 500) continue;
      seen.add(id);
      const node = g[id];
      if (!node) continue;
      if (SAMPLERS.has(node.class_type ?? '')) return node;
      for (const v of Object.values(node.inputs ?? {})) if (isLink(v)) queue.push(v);
    }
  }
  const all = Object.values(g).filter((n) => SAMPLERS.has(n.class_type ?? ''));
  return all.length === 1 ? all[0] : undefined;
}

/** The prompt text a conditioning link carries, through pass-through nodes. */
function conditioningText(g: ComfyGraph, link: unknown, depth = 0): string | undefined {
  if (!isLink(link) || depth > MAX_DEPTH) return undefined;
  const node = g[linkId(link)];
  const inputs = node?.inputs ?? {};
  const cls = node?.class_type ?? '';
  if (/^CLIPTextEncode/.test(cls)) {
    for (const key of ['text', 'text_g', 't5xxl', 'prompt']) {
      if (key in inputs) return literal(g, inputs[key], 'string', key);
    }
    return undefined;
  }
  // ControlNetApplyAdvanced and kin pass positive (output 0) and negative (output 1) through.
  if (isLink(inputs.positive) && isLink(inputs.negative)) return conditioningText(g, link[1] === 0 ? inputs.positive : inputs.negative, depth + 1);
  // Single-conditioning pass-throughs (ConditioningSetArea, FluxGuidance, ControlNetApply…); a
  // combine of two has no one text, so it stays unknown.
  const conds = Object.entries(inputs).filter(([k, v]) => isLink(v) && /^conditioning/.test(k));
  if (conds.length === 1) return conditioningText(g, conds[0]![1], depth + 1);
  return undefined;
}

/** Power Lora Loader (rgthree) keeps each LoRA as {on, lora, strength[, strengthTwo]}. */
function rgthreeLoras(inputs: Record<string, unknown>): Lora[] {
  const out: Lora[] = [];
  for (const [k, v] of Object.entries(inputs)) {
    if (!/^lora_\d+$/i.test(k) || !v || typeof v !== 'object') continue;
    const e = v as { on?: unknown; lora?: unknown; strength?: unknown; strengthTwo?: unknown };
    if (e.on === false || typeof e.lora !== 'string' || e.lora === 'None') continue;
    out.push({
      name: e.lora,
      ...(typeof e.strength === 'number' ? { weight: e.strength } : {}),
      ...(typeof e.strengthTwo === 'number' ? { clipWeight: e.strengthTwo } : {}),
    });
  }
  return out;
}

/** Follows a `model` (or `clip`) link back to the checkpoint, collecting every LoRA loader on the way. */
function modelChain(g: ComfyGraph, link: unknown, input: 'model' | 'clip', loras: Map<string, Lora>): string | undefined {
  for (let depth = 0; isLink(link) && depth < MAX_DEPTH; depth++) {
    const id = linkId(link);
    const node = g[id];
    const inputs = node?.inputs ?? {};
    for (const key of ['ckpt_name', 'unet_name', 'model_name']) {
      if (typeof inputs[key] === 'string') return inputs[key] as string;
    }
    if (typeof inputs.lora_name === 'string' && !loras.has(id)) {
      const weight = literal(g, inputs.strength_model ?? inputs.strength, 'number', 'strength_model');
      const clipWeight = literal(g, inputs.strength_clip, 'number', 'strength_clip');
      loras.set(id, { name: inputs.lora_name, ...(weight !== undefined ? { weight } : {}), ...(clipWeight !== undefined ? { clipWeight } : {}) });
    }
    if (/Power Lora Loader/i.test(node?.class_type ?? '') && !loras.has(id)) rgthreeLoras(inputs).forEach((l, i) => loras.set(`${id}#${i}`, l));
    link = inputs[input];
  }
  return undefined;
}

/** Creator fields of an API-format graph (the `prompt` chunk). */
export function fieldsFromComfyPrompt(g: ComfyGraph): Omit<CreatorMetadata, 'sources'> {
  const meta: Omit<CreatorMetadata, 'sources'> = {};
  const sampler = findSampler(g);
  if (!sampler?.inputs) return meta;
  const i = sampler.inputs;
  const seedKey = i.seed !== undefined ? 'seed' : 'noise_seed';
  const seed = literal(g, i[seedKey], 'number', seedKey) ?? literal(g, i[seedKey], 'string', seedKey);
  // A string seed is only kept as the exact digits parseGraph left for a number beyond 2^53.
  if (typeof seed === 'number' || (typeof seed === 'string' && /^\d+$/.test(seed))) meta.seed = seed;
  for (const [field, key] of [['steps', 'steps'], ['cfg', 'cfg'], ['denoise', 'denoise']] as const) {
    const v = literal(g, i[key], 'number', key);
    if (v !== undefined) meta[field] = v;
  }
  const samplerName = literal(g, i.sampler_name, 'string', 'sampler_name');
  if (samplerName !== undefined) meta.sampler = samplerName;
  const scheduler = literal(g, i.scheduler, 'string', 'scheduler');
  if (scheduler !== undefined) meta.scheduler = scheduler;
  const pos = conditioningText(g, i.positive);
  if (pos !== undefined) meta.prompt = pos;
  const neg = conditioningText(g, i.negative);
  if (neg !== undefined) meta.negativePrompt = neg;

  const loras = new Map<string, Lora>();
  const model = modelChain(g, i.model, 'model', loras);
  if (model !== undefined) meta.model = model;
  // LoRAs that only touch the text encoder sit on the encoders' clip path.
  for (const cond of [i.positive, i.negative]) {
    if (isLink(cond)) modelChain(g, g[linkId(cond)]?.inputs?.clip, 'clip', loras);
  }
  if (loras.size) meta.loras = [...loras.values()];

  const latent = isLink(i.latent_image) ? g[linkId(i.latent_image)]?.inputs : undefined;
  const width = literal(g, latent?.width, 'number', 'width');
  const height = literal(g, latent?.height, 'number', 'height');
  if (width !== undefined && height !== undefined && Number.isInteger(width) && Number.isInteger(height)) {
    meta.width = width;
    meta.height = height;
  }
  return meta;
}

/**
 * JSON.parse keeping integers beyond 2^53 exact, as digit strings: ComfyUI seeds reach 2^64, a
 * rounded seed reproduces nothing, and the API refuses unsafe integers in metadata.
 */
const exactIntegers = (_key: string, value: unknown, context?: { source?: string }) =>
  typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value) && context?.source ? context.source : value;

/** Parses a graph chunk; anything but a JSON object is undefined. */
export function parseGraph(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text, exactIntegers as (key: string, value: unknown) => unknown) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
