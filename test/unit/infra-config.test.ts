/**
 * The CDK app's settings and helpers: context parsing, the configured-base-URL variant (no
 * CloudFront), route-key parsing, and the Sharp package closure. Bundling is skipped here through
 * CDK's own `aws:cdk:bundling-stacks` context; infra-stack.test.ts covers the real bundles.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../backend-lambda/functions/routes.ts';
import { parseRouteKey } from '../../backend-lambda/infra/api.ts';
import { buildApp } from '../../backend-lambda/infra/app.ts';
import { readInfraConfig } from '../../backend-lambda/infra/config.ts';
import { sharpRuntimePackages } from '../../backend-lambda/infra/sharp-bundle.ts';

/** One per route, plus process-upload, its dead-letter consumer and cleanup-pending. */
const ALL_FUNCTIONS = apiRoutes.length + 3;
import { parseContextArgs } from '../../backend-lambda/infra/synth.ts';
import { ORIGINAL_PREFIXES, THUMBNAILS_PREFIX } from '../../backend-lambda/infra/bucket.ts';
import { albumMediaKey, avatarKey, generatedKey, parseOriginalKey } from '../../shared/object-keys.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-infra-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function configFrom(context: Record<string, string>) {
  return readInfraConfig(new App({ context }).node);
}

describe('readInfraConfig', () => {
  it('defaults to CloudFront, 5 GiB uploads, a day of pending, 20 reserved process-upload instances', () => {
    expect(configFrom({})).toEqual({
      thumbnails: { kind: 'cloudfront' },
      maxUploadBytes: 5 * 1024 ** 3,
      pendingMaxAgeSeconds: 86_400,
      processUploadConcurrency: 20,
      cleanupEveryMinutes: 15,
    });
  });

  it('reads every key, trims the base URL, and "none" leaves concurrency unreserved', () => {
    expect(
      configFrom({
        thumbnailBaseUrl: 'https://img.example.com/',
        maxUploadBytes: '1048576',
        pendingMaxAgeSeconds: '3600',
        processUploadConcurrency: 'none',
        cleanupEveryMinutes: '5',
      }),
    ).toEqual({
      thumbnails: { kind: 'baseUrl', baseUrl: 'https://img.example.com' },
      maxUploadBytes: 1_048_576,
      pendingMaxAgeSeconds: 3600,
      processUploadConcurrency: undefined,
      cleanupEveryMinutes: 5,
    });
  });

  it.each([
    ['maxUploadBytes', '0'],
    ['maxUploadBytes', '1.5'],
    ['pendingMaxAgeSeconds', 'soon'],
    ['processUploadConcurrency', '-1'],
    ['thumbnailBaseUrl', 'img.example.com'],
    ['thumbnailBaseUrl', 'Presigned'],
  ])('refuses %s=%s, naming the key', (key, value) => {
    expect(() => configFrom({ [key]: value })).toThrow(key);
  });
});

describe('bucket prefixes', () => {
  it('are the first segment of every original key shared/object-keys.ts builds, and thumbnails/ is none of them', () => {
    const keys = [albumMediaKey('a1', 'm1', 'image/jpeg'), avatarKey('u1', 'up1', 'image/png'), generatedKey('g1', 3, 'image/webp')];
    expect(keys.map((k) => `${k.split('/')[0]}/`)).toEqual([...ORIGINAL_PREFIXES]);
    for (const k of keys) expect(parseOriginalKey(k)).toBeDefined();
    expect(ORIGINAL_PREFIXES.some((p) => THUMBNAILS_PREFIX.startsWith(p) || p.startsWith(THUMBNAILS_PREFIX))).toBe(false);
    expect(parseOriginalKey(`${THUMBNAILS_PREFIX}${keys[0]!.replace(/\.jpg$/, '')}/small.webp`)).toBeUndefined();
  });
});

