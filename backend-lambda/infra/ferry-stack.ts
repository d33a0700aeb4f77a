/**
 * Ferry's backend on AWS: the same handlers the embedded backend runs, behind API Gateway, fed by S3
 * events and a schedule, storing in one DynamoDB table.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { EventType, type Bucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { apiRoutes, eventFunctions, type ApiFunctionName } from '../functions/routes.ts';
import { functionAccess, tableActions, type FunctionName } from './access.ts';
import { FerryApi } from './api.ts';
import { createMediaBucket, ORIGINAL_PREFIXES } from './bucket.ts';
import type { InfraConfig } from './config.ts';
import { createFerryFunction, repoRoot, type FerryFunctionProps } from './functions.ts';
import { sharpCommandHooks } from './sharp-bundle.ts';
import { createTable } from './table.ts';
import { acknowledge, arnToken } from './nag.ts';
import { ThumbnailsCdn } from './thumbnails-cdn.ts';

/** process-upload's memory (see where it is set); pinned by the assertion tests. */
export const PROCESS_UPLOAD_MEMORY_MB = 3008;

export interface FerryStackProps extends StackProps {
  config: InfraConfig;
}

/** The whole deployment in one stack. */
export class FerryStack extends Stack {
  readonly bucket: Bucket;
  readonly table: Table;
  readonly api: FerryApi;
  readonly functions: Record<FunctionName, NodejsFunction>;

