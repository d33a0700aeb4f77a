/**
 * One Lambda function per handler file, bundled locally by esbuild (never Docker: the build must run
 * on a laptop or CI box without a daemon and without the network).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { ICommandHooks, NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { functionEntry } from '../functions/routes.ts';
import { acknowledge, arnToken } from './nag.ts';

/** Where the repository and the handlers are, resolved from this file. */
export const repoRoot = join(import.meta.dirname, '..', '..');
export const functionsDir = join(repoRoot, 'backend-lambda', 'functions');

/** Runtime of every function; built by name should an older aws-cdk-lib lack the constant. */
export const nodeRuntime: Runtime = Runtime.NODEJS_24_X ?? new Runtime('nodejs24.x');

export interface FerryFunctionProps {
  fn: string;
  environment: Record<string, string>;
  /** Sizing and asynchronous-invocation settings, passed through. */
  options?: Pick<NodejsFunctionProps, 'memorySize' | 'timeout' | 'reservedConcurrentExecutions' | 'onFailure' | 'retryAttempts' | 'maxEventAge'>;
  /** Packages left out of the bundle (they are copied in by `commandHooks`). */
  externalModules?: string[];
  commandHooks?: ICommandHooks;
}

/** Creates the function serving `functions/{fn}.ts`, with its own log group. */
export function createFerryFunction(scope: Construct, id: string, props: FerryFunctionProps): NodejsFunction {
  const entry = join(functionsDir, functionEntry(props.fn));
  if (!existsSync(entry)) throw new Error(`handler for "${props.fn}" not found at ${entry}`);
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  // Its own role instead of CDK's default with the AWS-managed AWSLambdaBasicExecutionRole, which
  // may write to any log group in the account (cdk-nag AwsSolutions-IAM4): this one, its own group.
  const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  acknowledge(
    role,
    'Lambda names each log stream at run time, so the grant is on `log-group:<its own group>:*`, the narrowest ARN that covers them.',
    `AwsSolutions::AwsSolutions-IAM5[Resource::${arnToken(logGroup)}:*]`,
  );
  return new NodejsFunction(scope, id, {
    entry,
    role,
    handler: 'handler',
    runtime: nodeRuntime,
    // Graviton: Lambda bills arm64 about 20% less per GB-second than x86_64 (aws.amazon.com/lambda/pricing),
    // the handlers are plain JavaScript, and process-upload ships Sharp's linux-arm64 build (sharp-bundle.ts).
    architecture: Architecture.ARM_64,
    // 512 MB: Lambda scales CPU with memory, and the bundled SDK's cold start is CPU-bound.
    memorySize: 512,
    // API Gateway gives up on an integration after 30 s; a handler that needs more is a bug.
    timeout: Duration.seconds(10),
    ...props.options,
    projectRoot: repoRoot,
    depsLockFilePath: join(repoRoot, 'package-lock.json'),
    logGroup,
    // Stack traces point into the .ts sources through the bundled source map.
    environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    bundling: {
      forceDockerBundling: false,
      format: OutputFormat.ESM,
      target: 'node24',
      minify: true,
      sourceMap: true,
      sourcesContent: false,
      mainFields: ['module', 'main'],
      // The AWS SDK is bundled at the lockfile's version instead of taken from the runtime, so the
      // code runs on Lambda with the same SDK it was tested with.
      externalModules: props.externalModules ?? [],
      // Some CommonJS dependencies call require() for Node built-ins, which an ES module lacks.
      banner: "import { createRequire as __ferryCreateRequire } from 'node:module'; const require = __ferryCreateRequire(import.meta.url);",
      ...(props.commandHooks ? { commandHooks: props.commandHooks } : {}),
    },
  });
}
