/**
 * Creator metadata from files made here (sharp images with hand-built chunks and EXIF): ComfyUI
 * graphs followed through links (LoRAs, primitives, custom nodes left absent), A1111 infotext in PNG
 * tEXt/iTXt, JPEG and WebP UserComment and XMP; the cap that drops graphs first.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseParameters, parseSettingsLine } from '../../main/intake/a1111.ts';
import { fieldsFromComfyPrompt, type ComfyGraph } from '../../main/intake/comfy-graph.ts';
import { creatorMetadataFromTexts, readCreatorMetadata } from '../../main/intake/creator-metadata.ts';
import { creatorMetadataSchema, fitMetadata, METADATA_BUDGET_BYTES } from '../../shared/creator-metadata.ts';
import {
  a1111Parameters,
  comfyPrompt,
  comfyWorkflow,
  exifApp1,
  exifWithUserComment,
  iTXt,
  makeJpeg,
  makePng,
  tEXt,
  webpWithExif,
  withJpegSegments,
  withPngChunks,
  xmpApp1,
  zTXt,
} from '../helpers/intake-fixtures.ts';

const dir = await mkdtemp(join(tmpdir(), 'ferry-meta-'));
let n = 0;
async function file(bytes: Buffer, ext: string): Promise<string> {
  const p = join(dir, `f${n++}.${ext}`);
  await writeFile(p, bytes);
  return p;
}

describe('ComfyUI graph', () => {
  it('follows links from the saved image back to sampler, prompts, checkpoint, every LoRA and size', () => {
    expect(fieldsFromComfyPrompt(comfyPrompt() as ComfyGraph)).toEqual({
      seed: 123456789,
      steps: 30,
      cfg: 6.5,
      denoise: 1,
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
      prompt: 'a lighthouse at dusk, volumetric light',
      negativePrompt: 'blurry, lowres',
      model: 'sdxl/juggernautXL_v9.safetensors',
      loras: [
        { name: 'film_grain.safetensors', weight: 0.35, clipWeight: 1 },
        { name: 'detail_tweaker.safetensors', weight: 0.8, clipWeight: 0.6 },
      ],
      width: 832,
      height: 1216,
    });
  });

  it('leaves a value computed by a custom node absent instead of guessing', () => {
    const f = fieldsFromComfyPrompt(comfyPrompt({ seedFromCustomNode: true }) as ComfyGraph);
    expect(f.seed).toBeUndefined();
    expect(f.steps).toBe(30);
  });

  it('picks the sampler that feeds the saved image (hires fix: two samplers), and passes through ControlNet', () => {
    const g = comfyPrompt() as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
    g['20'] = { class_type: 'LatentUpscale', inputs: { samples: ['5', 0], upscale_method: 'nearest-exact', width: 1248, height: 1824, crop: 'disabled' } };
    g['22'] = { class_type: 'ControlNetApplyAdvanced', inputs: { positive: ['6', 0], negative: ['7', 0], control_net: ['23', 0], image: ['24', 0], strength: 0.5 } };
    g['21'] = {
      class_type: 'KSampler',
      inputs: { model: ['3', 0], positive: ['22', 0], negative: ['22', 1], latent_image: ['20', 0], seed: 42, steps: 12, cfg: 5, sampler_name: 'euler', scheduler: 'normal', denoise: 0.4 },
    };
    g['8']!.inputs.samples = ['21', 0];
    const f = fieldsFromComfyPrompt(g as ComfyGraph);
    expect(f).toMatchObject({ seed: 42, steps: 12, denoise: 0.4, width: 1248, height: 1824, prompt: 'a lighthouse at dusk, volumetric light', negativePrompt: 'blurry, lowres' });
  });

  it('a conditioning combine has no one prompt: absent', () => {
    const g = comfyPrompt() as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
    g['30'] = { class_type: 'ConditioningCombine', inputs: { conditioning_1: ['6', 0], conditioning_2: ['7', 0] } };
    g['5']!.inputs.positive = ['30', 0];
    expect(fieldsFromComfyPrompt(g as ComfyGraph).prompt).toBeUndefined();
  });
});

describe('A1111 infotext', () => {
  it('reads prompt, negative, settings, LoRA tags with weights and hashes, Civitai hashes', () => {
    expect(parseParameters(a1111Parameters)).toEqual({
      prompt: 'masterpiece, a red fox in snow <lora:add_detail:0.7>, <lora:fox_style:1.1>',
      negativePrompt: 'worst quality, "low" quality',
      steps: 28,
      sampler: 'DPM++ 2M',
      scheduler: 'Karras',
      cfg: 5.5,
      seed: 3141592653,
      width: 896,
      height: 1152,
      modelHash: '31e35c80fc',
      model: 'sd_xl_base_1.0',
      denoise: 0.45,
      version: 'f2.0.1v1.10.1',
      hashes: { model: '31e35c80fc', 'lora:add_detail': '7c6bad76eb54' },
      loras: [
        { name: 'add_detail', weight: 0.7, hash: '7c6bad76eb54' },
        { name: 'fox_style', weight: 1.1, hash: '0b1c2d3e4f50' },
      ],
    });
  });

  it('settings line: quoted values with commas and JSON objects with nested quotes', () => {
    const m = parseSettingsLine('Steps: 5, Wildcard: "a, b \\"c\\"", Hashes: {"x": "y, z}"}, Seed: 1');
    expect(Object.fromEntries(m)).toEqual({ Steps: '5', Wildcard: 'a, b "c"', Hashes: '{"x": "y, z}"}', Seed: '1' });
  });

  it('a text without a settings line is all prompt; no invented fields', () => {
    expect(parseParameters('just a prompt\nover two lines')).toEqual({ prompt: 'just a prompt\nover two lines' });
  });
});

describe('reading files', () => {
  it('ComfyUI PNG (tEXt prompt + workflow): fields, graphs whole, validated by the shared schema', async () => {
    const png = withPngChunks(await makePng(), [tEXt('prompt', JSON.stringify(comfyPrompt())), tEXt('workflow', JSON.stringify(comfyWorkflow()))]);
    const r = await readCreatorMetadata(await file(png, 'png'), 'image/png');
    expect(creatorMetadataSchema.parse(r.metadata)).toBeTruthy();
    expect(r.metadata).toMatchObject({ sources: ['comfyui'], seed: 123456789, model: 'sdxl/juggernautXL_v9.safetensors' });
    expect(r.metadata!.loras).toHaveLength(2);
    expect((r.metadata!.comfyui!.workflow as { nodes: unknown[] }).nodes).toHaveLength(2);
    expect(Object.keys(r.metadata!.comfyui!.prompt as object)).toHaveLength(11);
    expect(r.promptText).toContain('KSampler');
  });

  it('A1111 PNG, as tEXt, zTXt and compressed iTXt', async () => {
    for (const chunk of [tEXt('parameters', a1111Parameters), zTXt('parameters', a1111Parameters), iTXt('parameters', a1111Parameters, true)]) {
      const r = await readCreatorMetadata(await file(withPngChunks(await makePng(), [chunk]), 'png'), 'image/png');
      expect(r.metadata).toMatchObject({ sources: ['parameters'], seed: 3141592653, modelHash: '31e35c80fc', parameters: a1111Parameters });
    }
  });

  it('ComfyUI-Image-Saver JPEG: infotext in EXIF UserComment (UTF-16BE, as piexif writes it)', async () => {
    const text = `${a1111Parameters.split('\n').slice(0, 2).join('\n')}\nSteps: 20, Sampler: euler_ancestral, CFG scale: 7.0, Seed: 77, Size: 512x768, Model: juggernaut, Hashes: {"model": "abcdef1234", "lora:add_detail": "7c6bad76eb54"}, Version: ComfyUI`;
    const jpeg = withJpegSegments(await makeJpeg(), [exifApp1(exifWithUserComment(text))]);
    const r = await readCreatorMetadata(await file(jpeg, 'jpg'), 'image/jpeg');
    expect(r.metadata).toMatchObject({ seed: 77, model: 'juggernaut', modelHash: 'abcdef1234', width: 512, height: 768, sampler: 'euler_ancestral' });
    expect(r.metadata!.loras).toEqual([{ name: 'add_detail', weight: 0.7, hash: '7c6bad76eb54' }, { name: 'fox_style', weight: 1.1 }]);
  });

  it('WebP with EXIF UserComment; JPEG with the infotext in XMP dc:description', async () => {
    const webp = await webpWithExif(exifWithUserComment(a1111Parameters));
    expect((await readCreatorMetadata(await file(webp, 'webp'), 'image/webp')).metadata).toMatchObject({ seed: 3141592653 });
    const xml = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt><rdf:li xml:lang="x-default">${a1111Parameters.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</rdf:li></rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>`;
    const jpeg = withJpegSegments(await makeJpeg(), [xmpApp1(xml)]);
    expect((await readCreatorMetadata(await file(jpeg, 'jpg'), 'image/jpeg')).metadata).toMatchObject({ seed: 3141592653, loras: [{ name: 'add_detail' }, { name: 'fox_style' }] });
  });

  it('files without creator metadata (and unreadable ones) give none', async () => {
    expect((await readCreatorMetadata(await file(await makePng(), 'png'), 'image/png')).metadata).toBeUndefined();
    expect((await readCreatorMetadata(await file(await makeJpeg(), 'jpg'), 'image/jpeg')).metadata).toBeUndefined();
    expect((await readCreatorMetadata(await file(Buffer.from('not a png'), 'png'), 'image/png')).metadata).toBeUndefined();
  });
});

describe('the metadata cap', () => {
  it('drops the UI workflow first, then the API graph, keeping parsed fields, and says so', () => {
    const big = { ...comfyWorkflow(), extra: 'x'.repeat(80_000) };
    const { metadata } = creatorMetadataFromTexts({ prompt: JSON.stringify(comfyPrompt()), workflow: JSON.stringify(big) });
    expect(JSON.stringify(metadata).length).toBeLessThanOrEqual(METADATA_BUDGET_BYTES);
    expect(metadata!.comfyui!.workflow).toBeUndefined();
    expect(metadata!.comfyui!.prompt).toBeDefined();
    expect(metadata!.omitted).toEqual([{ field: 'comfyui.workflow', bytes: expect.any(Number) }]);
    expect(metadata!.omitted![0]!.bytes).toBeGreaterThan(80_000);
    expect(metadata).toMatchObject({ seed: 123456789, loras: [{}, {}] });
  });

  it('cuts a prompt only when nothing else is left to drop', () => {
    const out = fitMetadata({ sources: ['parameters'], prompt: 'p'.repeat(100_000), seed: 1 });
    expect(JSON.stringify(out).length).toBeLessThanOrEqual(METADATA_BUDGET_BYTES);
    expect(out.seed).toBe(1);
    expect(out.omitted![0]!.field).toMatch(/^prompt \(cut at \d+ characters\)$/);
  });
});

describe('what the API accepts (shared/api.ts metadataSchema)', () => {
  it('keeps a seed beyond 2^53 exact, as digits, in the fields and in the graph; the result passes the API schema', async () => {
    const { metadataSchema } = await import('../../shared/api.ts');
    const prompt = JSON.stringify(comfyPrompt()).replace('"seed":123456789', '"seed":18446744073709551615');
    const { metadata } = creatorMetadataFromTexts({ prompt });
    expect(metadata!.seed).toBe('18446744073709551615');
    expect((metadata!.comfyui!.prompt as Record<string, { inputs: { seed: unknown } }>)['5']!.inputs.seed).toBe('18446744073709551615');
    expect(metadataSchema.safeParse(metadata).success).toBe(true);
    expect(parseParameters('x\nSteps: 5, Seed: 18446744073709551615').seed).toBe('18446744073709551615');
  });

  it('drops a graph that nests deeper than the API allows, and says so', async () => {
    const { metadataSchema } = await import('../../shared/api.ts');
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 12; i++) deep = { nested: deep };
    const { metadata } = creatorMetadataFromTexts({ prompt: JSON.stringify(comfyPrompt()), workflow: JSON.stringify({ nodes: [], extra: deep }) });
    expect(metadata!.comfyui!.workflow).toBeUndefined();
    expect(metadata!.omitted!.map((o) => o.field)).toEqual(['comfyui.workflow']);
    expect(metadataSchema.safeParse(metadata).success).toBe(true);
  });
});