describe('parseContextArgs', () => {
  it('takes -c and --context pairs, keeping "=" inside values', () => {
    expect(parseContextArgs(['-c', 'a=1', '--context', 'thumbnailBaseUrl=https://x/?a=b'])).toEqual({ a: '1', thumbnailBaseUrl: 'https://x/?a=b' });
  });
  it.each([[['--profile', 'x']], [['-c']], [['-c', 'novalue']], [['-c', '=1']]])('refuses %j', (args) => {
    expect(() => parseContextArgs(args)).toThrow();
  });
});

describe('parseRouteKey', () => {
  it('splits method and path', () => {
    expect(parseRouteKey('DELETE /media/{mediaId}/upload')).toEqual({ method: 'DELETE', path: '/media/{mediaId}/upload' });
  });
  it.each(['FETCH /x', 'GET', 'GET /a /b'])('refuses "%s"', (key) => {
    expect(() => parseRouteKey(key)).toThrow(key);
  });
});

describe('sharpRuntimePackages', () => {
  it('is sharp, its dependencies and the two linux-x64 binaries, from the real node_modules', () => {
    const packages = sharpRuntimePackages(join(import.meta.dirname, '..', '..', 'node_modules'));
    expect(packages).toEqual(expect.arrayContaining(['sharp', '@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64', 'detect-libc']));
    expect(packages.filter((p) => /darwin|win32|musl|arm/.test(p))).toEqual([]);
  });

  it('names the missing package and the install command when a binary is absent (a Mac, say)', () => {
    const nm = tempDir();
    const pkg = (name: string, deps: Record<string, string> = {}) => {
      mkdirSync(join(nm, name), { recursive: true });
      writeFileSync(join(nm, name, 'package.json'), JSON.stringify({ name, dependencies: deps }));
    };
    pkg('sharp', { 'detect-libc': '^2' });
    pkg('detect-libc');
    pkg('@img/sharp-darwin-arm64');
    expect(() => sharpRuntimePackages(nm)).toThrow(/@img\/sharp-linux-x64 is missing.*--os=linux --cpu=x64/);
    pkg('@img/sharp-linux-x64');
    pkg('@img/sharp-libvips-linux-x64');
    expect(sharpRuntimePackages(nm)).toEqual(['@img/sharp-libvips-linux-x64', '@img/sharp-linux-x64', 'detect-libc', 'sharp']);
  });
});

/** Synthesizes without bundling (CDK's own switch) and returns the template and our functions. */
function synthNoBundling(context: Record<string, string>) {
  const { stack } = buildApp({ outdir: tempDir(), context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(stack);
  type LambdaResource = { Properties: { Runtime?: string; Environment: { Variables: Record<string, unknown> }; ReservedConcurrentExecutions?: number } };
  const fns = (Object.values(template.findResources('AWS::Lambda::Function')) as LambdaResource[]).filter((r) => r.Properties.Runtime === 'nodejs24.x');
  return { stack, template, fns };
}

describe('with presigned thumbnails', () => {
  it('creates no CloudFront and leaves PUBLIC_BASE_URL unset, so the handlers sign GETs', () => {
    const { template, fns } = synthNoBundling({ thumbnailBaseUrl: 'presigned' });
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    expect(fns).toHaveLength(ALL_FUNCTIONS);
    for (const fn of fns) expect(fn.Properties.Environment.Variables).not.toHaveProperty('PUBLIC_BASE_URL');
    template.hasOutput('ThumbnailBaseUrl', { Value: 'presigned' });
  });
});

describe('with a configured thumbnail base URL', () => {
  it('creates no CloudFront and hands the URL to the functions', () => {
    const { stack, template, fns } = synthNoBundling({ thumbnailBaseUrl: 'https://img.example.com/', processUploadConcurrency: 'none', stackName: 'FerryTest' });
    expect(stack.stackName).toBe('FerryTest');
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 0);
    expect(fns).toHaveLength(ALL_FUNCTIONS);
    for (const fn of fns) {
      expect(fn.Properties.Environment.Variables.PUBLIC_BASE_URL).toBe('https://img.example.com');
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
    template.hasOutput('ThumbnailBaseUrl', { Value: 'https://img.example.com' });
  });
});
