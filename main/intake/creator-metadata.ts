/**
 * Reads what a file says about how it was made, from where the tools write it: PNG text chunks
 * (ComfyUI `prompt`/`workflow`, A1111 `parameters`, InvokeAI `invokeai_metadata`), JPEG EXIF
 * UserComment and XMP (A1111, Forge, ComfyUI-Image-Saver), WebP EXIF/XMP chunks, and ComfyUI's
 * own WebP EXIF tags (`prompt:{…}`, `workflow:{…}`). The result is redacted (redact.ts) and fitted
 * to the API's metadata cap before it leaves; the findings say what the file itself still holds.
 */
import { open } from 'node:fs/promises';
import exifr from 'exifr';
import { creatorMetadataSchema, fitMetadata, type CreatorMetadata, type Lora } from '../../shared/creator-metadata.ts';
import { parseParameters } from './a1111.ts';
import { fieldsFromComfyPrompt, parseGraph, type ComfyGraph } from './comfy-graph.ts';
import { readPngTextChunks } from './png-chunks.ts';
import { redactValue, type Finding } from './redact.ts';

/** The texts a file carries that creator metadata comes from, by role. */
export interface CreatorTexts {
  prompt?: string;
  workflow?: string;
  parameters?: string;
  invokeai?: string;
}

export interface CreatorRead {
  /** undefined when the file carries none */
  metadata: CreatorMetadata | undefined;
  /** the secrets and home paths found (and redacted from `metadata`); the file itself still holds them */
  findings: Finding[];
  /** ComfyUI's raw `prompt` text: what groups a generation's files */
  promptText: string | undefined;
}

/** EXIF UserComment: an 8-byte charset prefix, then the text (piexif writes UNICODE as UTF-16BE). */
export function decodeUserComment(raw: Uint8Array | string): string {
  if (typeof raw === 'string') return raw;
  const b = Buffer.from(raw);
  const prefix = b.toString('latin1', 0, 8);
  const body = b.subarray(8);
  if (prefix.startsWith('UNICODE')) {
    // No BOM in practice; ASCII text says its order by where the zero bytes are.
    const bytes = Buffer.from(body.subarray(0, body.length & ~1));
    if (body.length >= 2 && body[0] === 0 && body[1] !== 0) bytes.swap16();
    return bytes.toString('utf16le').replace(/\0+$/, '');
  }
  if (prefix.startsWith('ASCII') || prefix === '\0'.repeat(8)) return body.toString('utf8').replace(/\0+$/, '');
  return b.toString('utf8').replace(/\0+$/, '');
}

/** The XMP fields tools put infotext or graphs in (dc:description, exif:UserComment), as plain text. */
function xmpTexts(xmp: string): string[] {
  const out: string[] = [];
  for (const m of xmp.matchAll(/<(dc:description|exif:UserComment|tiff:ImageDescription)[^>]*>([\s\S]*?)<\/\1>/g)) {
    const li = /<rdf:li[^>]*>([\s\S]*?)<\/rdf:li>/.exec(m[2]!);
    out.push(unescapeXml((li ? li[1]! : m[2]!).trim()));
  }
  return out;
}

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp|#x[0-9a-f]+|#\d+);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()]!;
    return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });

/** Sorts free texts (EXIF, XMP) into roles: `prompt:`/`workflow:` prefixes (ComfyUI WebP), infotext. */
function classify(texts: (string | undefined)[], into: CreatorTexts): CreatorTexts {
  for (const t of texts) {
    if (!t?.trim()) continue;
    if (t.startsWith('prompt:') && !into.prompt) into.prompt = t.slice(7);
    else if (t.startsWith('workflow:') && !into.workflow) into.workflow = t.slice(9);
    else if (/(?:^|\n)Steps:\s*\d+/.test(t) && !into.parameters) into.parameters = t;
  }
  return into;
}

/** WebP's EXIF and XMP chunks (RIFF walk over chunk headers). */
async function webpChunks(path: string): Promise<{ exif?: Buffer; xmp?: string }> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const out: { exif?: Buffer; xmp?: string } = {};
    const head = Buffer.alloc(8);
    for (let pos = 12; pos + 8 <= size; ) {
      await fh.read(head, 0, 8, pos);
      const id = head.toString('latin1', 0, 4);
      const len = head.readUInt32LE(4);
      if ((id === 'EXIF' || id === 'XMP ') && len <= 16 * 1024 * 1024) {
        const data = Buffer.alloc(len);
        await fh.read(data, 0, len, pos + 8);
        if (id === 'EXIF') out.exif = data.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? data.subarray(6) : data;
        else out.xmp = data.toString('utf8');
      }
      pos += 8 + len + (len & 1);
    }
    return out;
  } finally {
    await fh.close();
  }
}

/** EXIF/XMP of a JPEG path or a WebP's TIFF block, via exifr; strings worth classifying. */
async function exifTexts(input: string | Buffer): Promise<string[]> {
  const e = (await exifr
    .parse(input, { tiff: true, exif: true, ifd0: {}, userComment: true, xmp: { parse: false }, translateValues: false, reviveValues: false, sanitize: false })
    .catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!e) return [];
  const out: string[] = [];
  const uc = e.userComment ?? e.UserComment;
  if (uc instanceof Uint8Array || typeof uc === 'string') out.push(decodeUserComment(uc));
  for (const k of ['ImageDescription', 'Make', 'Model', 'XPComment']) if (typeof e[k] === 'string') out.push(e[k]);
  if (typeof e.xmp === 'string') out.push(...xmpTexts(e.xmp));
  return out;
}

