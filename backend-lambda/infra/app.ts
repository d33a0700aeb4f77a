/**
 * Builds the CDK app. Environment-agnostic on purpose: no account or region is baked in, so synth
 * needs no credentials, and deploy targets whatever the caller's AWS profile points at.
 */
import { App, type AppProps } from 'aws-cdk-lib';
import { readInfraConfig } from './config.ts';
import { FerryStack } from './ferry-stack.ts';

export const DEFAULT_STACK_NAME = 'Ferry';

/** The app and its one stack; the stack name comes from context `stackName` when given. */
export function buildApp(props: AppProps = {}): { app: App; stack: FerryStack } {
  const app = new App(props);
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? DEFAULT_STACK_NAME;
  const stack = new FerryStack(app, stackName, {
    config: readInfraConfig(app.node),
    description: 'Ferry: presigned uploads to S3, thumbnails with Sharp on Lambda (backend-lambda/infra)',
  });
  return { app, stack };
}