  constructor(scope: Construct, id: string, props: FerryStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.bucket = createMediaBucket(this, { failedOriginalDays: config.failedOriginalDays });
    this.table = createTable(this);
    const cdn = config.thumbnails.kind === 'cloudfront' ? new ThumbnailsCdn(this, 'Thumbnails', this.bucket) : undefined;
    const publicBaseUrl = cdn ? cdn.baseUrl : config.thumbnails.kind === 'baseUrl' ? config.thumbnails.baseUrl : undefined;

    // S3_PUBLIC_URL stays unset: on AWS the SDK's own regional endpoint is the address clients reach.
    // Without PUBLIC_BASE_URL the handlers presign thumbnail GETs (SPEC §2).
    const environment: Record<string, string> = {
      TABLE_NAME: this.table.tableName,
      BUCKET_NAME: this.bucket.bucketName,
      ...(publicBaseUrl === undefined ? {} : { PUBLIC_BASE_URL: publicBaseUrl }),
      MAX_UPLOAD_BYTES: String(config.maxUploadBytes),
      PENDING_MAX_AGE_SECONDS: String(config.pendingMaxAgeSeconds),
    };
    const make = (fn: FunctionName, id: string, extra: Omit<FerryFunctionProps, 'fn' | 'environment'> = {}, env: Record<string, string> = {}): NodejsFunction =>
      createFerryFunction(this, id, { fn, environment: { ...environment, ...env }, ...extra });

    const apiFunctions = {} as Record<ApiFunctionName, NodejsFunction>;
    for (const route of apiRoutes) apiFunctions[route.fn] = make(route.fn, pascal(route.fn));

    const deadLetters = new Queue(this, 'ProcessUploadDeadLetters', {
      // The longest SQS allows: a failed event is the only trace of an upload that never got thumbnails.
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    acknowledge(
      deadLetters,
      'This queue is the dead-letter destination of process-upload; its messages are read and replayed by hand (docs/DEPLOY.md), so there is no further queue behind it.',
      'AwsSolutions::AwsSolutions-SQS3',
      'Serverless::Serverless-SQSRedrivePolicy',
    );
    const processUpload = make(
      eventFunctions.processUpload,
      'ProcessUpload',
      {
        options: {
          // sharp's Lambda advice is "select the largest memory available" (CPU grows with memory:
          // "a 1536 MB function provides ~12x more CPU time than a 128 MB function"). 3008 MB is the
          // largest a new account may configure (new accounts start with a reduced memory quota), and
          // past the 1,769 MB of one vCPU, so the six renditions, encoded in parallel, get more than one
          // core; a 50 MP photo decodes into ~200 MB of pixels, far below it.
          memorySize: PROCESS_UPLOAD_MEMORY_MB,
          timeout: Duration.minutes(2),
          ...(config.processUploadConcurrency === undefined ? {} : { reservedConcurrentExecutions: config.processUploadConcurrency }),
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
          onFailure: new SqsDestination(deadLetters),
        },
        externalModules: ['sharp'],
        commandHooks: sharpCommandHooks(repoRoot),
      },
      // glibc's per-thread arenas fragment under libvips' threads; two arenas keep RSS flat.
      { MALLOC_ARENA_MAX: '2' },
    );
    for (const prefix of ORIGINAL_PREFIXES) {
      this.bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(processUpload), { prefix });
    }
    acknowledge(
      processUpload,
      "Failed asynchronous events go to an on-failure destination (the SQS queue above), Lambda's successor to a DLQ that also records the error and the attempts.",
      'Serverless::Serverless-LambdaDLQ',
    );
    // CDK's own custom resource that writes the notification configuration; it runs only at deploy.
    const notificationsHandler = this.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (notificationsHandler) {
      acknowledge(
        notificationsHandler,
        "CDK's bucket-notifications custom resource runs once per deploy with the basic execution role CDK gives it; it is not Ferry's code and handles no request.",
        'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      );
    }

    // After the last retry an event lands in the dead-letter queue; this consumer marks its record
    // failed (PROCESSING_FAILED) at once instead of leaving it pending for the clean-up (SPEC §5).
    const processUploadFailed = make(eventFunctions.processUploadFailed, 'ProcessUploadFailed', { options: { timeout: Duration.seconds(20) } });
    processUploadFailed.addEventSource(new SqsEventSource(deadLetters, { batchSize: 10 }));
    // The consumer is the end of the dead-letter path: a batch it cannot handle stays on the queue
    // (visible again after the timeout, kept 14 days), and the clean-up job fails the record at the
    // latest. A second dead-letter queue would only move the same messages once more.
    acknowledge(
      processUploadFailed,
      'The dead-letter consumer is the end of the dead-letter path: a message it fails on stays on the dead-letter queue (14 days) and the clean-up job still ends the record.',
      'Serverless::Serverless-LambdaDLQ',
      'Serverless::Serverless-LambdaEventSourceMappingDestination',
    );

    const cleanup = make(eventFunctions.cleanupPending, 'CleanupPending', { options: { timeout: Duration.minutes(5) } });
    const schedule = new Rule(this, 'CleanupSchedule', {
      description: 'Fails uploads left pending too long and aborts their multipart uploads',
      schedule: Schedule.rate(Duration.minutes(config.cleanupEveryMinutes)),
      // No retries: the next run, minutes later, redoes whatever this one missed.
      targets: [new LambdaFunction(cleanup, { retryAttempts: 0 })],
    });
    const rerunReason = 'A missed clean-up run carries nothing worth keeping: the next scheduled run, minutes later, sweeps the same pending records again.';
    acknowledge(schedule, rerunReason, 'Serverless::Serverless-EventBusDLQ');
    acknowledge(cleanup, rerunReason, 'Serverless::Serverless-LambdaDLQ');
    for (const fn of Object.values(apiFunctions)) {
      acknowledge(fn, 'Invoked synchronously by API Gateway, which returns the error to the client (who retries); a DLQ applies only to asynchronous invocations.', 'Serverless::Serverless-LambdaDLQ');
    }

    this.functions = { ...apiFunctions, 'process-upload': processUpload, 'process-upload-failed': processUploadFailed, 'cleanup-pending': cleanup };
    for (const [fn, lambda] of Object.entries(this.functions)) {
      this.grant(fn as FunctionName, lambda);
      acknowledge(
        lambda,
        'The handlers carry no X-Ray or OpenTelemetry instrumentation, so active tracing would record only the Lambda service segment that CloudWatch metrics already give (duration, init, errors); the API access log and the function logs share the request ID.',
        'Serverless::Serverless-LambdaTracing',
      );
    }

    this.api = new FerryApi(this, 'Api', {
      functions: apiFunctions,
      authDomainPrefix: config.authDomainPrefix ?? `${this.stackName.toLowerCase()}-${this.account}`,
      loginCallbackPorts: config.loginCallbackPorts,
    });
    // GET /auth/config tells `ferry login` where to sign in (the user pool exists only from here on).
    for (const [name, value] of Object.entries(this.api.authEnvironment())) apiFunctions['auth-config'].addEnvironment(name, value);

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'ferry --api / FERRY_API_URL' });
    new CfnOutput(this, 'UserPoolId', { value: this.api.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.api.client.userPoolClientId });
    new CfnOutput(this, 'SignInUrl', { value: this.api.signInBaseUrl, description: 'the hosted sign-in pages `ferry login` opens' });
    new CfnOutput(this, 'Region', { value: this.region });
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'ThumbnailBaseUrl', { value: publicBaseUrl ?? 'presigned' });
    if (cdn) new CfnOutput(this, 'DistributionId', { value: cdn.distribution.distributionId });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: deadLetters.queueUrl });
    new CfnOutput(this, 'ProcessUploadFunctionName', { value: processUpload.functionName, description: 'to replay an event (dead-lettered ones are logged by process-upload-failed)' });
  }

  private grant(fn: FunctionName, lambda: IFunction): void {
    const access = functionAccess[fn];
    const actions = tableActions[access.table];
    // The role is a sibling of the function (functions.ts), so findings on its policy are acknowledged there.
    const role = lambda.role!;
    // Table.grant covers the table and, since it has GSIs, `<table>/index/*`.
    if (actions.length > 0) {
      this.table.grant(lambda, ...actions);
      acknowledge(
        role,
        "`index/*` under this table's ARN names only this table's own GSIs (lib/storage/table-keys.ts), which the queries read; no other table is reachable.",
        `AwsSolutions::AwsSolutions-IAM5[Resource::${arnToken(this.table)}/index/*]`,
      );
    }
    for (const grant of access.bucket) {
      lambda.addToRolePolicy(
        new PolicyStatement({ actions: grant.actions, resources: grant.prefixes.map((p) => this.bucket.arnForObjects(`${p}*`)) }),
      );
      acknowledge(
        role,
        'Object keys are minted per upload (SPEC §3), so object actions are granted per key prefix, the narrowest ARN that covers them, and each function only the prefixes and actions of its entry in access.ts.',
        ...grant.prefixes.map((p) => `AwsSolutions::AwsSolutions-IAM5[Resource::${arnToken(this.bucket)}/${p}*]`),
      );
    }
  }
}

function pascal(fn: string): string {
  return fn.replace(/(^|-)([a-z])/g, (_m, _dash: string, c: string) => c.toUpperCase());
}