/** The creator texts of a file, by its MIME type. Unreadable files carry none. */
export async function readCreatorTexts(path: string, mimeType: string): Promise<CreatorTexts> {
  try {
    if (mimeType === 'image/png') {
      const t: CreatorTexts = {};
      for (const c of await readPngTextChunks(path)) {
        const role = ({ prompt: 'prompt', workflow: 'workflow', parameters: 'parameters', invokeai_metadata: 'invokeai' } as const)[c.keyword];
        if (role && t[role] === undefined) t[role] = c.text;
        else if (c.keyword === 'XML:com.adobe.xmp') classify(xmpTexts(c.text), t);
      }
      return t;
    }
    if (mimeType === 'image/jpeg') return classify(await exifTexts(path), {});
    if (mimeType === 'image/webp') {
      const { exif, xmp } = await webpChunks(path);
      return classify([...(exif ? await exifTexts(exif) : []), ...(xmp ? xmpTexts(xmp) : [])], {});
    }
  } catch {
    // an unreadable or malformed file has no metadata to send; processing judges the file itself
  }
  return {};
}

/** InvokeAI's `invokeai_metadata` JSON (v3/v4 field names). */
function fieldsFromInvoke(j: Record<string, unknown>): Omit<CreatorMetadata, 'sources'> {
  const m: Omit<CreatorMetadata, 'sources'> = {};
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const set = <K extends keyof typeof m>(k: K, v: (typeof m)[K] | undefined) => {
    if (v !== undefined) m[k] = v;
  };
  set('prompt', str(j.positive_prompt));
  set('negativePrompt', str(j.negative_prompt));
  set('seed', n(j.seed));
  set('steps', n(j.steps));
  set('cfg', n(j.cfg_scale));
  set('scheduler', str(j.scheduler));
  set('denoise', n(j.strength));
  if (Number.isInteger(j.width) && Number.isInteger(j.height)) Object.assign(m, { width: j.width, height: j.height });
  const model = j.model as { name?: unknown; model_name?: unknown; hash?: unknown } | undefined;
  set('model', str(model?.name) ?? str(model?.model_name));
  set('modelHash', str(model?.hash));
  if (Array.isArray(j.loras)) {
    const loras: Lora[] = [];
    for (const l of j.loras as { model?: { name?: unknown; model_name?: unknown }; lora?: { model_name?: unknown }; weight?: unknown }[]) {
      const name = str(l.model?.name) ?? str(l.model?.model_name) ?? str(l.lora?.model_name);
      if (name) loras.push({ name, ...(n(l.weight) !== undefined ? { weight: n(l.weight)! } : {}) });
    }
    if (loras.length) m.loras = loras;
  }
  return m;
}

/**
 * Creator metadata from a file's texts: ComfyUI graph fields, overlaid by the infotext where both
 * exist (Image-Saver's text is what the tool itself declared, hashes included), graphs kept whole,
 * then redacted and fitted to the API's cap.
 */
export function creatorMetadataFromTexts(t: CreatorTexts): Omit<CreatorRead, 'promptText'> {
  const promptGraph = parseGraph(t.prompt);
  const workflow = parseGraph(t.workflow);
  const invoke = parseGraph(t.invokeai);
  if (!promptGraph && !workflow && !t.parameters && !invoke) return { metadata: undefined, findings: [] };
  const sources: CreatorMetadata['sources'] = [];
  let fields: Omit<CreatorMetadata, 'sources'> = {};
  if (promptGraph || workflow) {
    sources.push('comfyui');
    if (promptGraph) fields = fieldsFromComfyPrompt(promptGraph as ComfyGraph);
  }
  if (invoke) {
    sources.push('invokeai');
    fields = { ...fields, ...fieldsFromInvoke(invoke) };
  }
  if (t.parameters) {
    sources.push('parameters');
    // JSON `parameters` (Fooocus's own scheme) has no settings line to read: kept as text only.
    const parsed = t.parameters.trimStart().startsWith('{') ? {} : parseParameters(t.parameters);
    fields = { ...fields, ...parsed, parameters: t.parameters };
  }
  const raw: CreatorMetadata = {
    sources,
    ...fields,
    ...(promptGraph || workflow ? { comfyui: { ...(promptGraph ? { prompt: promptGraph } : {}), ...(workflow ? { workflow } : {}) } } : {}),
  };
  const { value, findings } = redactValue(raw);
  if (findings.length) value.redacted = [...new Set(findings.map((f) => f.path))];
  return { metadata: creatorMetadataSchema.parse(fitMetadata(value)), findings };
}

/** Reads, redacts and fits a file's creator metadata. */
export async function readCreatorMetadata(path: string, mimeType: string): Promise<CreatorRead> {
  const texts = await readCreatorTexts(path, mimeType);
  return { ...creatorMetadataFromTexts(texts), promptText: texts.prompt };
}
