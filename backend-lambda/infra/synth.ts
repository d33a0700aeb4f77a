/**
 * The CDK app's entry point, for `npm run synth` and for the CDK CLI (`--app`). Run directly, it
 * synthesizes into cdk.out/ through the library alone: the CLI is not involved, so nothing reaches
 * the network (no notices, no version check) and no credentials are read.
 *
 *   npm run synth [-- -c key=value ...]
 */
import { buildApp } from './app.ts';

/** Parses `-c key=value` / `--context key=value` pairs. */
export function parseContextArgs(args: string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg !== '-c' && arg !== '--context') throw new Error(`unknown argument "${arg}" (only -c key=value)`);
    const pair = args[++i];
    const eq = pair?.indexOf('=') ?? -1;
    if (!pair || eq <= 0) throw new Error(`${arg} expects key=value`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}

if (import.meta.main) {
  // Under the CLI, CDK_OUTDIR and CDK_CONTEXT_JSON are set and App reads them itself.
  const underCli = process.env.CDK_OUTDIR !== undefined;
  const started = performance.now();
  const { app, stack } = buildApp(underCli ? {} : { outdir: 'cdk.out', context: parseContextArgs(process.argv.slice(2)) });
  const assembly = app.synth();
  if (!underCli) {
    const template = assembly.getStackByName(stack.stackName);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`synthesized ${stack.stackName} → ${assembly.directory}/${template.templateFile} in ${seconds} s`);
  }
}
