/**
 * Puts Sharp and its linux-arm64 native binaries into process-upload's bundle. Sharp cannot go
 * through esbuild (it loads a `.node` addon and libvips at run time), and `nodeModules` bundling
 * would run `npm install` at synth time. The JavaScript packages come from the local node_modules;
 * the two binary packages are for another platform than most dev machines and CI runners, so npm
 * never installs them there: they come from node_modules when present (an arm64 Linux box), else
 * from a cache filled once by `npm pack` at the exact version and integrity package-lock.json pins.
 * After the first synth on a machine, synth needs no network; the first one needs only the npm registry.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Lambda arm64 (Graviton) runs Amazon Linux 2023 with glibc, so the glibc (not musl) arm64 builds. */
export const LAMBDA_SHARP_BINARIES = ['@img/sharp-linux-arm64', '@img/sharp-libvips-linux-arm64'] as const;

/** Where packed binaries are kept between synths: FERRY_SHARP_CACHE, else the user's cache folder. */
export function defaultSharpCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.FERRY_SHARP_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ferry', 'sharp-lambda');
}

interface Pin {
  version: string;
  integrity: string;
}

/** The version and integrity package-lock.json records for a package (npm locks every platform's optional binaries). */
export function lockedPackage(lockfile: string, name: string): Pin {
  const lock = JSON.parse(readFileSync(lockfile, 'utf8')) as { packages?: Record<string, { version?: string; integrity?: string }> };
  const entry = lock.packages?.[`node_modules/${name}`];
  if (!entry?.version || !entry.integrity) throw new Error(`${lockfile} pins no version and integrity for ${name}; run npm install once to refresh the lockfile`);
  return { version: entry.version, integrity: entry.integrity };
}

function integrityOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/**
 * The directory of one binary package at its locked version: node_modules' copy when it is that
 * version, else the cache's, packed from the registry on first use and checked against the lockfile.
 */
export function binaryPackageDir(name: string, pin: Pin, nodeModulesDir: string, cacheDir: string, pack = npmPack): string {
  const installed = join(nodeModulesDir, name);
  if (existsSync(join(installed, 'package.json'))) {
    const { version } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string };
    if (version === pin.version) return installed;
  }
  const cached = join(cacheDir, `${name.replace('/', '+')}@${pin.version}`);
  if (existsSync(join(cached, 'package', 'package.json'))) return join(cached, 'package');
  const work = join(tmpdir(), `ferry-sharp-${process.pid}-${Date.now()}`);
  mkdirSync(work, { recursive: true });
  try {
    const tarball = pack(`${name}@${pin.version}`, work);
    const got = integrityOf(tarball);
    // The same check npm ci makes: a registry or proxy serving other bytes than the lockfile's stops synth.
    if (got !== pin.integrity) throw new Error(`${name}@${pin.version} from the registry has integrity ${got}, package-lock.json says ${pin.integrity}`);
    execFileSync('tar', ['-xzf', tarball, '-C', work]);
    mkdirSync(cacheDir, { recursive: true });
    rmSync(cached, { recursive: true, force: true });
    mkdirSync(cached);
    // Rename into place last, so an interrupted synth never leaves a half-extracted package cached.
    renameSync(join(work, 'package'), join(cached, 'package'));
    return join(cached, 'package');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `npm pack` one exact version into `dir` (npm's own cache makes a second call offline); returns the tarball. */
function npmPack(spec: string, dir: string): string {
  try {
    execFileSync('npm', ['pack', spec, '--pack-destination', dir, '--silent'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '');
    throw new Error(`could not fetch ${spec} for process-upload's linux-arm64 bundle (npm pack: ${stderr.trim() || (err as Error).message}). The first synth on a machine needs the npm registry; later ones use ${defaultSharpCache()}.`, { cause: err });
  }
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack ${spec} wrote no tarball`);
  return join(dir, tgz);
}

/** Sharp's JavaScript packages: sharp and its dependencies (not the optional per-platform binaries). */
export function sharpJsPackages(nodeModulesDir: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const manifest = join(nodeModulesDir, name, 'package.json');
    if (!existsSync(manifest)) throw new Error(`${name} is missing from ${nodeModulesDir}; process-upload needs it on Lambda (npm ci)`);
    seen.add(name);
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep);
  };
  visit('sharp');
  return [...seen].sort();
}

/** Every package the bundle needs, by name, with the directory its files are copied from. */
export function sharpLambdaPackages(repoRoot: string, cacheDir = defaultSharpCache(), pack = npmPack): { name: string; dir: string }[] {
  const nodeModulesDir = join(repoRoot, 'node_modules');
  const lockfile = join(repoRoot, 'package-lock.json');
  return [
    ...sharpJsPackages(nodeModulesDir).map((name) => ({ name, dir: join(nodeModulesDir, name) })),
    ...LAMBDA_SHARP_BINARIES.map((name) => ({ name, dir: binaryPackageDir(name, lockedPackage(lockfile, name), nodeModulesDir, cacheDir, pack) })),
  ];
}

/**
 * Command hooks that copy those packages next to the bundle, so `import 'sharp'` resolves. Resolved
 * when bundling runs, so a synth that skips bundling (`aws:cdk:bundling-stacks`) never packs anything.
 */
export function sharpCommandHooks(repoRoot: string, cacheDir?: string): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) =>
      sharpLambdaPackages(repoRoot, cacheDir).map(({ name, dir }) => {
        const target = join(outputDir, 'node_modules', name);
        // -L: copy what symlinks (npm link, pnpm-style stores) point to, since the zip keeps none.
        return `mkdir -p ${shellQuote(join(target, '..'))} && cp -RL ${shellQuote(dir)} ${shellQuote(target)}`;
      }),
  };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
