/**
 * ★ Secrets never leave the machine: credential-named inputs, key-shaped strings and home paths are
 * redacted from the metadata (the workflow's unnamed widget values included); the warning names what
 * the file still holds; --strip-secrets writes a PNG copy whose chunks are clean, with valid CRCs and
 * the image data untouched.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { isSecretKey, redactString, redactTexts, redactValue, REDACTED } from '../../main/intake/redact.ts';
import { readCreatorMetadata } from '../../main/intake/creator-metadata.ts';
import { readPngTextChunks } from '../../main/intake/png-chunks.ts';
import { secretWarning, stripPngSecrets } from '../../main/intake/strip-secrets.ts';
import { a1111Parameters, comfyPrompt, comfyWorkflow, iTXt, makePng, tEXt, withPngChunks } from '../helpers/intake-fixtures.ts';

const KEY = 'sk-proj-Zq81bW3xYc0vT5nLr7Ks2PdA9fGhJ4mE';
const PLAIN_KEY = 'my-own-relay-password-1234'; // no known shape: only its input's name gives it away

describe('redaction', () => {
  it.each([
    ['api_key', true], ['apiKey', true], ['API-KEY', true], ['apikey', true], ['token', true], ['hf_token', true], ['secret', true],
    ['client_secret', true], ['password', true], ['auth', true], ['Authorization', true], ['aws_access_key_id', true],
    ['aws_secret_access_key', true], ['private_key', true], ['max_tokens', false], ['token_normalization', false],
    ['text', false], ['ckpt_name', false], ['keyframe', false], ['key', false],
  ])('%s is a credential name: %s', (key, yes) => expect(isSecretKey(key)).toBe(yes));

  it('finds key shapes and home paths inside text, and leaves prompts alone', () => {
    const s = `use ${KEY} and hf_abcdefghijklmnopqrstuvwxyz0123456789 and AKIAIOSFODNN7EXAMPLE and ghp_${'a'.repeat(36)} and xoxb-1234567890-abc and eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlc2ln`;
    const r = redactString(s);
    expect(r.text).toBe(`use ${Array(6).fill(REDACTED).join(' and ')}`);
    expect(redactString('/home/alice/ComfyUI/models, /Users/Bob Smith/x, C:\\Users\\carol\\out, /Users/Shared/x').text).toBe(
      '~/ComfyUI/models, ~/x, ~\\out, /Users/Shared/x',
    );
    expect(redactString('a skyline, sk-8 bits, masterpiece').kinds.size).toBe(0);
  });

  it('redacts named inputs, and the same values in the workflow where they have no name', () => {
    const texts = [JSON.stringify(comfyPrompt({ apiKey: PLAIN_KEY })), JSON.stringify(comfyWorkflow(PLAIN_KEY)), a1111Parameters];
    const out = redactTexts(texts);
    expect(out.map((o) => o.text.includes(PLAIN_KEY))).toEqual([false, false, false]);
    expect(out[0]!.findings.map((f) => f.path)).toContain('11.inputs.api_key');
    expect(out[1]!.findings.map((f) => f.path)).toContain('nodes.1.widgets_values.0');
    expect(out[2]).toEqual({ text: a1111Parameters, findings: [] });
    // links under a credential-named input are structure, not secrets
    expect(redactValue({ n: { inputs: { api_key: ['4', 0] } } }).value).toEqual({ n: { inputs: { api_key: ['4', 0] } } });
  });
});

describe('metadata and files', () => {
  it('a workflow with an api_key input never shows its value in the metadata', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-secrets-'));
    const png = withPngChunks(await makePng(), [
      tEXt('prompt', JSON.stringify(comfyPrompt({ apiKey: PLAIN_KEY, home: '/home/alice' }))),
      iTXt('workflow', JSON.stringify(comfyWorkflow(KEY))),
    ]);
    const path = join(dir, 'out.png');
    await writeFile(path, png);
    const r = await readCreatorMetadata(path, 'image/png');
    const sent = JSON.stringify(r.metadata);
    expect(sent).not.toContain(PLAIN_KEY);
    expect(sent).not.toContain(KEY);
    expect(sent).not.toContain('/home/alice');
    expect(sent).toContain('~/ComfyUI/cache');
    expect(r.metadata!.redacted).toEqual(expect.arrayContaining(['comfyui.prompt.11.inputs.api_key', 'comfyui.workflow.nodes.1.widgets_values.0']));
    expect(r.metadata!.seed).toBe(123456789); // the rest is intact
    expect(secretWarning(r.findings, { strip: false, mimeType: 'image/png' })).toMatch(/2 secrets .* and 1 path naming your home folder.*--strip-secrets/);
  });

  it('--strip-secrets: a staged PNG copy with clean chunks, valid CRCs, the same pixels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-strip-'));
    const source = join(dir, 'out.png');
    const png = withPngChunks(await makePng(64, 40), [
      tEXt('prompt', JSON.stringify(comfyPrompt({ apiKey: PLAIN_KEY }))),
      tEXt('workflow', JSON.stringify(comfyWorkflow(PLAIN_KEY))),
      tEXt('Software', 'ComfyUI'),
    ]);
    await writeFile(source, png);
    const stripped = await stripPngSecrets(source, join(dir, 'staged'));
    expect(stripped!.chunks).toEqual(['prompt', 'workflow']);
    const copy = await readFile(stripped!.path);
    expect(copy.includes(Buffer.from(PLAIN_KEY))).toBe(false);
    expect(copy.includes(Buffer.from('/home/alice'))).toBe(false);
    expect(await readFile(source)).toEqual(png); // the source is never touched
    expect((await stat(stripped!.path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'staged'))).mode & 0o777).toBe(0o700);
    // every chunk's CRC is right (libpng would refuse the file otherwise), pixels unchanged
    for (let pos = 8; pos < copy.length; ) {
      const len = copy.readUInt32BE(pos);
      expect(copy.readUInt32BE(pos + 8 + len)).toBe(crc32(copy.subarray(pos + 4, pos + 8 + len)) >>> 0);
      pos += 12 + len;
    }
    expect(await sharp(copy).raw().toBuffer()).toEqual(await sharp(png).raw().toBuffer());
    const texts = await readPngTextChunks(stripped!.path);
    expect(texts.map((t) => t.keyword)).toEqual(['prompt', 'workflow', 'Software']);
    expect(JSON.parse(texts[0]!.text)['11'].inputs.api_key).toBe(REDACTED);
    // the same version again reuses the copy; a clean file needs none
    expect((await stripPngSecrets(source, join(dir, 'staged')))!.path).toBe(stripped!.path);
    const clean = join(dir, 'clean.png');
    await writeFile(clean, withPngChunks(await makePng(), [tEXt('parameters', a1111Parameters)]));
    expect(await stripPngSecrets(clean, join(dir, 'staged'))).toBeUndefined();
  });
});

describe('prepareFile', () => {
  it('with --strip-secrets: staged copy (source mtime), metadata says the bytes differ and why; without: a warning', async () => {
    const { prepareFile } = await import('../../main/intake/prepare.ts');
    const dir = await mkdtemp(join(tmpdir(), 'ferry-prepare-'));
    const source = join(dir, 'ComfyUI_00001_.png');
    await writeFile(source, withPngChunks(await makePng(), [tEXt('prompt', JSON.stringify(comfyPrompt({ apiKey: KEY })))]));
    const plain = await prepareFile(source, 'image/png', { stripSecrets: false, stagingDir: join(dir, 'staged') });
    expect(plain.staged).toBeUndefined();
    expect(plain.warning).toMatch(/file itself still carries them; use --strip-secrets/);
    const stripped = await prepareFile(source, 'image/png', { stripSecrets: true, stagingDir: join(dir, 'staged') });
    expect(stripped.promptHash).toBe(plain.promptHash);
    expect(stripped.warning).toMatch(/from the copy uploaded/);
    expect(stripped.metadata!.bytesDiffer).toEqual({ reason: 'secrets rewritten out of the prompt chunk (--strip-secrets)', sourceSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(Math.trunc((await stat(stripped.staged!.path)).mtimeMs)).toBe(Math.trunc((await stat(source)).mtimeMs));
    expect((await readFile(stripped.staged!.path)).includes(Buffer.from(KEY))).toBe(false);
    expect(stripped.staged!.size).toBe((await stat(stripped.staged!.path)).size);
  });
});
