/**
 * Puts Sharp and its linux-x64 native binaries into one function's bundle, copied from the local
 * node_modules. Sharp cannot go through esbuild (it loads a `.node` addon and libvips at run time),
 * and `nodeModules` bundling would run `npm install` at synth time, which needs the network.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';

// Lambda x86_64 runs Amazon Linux 2023 with glibc, so the glibc (not musl) x64 builds.
const LINUX_X64_PACKAGES = ['@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64'];

/** The packages Sharp needs at run time on linux-x64: sharp, its dependencies and both binaries. */
export function sharpRuntimePackages(nodeModulesDir: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const manifest = join(nodeModulesDir, name, 'package.json');
    if (!existsSync(manifest)) {
      throw new Error(
        `${name} is missing from ${nodeModulesDir}; process-upload needs it for Lambda. ` +
          'On a machine that is not linux-x64, run: npm install --no-save --os=linux --cpu=x64 --libc=glibc sharp',
      );
    }
    seen.add(name);
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep);
  };
  visit('sharp');
  for (const name of LINUX_X64_PACKAGES) visit(name);
  return [...seen].sort();
}

/** Command hooks that copy those packages next to the bundle, so `import 'sharp'` resolves. */
export function sharpCommandHooks(nodeModulesDir: string): ICommandHooks {
  const packages = sharpRuntimePackages(nodeModulesDir);
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) =>
      packages.map((name) => {
        const target = join(outputDir, 'node_modules', name);
        // -L: copy what symlinks (npm link, pnpm-style stores) point to, since the zip keeps none.
        return `mkdir -p ${shellQuote(join(target, '..'))} && cp -RL ${shellQuote(join(nodeModulesDir, name))} ${shellQuote(target)}`;
      }),
  };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
