/**
 * cdk-nag's findings that Ferry accepts, acknowledged where the construct is made (CDK's
 * `Validations.of().acknowledge`, which cdk-nag 3 reads), each with its reason beside it. The
 * assertion tests run the AwsSolutions and Serverless packs over the app and fail on anything
 * unacknowledged (test/unit/infra-nag.test.ts).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges rule findings (`Pack::Rule` or `Pack::Rule[Finding]`) on a construct and everything under it. */
export function acknowledge(scope: IConstruct, reason: string, ...ids: string[]): void {
  Validations.of(scope).acknowledge(...ids.map((id) => ({ id, reason })));
}

/** How cdk-nag names a resource ARN inside a finding ID: `<LogicalId.Arn>`. */
export function arnToken(resource: IConstruct): string {
  const cfn = (resource.node.defaultChild ?? resource) as CfnResource;
  return `<${Stack.of(resource).getLogicalId(cfn)}.Arn>`;
}
