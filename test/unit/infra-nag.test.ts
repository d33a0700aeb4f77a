/**
 * The field's checker over the whole app: cdk-nag's AwsSolutions and Serverless packs (run as CDK
 * validation plugins, cdk-nag 3). Every finding, error or warning, must be fixed or acknowledged
 * beside its construct with a reason (infra/nag.ts); anything else fails here. A control stack shows
 * that the harness sees both kinds, so an empty list means the packs ran and found nothing.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../backend-lambda/infra/app.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Report {
  pluginReports: { pluginName: string; violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[] }[];
}

/** Runs both packs over `app` and lists every unacknowledged finding as `severity rule at path`. */
function findings(app: App, outdir: string): string[] {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  try {
    app.synth();
  } catch (err) {
    // Errors make synth throw after writing the report; warnings are only in the report.
    if ((err as Error).name !== 'ValidationFailed') throw err;
  }
  const file = join(outdir, 'validation-report.json');
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  return report.pluginReports.flatMap((p) => p.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.severity} ${v.ruleName} at ${c.constructPath}`)));
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ferry-nag-'));
  dirs.push(d);
  return d;
}

describe('cdk-nag', () => {
  it.each([
    ['CloudFront thumbnails', {}],
    ['presigned thumbnails, unreserved concurrency', { thumbnailBaseUrl: 'presigned', processUploadConcurrency: 'none' }],
  ])('finds nothing unacknowledged in the stack (%s)', (_name, context) => {
    const outdir = tempDir();
    // Bundling is skipped (CDK's own switch): the packs read the constructs, not the code.
    const { app } = buildApp({ outdir, context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    expect(findings(app, outdir)).toEqual([]);
  });

  it('reports errors and warnings the stack has not acknowledged (the harness sees them)', () => {
    const outdir = tempDir();
    const app = new App({ outdir });
    const stack = new Stack(app, 'Control');
    new LambdaFunction(stack, 'Bare', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => 1;') });
    const found = findings(app, outdir);
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/^error AwsSolutions-IAM4\[Policy::.*AWSLambdaBasicExecutionRole\] at Control\/Bare/), expect.stringMatching(/^warning Serverless-LambdaTracing at Control\/Bare/)]));
  });
});
