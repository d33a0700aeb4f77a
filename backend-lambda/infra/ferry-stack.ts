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
import { join } from 'node:path';
import { apiRoutes, eventFunctions, type ApiFunctionName } from '../functions/routes.ts';
import { functionAccess, tableActions, type FunctionName } from './access.ts';
import { FerryApi } from './api.ts';
import { createMediaBucket, ORIGINAL_PREFIXES } from './bucket.ts';
import type { InfraConfig } from './config.ts';
import { createFerryFunction, repoRoot, type FerryFunctionProps } from './functions.ts';
import { sharpCommandHooks } from './sharp-bundle.ts';
import { createTable } from './table.ts';
import { ThumbnailsCdn } from './thumbnails-cdn.ts';

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
    this.bucket = createMediaBucket(this);
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
    const processUpload = make(
      eventFunctions.processUpload,
      'ProcessUpload',
      {
        options: {
          // Sharp decodes a 50 MP photo into ~200 MB of pixels and libvips wants headroom per thread;
          // 2 GB also buys more than one vCPU for the six resizes.
          memorySize: 2048,
          timeout: Duration.minutes(2),
          ...(config.processUploadConcurrency === undefined ? {} : { reservedConcurrentExecutions: config.processUploadConcurrency }),
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
          onFailure: new SqsDestination(deadLetters),
        },
        externalModules: ['sharp'],
        commandHooks: sharpCommandHooks(join(repoRoot, 'node_modules')),
      },
      // glibc's per-thread arenas fragment under libvips' threads; two arenas keep RSS flat.
      { MALLOC_ARENA_MAX: '2' },
    );
    for (const prefix of ORIGINAL_PREFIXES) {
      this.bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(processUpload), { prefix });
    }

    // After the last retry an event lands in the dead-letter queue; this consumer marks its record
    // failed (PROCESSING_FAILED) at once instead of leaving it pending for the clean-up (SPEC §5).
    const processUploadFailed = make(eventFunctions.processUploadFailed, 'ProcessUploadFailed', { options: { timeout: Duration.seconds(20) } });
    processUploadFailed.addEventSource(new SqsEventSource(deadLetters, { batchSize: 10 }));

    const cleanup = make(eventFunctions.cleanupPending, 'CleanupPending', { options: { timeout: Duration.minutes(5) } });
    new Rule(this, 'CleanupSchedule', {
      description: 'Fails uploads left pending too long and aborts their multipart uploads',
      schedule: Schedule.rate(Duration.minutes(config.cleanupEveryMinutes)),
      // No retries: the next run, minutes later, redoes whatever this one missed.
      targets: [new LambdaFunction(cleanup, { retryAttempts: 0 })],
    });

    this.functions = { ...apiFunctions, 'process-upload': processUpload, 'process-upload-failed': processUploadFailed, 'cleanup-pending': cleanup };
    for (const [fn, lambda] of Object.entries(this.functions)) this.grant(fn as FunctionName, lambda);

    this.api = new FerryApi(this, 'Api', { functions: apiFunctions });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'ferry --api / FERRY_API_URL' });
    new CfnOutput(this, 'UserPoolId', { value: this.api.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.api.client.userPoolClientId });
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
    // Table.grant covers the table and, since it has GSIs, `<table>/index/*`.
    if (actions.length > 0) this.table.grant(lambda, ...actions);
    for (const grant of access.bucket) {
      lambda.addToRolePolicy(
        new PolicyStatement({ actions: grant.actions, resources: grant.prefixes.map((p) => this.bucket.arnForObjects(`${p}*`)) }),
      );
    }
  }
}

function pascal(fn: string): string {
  return fn.replace(/(^|-)([a-z])/g, (_m, _dash: string, c: string) => c.toUpperCase());
}
