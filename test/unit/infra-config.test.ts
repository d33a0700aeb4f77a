/**
 * The CDK app's settings and helpers: context parsing, the configured-base-URL variant (no
 * CloudFront), route-key parsing, and the Sharp package closure. Bundling is skipped here through
 * CDK's own `aws:cdk:bundling-stacks` context; infra-stack.test.ts covers the real bundles.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../backend-lambda/functions/routes.ts';
import { parseRouteKey } from '../../backend-lambda/infra/api.ts';
import { buildApp } from '../../backend-lambda/infra/app.ts';
import { readInfraConfig } from '../../backend-lambda/infra/config.ts';
import { binaryPackageDir, LAMBDA_SHARP_BINARIES, lockedPackage, sharpJsPackages } from '../../backend-lambda/infra/sharp-bundle.ts';

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
      failedOriginalDays: 30,
      authDomainPrefix: undefined,
      loginCallbackPorts: [53682, 53683, 53684],
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
    ).toMatchObject({
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

describe('sharp for linux-arm64 Lambda', () => {
  const repo = join(import.meta.dirname, '..', '..');
  const lockfile = join(repo, 'package-lock.json');

  it("takes sharp's JavaScript packages from node_modules and no platform binary", () => {
    const packages = sharpJsPackages(join(repo, 'node_modules'));
    expect(packages).toEqual(expect.arrayContaining(['sharp', 'detect-libc']));
    expect(packages.filter((p) => p.startsWith('@img/sharp-'))).toEqual([]);
  });

  it('pins both arm64 binaries to the version sharp asks for, from the lockfile', () => {
    const sharpPkg = JSON.parse(readFileSync(join(repo, 'node_modules', 'sharp', 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> };
    for (const name of LAMBDA_SHARP_BINARIES) {
      const pin = lockedPackage(lockfile, name);
      expect(pin.version, name).toBe(sharpPkg.optionalDependencies[name]);
      expect(pin.integrity, name).toMatch(/^sha512-/);
    }
    expect(LAMBDA_SHARP_BINARIES).toEqual(['@img/sharp-linux-arm64', '@img/sharp-libvips-linux-arm64']);
  });

  /** A fake `npm pack`: a real tarball of a package directory, so integrity and extraction are exercised. */
  function fakePack(version: string) {
    const calls: string[] = [];
    const pack = (spec: string, dir: string) => {
      calls.push(spec);
      const src = tempDir();
      mkdirSync(join(src, 'package', 'lib'), { recursive: true });
      writeFileSync(join(src, 'package', 'package.json'), JSON.stringify({ name: '@img/x', version }));
      writeFileSync(join(src, 'package', 'lib', 'x.node'), 'binary');
      const tgz = join(dir, 'x.tgz');
      execFileSync('tar', ['-czf', tgz, '-C', src, 'package']);
      return tgz;
    };
    return { pack, calls };
  }

  it('packs a missing binary once, checks it against the lockfile, and serves it from the cache after', () => {
    const tgz = fakePack('1.0.0').pack('probe', tempDir());
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
    const calls: string[] = [];
    // npm pack of a published version always yields the same bytes; the fake copies one tarball
    const pack = (spec: string, dir: string) => (calls.push(spec), execFileSync('cp', [tgz, dir]), join(dir, 'x.tgz'));
    const cache = tempDir();
    const dir = binaryPackageDir('@img/x', { version: '1.0.0', integrity }, tempDir(), cache, pack);
    expect(readFileSync(join(dir, 'lib', 'x.node'), 'utf8')).toBe('binary');
    expect(binaryPackageDir('@img/x', { version: '1.0.0', integrity }, tempDir(), cache, pack)).toBe(dir);
    expect(calls).toEqual(['@img/x@1.0.0']);
  });

  it('refuses bytes whose integrity differs from the lockfile, and caches nothing', () => {
    const cache = tempDir();
    const { pack } = fakePack('1.0.0');
    expect(() => binaryPackageDir('@img/x', { version: '1.0.0', integrity: 'sha512-AAAA' }, tempDir(), cache, pack)).toThrow(/integrity .* package-lock\.json says sha512-AAAA/);
    expect(readdirSync(cache)).toEqual([]);
  });

  it("uses node_modules' copy when it is the locked version (an arm64 Linux machine)", () => {
    const nm = tempDir();
    mkdirSync(join(nm, '@img', 'x'), { recursive: true });
    writeFileSync(join(nm, '@img', 'x', 'package.json'), JSON.stringify({ version: '1.0.0' }));
    const { pack, calls } = fakePack('1.0.0');
    expect(binaryPackageDir('@img/x', { version: '1.0.0', integrity: 'sha512-unused' }, nm, tempDir(), pack)).toBe(join(nm, '@img', 'x'));
    expect(calls).toEqual([]);
  });
});

describe('failed originals, sign-in domain and callback ports', () => {
  it('default to 30 days, a derived domain and three loopback ports', () => {
    expect(configFrom({})).toMatchObject({ failedOriginalDays: 30, authDomainPrefix: undefined, loginCallbackPorts: [53682, 53683, 53684] });
    expect(configFrom({ failedOriginalDays: '7', authDomainPrefix: 'my-ferry', loginCallbackPorts: '50000, 50001' })).toMatchObject({
      failedOriginalDays: 7,
      authDomainPrefix: 'my-ferry',
      loginCallbackPorts: [50000, 50001],
    });
  });
  it.each([
    ['failedOriginalDays', '0'],
    ['authDomainPrefix', 'My_Ferry'],
    ['authDomainPrefix', 'ferry-aws'],
    ['loginCallbackPorts', '80'],
    ['loginCallbackPorts', 'x'],
  ])('refuses %s=%s, naming the key', (key, value) => {
    expect(() => configFrom({ [key]: value })).toThrow(key);
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
