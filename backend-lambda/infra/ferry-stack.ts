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

    const cleanup = make(eventFunctions.cleanupPending, 'CleanupPending', { options: { timeout: Duration.minutes(5) } });
    new Rule(this, 'CleanupSchedule', {
      description: 'Fails uploads left pending too long and aborts their multipart uploads',
      schedule: Schedule.rate(Duration.minutes(config.cleanupEveryMinutes)),
      // No retries: the next run, minutes later, redoes whatever this one missed.
      targets: [new LambdaFunction(cleanup, { retryAttempts: 0 })],
    });

    this.functions = { ...apiFunctions, 'process-upload': processUpload, 'cleanup-pending': cleanup };
    for (const [fn, lambda] of Object.entries(this.functions)) this.grant(fn as FunctionName, lambda);

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
    new CfnOutput(this, 'ProcessUploadFunctionName', { value: processUpload.functionName, description: 'to replay a dead-lettered event' });
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
