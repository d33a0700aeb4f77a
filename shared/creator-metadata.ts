/**
 * What an image says about how it was made (ComfyUI graphs, A1111-style `parameters` text), as sent
 * with an upload in the API's `metadata` field and read back from `GET /media/{id}`. A field a file
 * does not state plainly is absent, never guessed: a gallery links models by these values.
 */
import { z } from 'zod';
import { metadataSchema, utf8Length } from './api.ts';

export const loraSchema = z.object({
  name: z.string(),
  /** strength on the model (ComfyUI `strength_model`, A1111 `<lora:name:weight>`) */
  weight: z.number().optional(),
  /** strength on the text encoder (ComfyUI `strength_clip`) */
  clipWeight: z.number().optional(),
  /** short or full hash, as the file gives it (`Lora hashes`, Civitai `Hashes`) */
  hash: z.string().optional(),
});
export type Lora = z.infer<typeof loraSchema>;

export const creatorMetadataSchema = z.object({
  /** where the fields were read from: ComfyUI's graphs, A1111-style text, or both (Image-Saver) */
  sources: z.array(z.enum(['comfyui', 'parameters', 'invokeai'])),
  prompt: z.string().optional(),
  negativePrompt: z.string().optional(),
  /** a number, or its exact digits when beyond 2^53 (ComfyUI seeds go to 2^64; JSON numbers would round) */
  seed: z.union([z.number(), z.string().regex(/^\d+$/)]).optional(),
  steps: z.number().optional(),
  cfg: z.number().optional(),
  sampler: z.string().optional(),
  scheduler: z.string().optional(),
  denoise: z.number().optional(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  model: z.string().optional(),
  modelHash: z.string().optional(),
  loras: z.array(loraSchema).optional(),
  /** Civitai's `Hashes: {"model": …, "lora:name": …}`, kept as written */
  hashes: z.record(z.string(), z.string()).optional(),
  /** the generating tool's `Version` field (Forge, A1111, Image-Saver write it) */
  version: z.string().optional(),
  /** the A1111-style text as the file holds it (redacted like everything else) */
  parameters: z.string().optional(),
  /** ComfyUI's graphs, whole, for re-opening the workflow: `prompt` (API format) and `workflow` (UI format) */
  comfyui: z.object({ prompt: z.unknown().optional(), workflow: z.unknown().optional() }).optional(),
  /** what was left out to stay under the API's metadata cap, and how big it was */
  omitted: z.array(z.object({ field: z.string(), bytes: z.number().int() })).optional(),
  /** secrets and home paths replaced before sending: where (JSON-ish paths), never what */
  redacted: z.array(z.string()).optional(),
  /**
   * Set when the uploaded bytes are not the source file's: `--strip-secrets` rewrote the chunks that
   * held secrets. `sha256` is the source file's, so the original can still be recognised locally.
   */
  bytesDiffer: z.object({ reason: z.string(), sourceSha256: z.string().optional() }).optional(),
});
export type CreatorMetadata = z.infer<typeof creatorMetadataSchema>;

/**
 * The serialized size Ferry keeps metadata under. The backend refuses more than 64 KB (MAX_METADATA_BYTES); a margin
 * leaves room for the fields the engine adds after fitting (bytesDiffer) and for UTF-8 vs UTF-16.
 */
export const METADATA_BUDGET_BYTES = 60 * 1024;

/**
 * Makes metadata fit the budget. ComfyUI's UI `workflow` graph goes first (the largest, and only
 * needed to re-open the editor), then the API `prompt` graph, then the raw `parameters` text; the
 * parsed fields (prompt, seed, model, LoRAs, hashes) are what a gallery needs and stay. Each dropped
 * part is listed in `omitted` with its size, so the record says it is incomplete. Long prompts are
 * cut last, flagged the same way.
 */
export function fitMetadata(meta: CreatorMetadata, budget = METADATA_BUDGET_BYTES): CreatorMetadata {
  const out: CreatorMetadata = { ...meta, ...(meta.comfyui ? { comfyui: { ...meta.comfyui } } : {}) };
  const omitted = [...(meta.omitted ?? [])];
  const size = () => utf8Length(JSON.stringify({ ...out, omitted }));
  // The API also refuses nesting deeper than its limit (a ComfyUI subgraph workflow can): the same drops apply.
  const fits = () => size() <= budget && metadataSchema.safeParse({ ...out, omitted }).success;
  const drops: [string, () => unknown, () => void][] = [
    ['comfyui.workflow', () => out.comfyui?.workflow, () => delete out.comfyui!.workflow],
    ['comfyui.prompt', () => out.comfyui?.prompt, () => delete out.comfyui!.prompt],
    ['parameters', () => out.parameters, () => delete out.parameters],
  ];
  for (const [field, get, drop] of drops) {
    if (fits()) break;
    const value = get();
    if (value === undefined) continue;
    omitted.push({ field, bytes: utf8Length(JSON.stringify(value)) });
    drop();
  }
  if (out.comfyui && out.comfyui.prompt === undefined && out.comfyui.workflow === undefined) delete out.comfyui;
  for (const field of ['negativePrompt', 'prompt'] as const) {
    const text = out[field];
    if (fits() || text === undefined) continue;
    const keep = Math.max(0, text.length - (size() - budget) - 64);
    omitted.push({ field: `${field} (cut at ${keep} characters)`, bytes: utf8Length(text) });
    out[field] = text.slice(0, keep);
  }
  if (omitted.length) out.omitted = omitted;
  return out;
}
