/**
 * The CDK stack's resources and wiring, read back from the synthesized template. The stack is
 * synthesized once, with real esbuild bundling, into a temp dir outside the repository (so the Sharp
 * check below cannot resolve packages from the repo's own node_modules).
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../backend-lambda/functions/routes.ts';
import { functionAccess, tableActions, type FunctionName } from '../../backend-lambda/infra/access.ts';
import { buildApp } from '../../backend-lambda/infra/app.ts';
import type { FerryStack } from '../../backend-lambda/infra/ferry-stack.ts';
import { tableDefinition } from '../../backend-lambda/lib/storage/table-keys.ts';
import { FAILED_ORIGINAL_TAG } from '../../backend-lambda/infra/bucket.ts';
import { FAILED_TAG } from '../../backend-lambda/lib/failed-originals.ts';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let outdir: string;
let stack: FerryStack;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'ferry-cdk-'));
  const built = buildApp({ outdir });
  stack = built.stack;
  template = Template.fromStack(stack);
  resources = (template.toJSON() as { Resources: Record<string, Resource> }).Resources;
  // Synthesis bundles every function with esbuild (and Sharp's arm64 binaries): minutes on a busy 2-core machine.
}, 300_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

function logicalIdOf(fn: FunctionName): string {
  return stack.getLogicalId(stack.functions[fn].node.defaultChild as never);
}

/** The staged (bundled) code directory of a function. */
function assetDirOf(fn: FunctionName): string {
  const key = (resources[logicalIdOf(fn)]!.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
  return join(outdir, `asset.${key}`);
}

function ofType(type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

function asArray<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}

/** The IAM statements attached to a function's role. */
function statementsOf(fn: FunctionName): Statement[] {
  const roleRef = (resources[logicalIdOf(fn)]!.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleRef))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

function actionsOf(fn: FunctionName, service: string): Set<string> {
  return new Set(statementsOf(fn).flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith(`${service}:`)));
}

/** Object-ARN suffixes (`albums/*`) of the S3 statements granting `action`. */
function s3PrefixesFor(fn: FunctionName, action: string): string[] {
  return statementsOf(fn)
    .filter((s) => asArray(s.Action).includes(action))
    .flatMap((s) => asArray(s.Resource))
    .map((r) => {
      const join = (r as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
      const last = join?.[1].at(-1);
      return typeof last === 'string' ? last.replace(/^\//, '') : JSON.stringify(r);
    })
    .sort();
}

describe('media bucket', () => {
  it('deletes originals tagged failed after 30 days (the tag lib/ puts on them)', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'expire-failed-originals', Status: 'Enabled', ExpirationInDays: 30, TagFilters: [{ Key: FAILED_TAG.Key, Value: FAILED_TAG.Value }] }),
        ]),
      },
    });
    expect(FAILED_ORIGINAL_TAG).toEqual({ key: FAILED_TAG.Key, value: FAILED_TAG.Value });
  });

  it('blocks public access, keeps versions and aborts stale multipart uploads', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' })]),
      },
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });

  it('refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('sends ObjectCreated:* under albums/, users/ and generated/ to process-upload, and nothing else', () => {
    const [[, notifications] = []] = ofType('Custom::S3BucketNotifications');
    const configs = (notifications!.Properties.NotificationConfiguration as { LambdaFunctionConfigurations: Json[] }).LambdaFunctionConfigurations;
    const prefixes = configs.map((c) => {
      expect(c.Events).toEqual(['s3:ObjectCreated:*']);
      expect(c.LambdaFunctionArn).toEqual({ 'Fn::GetAtt': [logicalIdOf('process-upload'), 'Arn'] });
      const rules = (c.Filter as { Key: { FilterRules: { Name: string; Value: string }[] } }).Key.FilterRules;
      expect(rules).toHaveLength(1);
      expect(rules[0]!.Name.toLowerCase()).toBe('prefix');
      return rules[0]!.Value;
    });
    expect(prefixes.sort()).toEqual(['albums/', 'generated/', 'users/']);
  });
});

describe('process-upload', () => {
  it('is sized for Sharp on arm64, bounded in concurrency, and has a timeout', () => {
    const props = resources[logicalIdOf('process-upload')]!.Properties;
    expect(props.MemorySize).toBe(3008);
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.Timeout).toBe(120);
    expect(props.ReservedConcurrentExecutions).toBe(20);
    expect((props.Environment as { Variables: Json }).Variables).toMatchObject({ MALLOC_ARENA_MAX: '2' });
  });

  it('retries twice, then sends the event to an SQS dead-letter queue', () => {
    const [[queueId] = []] = ofType('AWS::SQS::Queue');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf('process-upload') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 3600 });
    // The function's role may send to the queue: that is how Lambda delivers the failed event.
    expect(actionsOf('process-upload', 'sqs')).toContain('sqs:SendMessage');
  });

  it('has its dead-letter queue consumed by process-upload-failed, which may touch the table but not the bucket', () => {
    const [[queueId] = []] = ofType('AWS::SQS::Queue');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf('process-upload-failed') },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
    });
    expect(actionsOf('process-upload-failed', 'sqs')).toContain('sqs:ReceiveMessage');
    expect([...actionsOf('process-upload-failed', 's3')]).toEqual([]);
  });

  it('ships Sharp with its linux-arm64 binaries next to a bundle that imports it, and only there', () => {
    const dir = assetDirOf('process-upload');
    for (const pkg of ['sharp', 'detect-libc', '@img/sharp-linux-arm64', '@img/sharp-libvips-linux-arm64']) {
      expect(existsSync(join(dir, 'node_modules', pkg, 'package.json')), pkg).toBe(true);
    }
    // No other platform's binary rides along (this machine's linux-x64 one, say).
    expect(readdirSync(join(dir, 'node_modules', '@img')).filter((p) => p.startsWith('sharp-')).sort()).toEqual(['sharp-libvips-linux-arm64', 'sharp-linux-arm64']);
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).toMatch(/from\s*"sharp"/);
    // The addon is an ELF for AArch64 (e_machine 183), the machine Lambda's arm64 runs: it cannot be
    // loaded on this x64 host, so its header is what is checked.
    const lib = join(dir, 'node_modules', '@img', 'sharp-linux-arm64', 'lib');
    const addon = readdirSync(lib).find((f) => f.endsWith('.node'))!;
    const elf = readFileSync(join(lib, addon));
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(elf.readUInt16LE(18)).toBe(183);
    // The bundle resolves sharp from its own directory, as Lambda will, outside any node_modules tree.
    const script = `const { createRequire } = await import('node:module'); console.log(createRequire(${JSON.stringify(join(dir, 'index.mjs'))}).resolve('sharp'));`;
    const load = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    expect(load.stderr).toBe('');
    expect(load.stdout.trim().startsWith(join(dir, 'node_modules', 'sharp'))).toBe(true);
    for (const fn of Object.keys(functionAccess) as FunctionName[]) {
      if (fn === 'process-upload') continue;
      expect(existsSync(join(assetDirOf(fn), 'node_modules')), fn).toBe(false);
      expect(readFileSync(join(assetDirOf(fn), 'index.mjs'), 'utf8'), fn).not.toMatch(/from\s*"sharp"/);
    }
  });
});

describe('functions', () => {
  it('are one per route plus process-upload, its dead-letter consumer and cleanup-pending, all on nodejs24.x and arm64', () => {
    expect(Object.keys(stack.functions).sort()).toEqual([...apiRoutes.map((r) => r.fn), 'process-upload', 'process-upload-failed', 'cleanup-pending'].sort());
    for (const fn of Object.keys(stack.functions) as FunctionName[]) {
      const props = resources[logicalIdOf(fn)]!.Properties;
      expect(props.Runtime, fn).toBe('nodejs24.x');
      expect(props.Architectures, fn).toEqual(['arm64']);
      expect(props.Handler, fn).toBe('index.handler');
      expect((props.Environment as { Variables: Json }).Variables, fn).toMatchObject({
        TABLE_NAME: { Ref: stack.getLogicalId(stack.table.node.defaultChild as never) },
        BUCKET_NAME: { Ref: stack.getLogicalId(stack.bucket.node.defaultChild as never) },
        PUBLIC_BASE_URL: expect.anything(),
        MAX_UPLOAD_BYTES: String(5 * 1024 ** 3),
        PENDING_MAX_AGE_SECONDS: '86400',
      });
      expect((props.Environment as { Variables: Json }).Variables, fn).not.toHaveProperty('S3_PUBLIC_URL');
    }
  });

  it('bundles that load as ES modules on Node 24, and the health bundle answers as on Lambda', () => {
    // Loading every bundle catches what esbuild cannot: a CommonJS require() left in ESM output, a
    // package marked external but not shipped. Health runs for real; it touches no AWS service.
    const bundles = Object.fromEntries((Object.keys(stack.functions) as FunctionName[]).map((fn) => [fn, join(assetDirOf(fn), 'index.mjs')]));
    // process-upload's Sharp is the linux-arm64 build, which this host cannot load: its import of
    // 'sharp' resolves to a stub here, with the module-level settings renditions.ts makes at load
    // (the test above checks what the bundle really ships).
    const stub = `export async function resolve(s, c, next) { return s === 'sharp' ? { url: 'data:text/javascript,' + encodeURIComponent('function sharp() {} sharp.cache = () => {}; sharp.concurrency = () => 1; sharp.strategy = { attention: 16, entropy: 17 }; export default sharp;'), shortCircuit: true } : next(s, c); }`;
    const script = `
      const { register } = await import('node:module');
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(stub)}));
      const bundles = ${JSON.stringify(bundles)};
      for (const [fn, file] of Object.entries(bundles)) {
        const m = await import(file);
        if (typeof m.handler !== 'function') throw new Error(fn + ' exports no handler');
      }
      const health = await import(bundles.health);
      const event = { version: '2.0', routeKey: 'GET /health', rawPath: '/health', headers: {}, isBase64Encoded: false, requestContext: { http: { method: 'GET', path: '/health' } } };
      console.log(JSON.stringify(await health.handler(event)));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: outdir,
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '', TABLE_NAME: 'ferry-test', BUCKET_NAME: 'ferry-test', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const answer = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ok: true });
  });

  it('runs the clean-up job on a schedule', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf('cleanup-pending'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
  });
});

describe('HTTP API', () => {
  it('has every route of the route table, wired to its own function, JWT-authorized except GET /health and GET /auth/config', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(apiRoutes.map((r) => r.routeKey).sort());
    const [[authorizerId] = []] = ofType('AWS::ApiGatewayV2::Authorizer');
    for (const route of apiRoutes) {
      const props = routes.find((r) => r.RouteKey === route.routeKey)!;
      if (route.auth) {
        expect(props.AuthorizationType, route.routeKey).toBe('JWT');
        expect(props.AuthorizerId, route.routeKey).toEqual({ Ref: authorizerId });
      } else {
        expect(props.AuthorizationType ?? 'NONE', route.routeKey).toBe('NONE');
        expect(props.AuthorizerId, route.routeKey).toBeUndefined();
      }
      const integrationId = ((props.Target as { 'Fn::Join': [string, [string, { Ref: string }]] })['Fn::Join'][1][1]).Ref;
      const integration = resources[integrationId]!.Properties;
      expect(integration.PayloadFormatVersion).toBe('2.0');
      expect(integration.IntegrationUri, route.routeKey).toEqual({ 'Fn::GetAtt': [logicalIdOf(route.fn), 'Arn'] });
    }
    expect(apiRoutes.filter((r) => !r.auth).map((r) => r.routeKey)).toEqual(['GET /health', 'GET /auth/config']);
  });

  it('checks Cognito JWTs issued to the desktop client, which signs in only through the hosted pages with code + PKCE', () => {
    const [[poolId] = []] = ofType('AWS::Cognito::UserPool');
    const [[clientId] = []] = ofType('AWS::Cognito::UserPoolClient');
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: clientId }],
        Issuer: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('cognito-idp'), { Ref: poolId }])] },
      },
    });
    const [[, client] = []] = ofType('AWS::Cognito::UserPoolClient');
    expect(client!.Properties).toMatchObject({
      GenerateSecret: false,
      // no USER_PASSWORD_AUTH: passwords are typed only into the hosted pages (SRP never sends one)
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email'],
      CallbackURLs: ['http://localhost:53682/callback', 'http://localhost:53683/callback', 'http://localhost:53684/callback'],
      EnableTokenRevocation: true,
      IdTokenValidity: 15,
      AccessTokenValidity: 15,
      RefreshTokenValidity: 30 * 24 * 60,
      TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'minutes' },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { UserPoolId: { Ref: poolId }, Domain: { 'Fn::Join': ['', ['ferry-', { Ref: 'AWS::AccountId' }]] } });
    template.hasResourceProperties('AWS::Cognito::UserPool', { AdminCreateUserConfig: { AllowAdminCreateUserOnly: true }, UserPoolTier: 'LITE' });
  });

  it('tells clients where to sign in through GET /auth/config', () => {
    const vars = (resources[logicalIdOf('auth-config')]!.Properties.Environment as { Variables: Json }).Variables;
    const [[poolId] = []] = ofType('AWS::Cognito::UserPool');
    const [[clientId] = []] = ofType('AWS::Cognito::UserPoolClient');
    expect(vars.OIDC_CLIENT_ID).toEqual({ Ref: clientId });
    expect(JSON.stringify(vars.OIDC_ISSUER)).toContain(poolId!);
    expect(vars.OIDC_SCOPES).toBe('openid email');
    expect(vars.OIDC_REDIRECT_URIS).toBe('http://localhost:53682/callback http://localhost:53683/callback http://localhost:53684/callback');
  });

  it('logs each request with the authorizer error, and throttles', () => {
    const [[, stage] = []] = ofType('AWS::ApiGatewayV2::Stage');
    expect(stage!.Properties.StageName).toBe('$default');
    expect(stage!.Properties.AutoDeploy).toBe(true);
    expect(stage!.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    const access = stage!.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(JSON.parse(access.Format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status', authorizerError: '$context.authorizer.error' });
  });
});

describe('IAM', () => {
  it('grants no wildcard actions and no S3 or DynamoDB action on every resource', () => {
    for (const [id, policy] of ofType('AWS::IAM::Policy')) {
      for (const s of (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
        for (const action of asArray(s.Action)) {
          expect(action, id).not.toMatch(/^(\*|s3:\*|dynamodb:\*)$/);
          if (/^(s3|dynamodb):/.test(action)) expect(asArray(s.Resource), `${id} ${action}`).not.toContain('*');
        }
      }
    }
  });

  it('gives each function exactly the table and bucket access in its access entry', () => {
    const [[tableId] = []] = ofType('AWS::DynamoDB::Table');
    for (const [fn, access] of Object.entries(functionAccess) as [FunctionName, (typeof functionAccess)[FunctionName]][]) {
      expect([...actionsOf(fn, 'dynamodb')].sort(), fn).toEqual([...tableActions[access.table]].sort());
      for (const s of statementsOf(fn).filter((st) => asArray(st.Action).some((a) => a.startsWith('dynamodb:')))) {
        // The table and its indexes, nothing else.
        expect(s.Resource, fn).toEqual([
          { 'Fn::GetAtt': [tableId, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/*']] },
        ]);
      }

      const expected = new Map<string, string[]>();
      for (const grant of access.bucket) {
        for (const action of grant.actions) expected.set(action, [...(expected.get(action) ?? []), ...grant.prefixes.map((p) => `${p}*`)]);
      }
      expect([...actionsOf(fn, 's3')].sort(), fn).toEqual([...expected.keys()].sort());
      for (const [action, prefixes] of expected) expect(s3PrefixesFor(fn, action), `${fn} ${action}`).toEqual([...new Set(prefixes)].sort());
    }
  });

  it('grants every DynamoDB write each bundle can send, and read-only bundles send none', () => {
    // The SDK names each operation in a string literal that esbuild's tree shaking keeps only for the
    // commands a handler imports, so the bundle tells which writes the code can issue.
    const writeOps = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'];
    for (const fn of Object.keys(functionAccess) as FunctionName[]) {
      const code = readFileSync(join(assetDirOf(fn), 'index.mjs'), 'utf8');
      const used = writeOps.filter((op) => code.includes(`"${op}"`));
      const granted = actionsOf(fn, 'dynamodb');
      for (const op of used) expect(granted.has(`dynamodb:${op}`), `${fn} sends ${op}`).toBe(true);
      if (functionAccess[fn].table === 'read' || functionAccess[fn].table === 'none') expect(used, fn).toEqual([]);
      // Only the function granted DeleteItem can send it (lib/storage/dynamo-storage-delete.ts is in its bundle alone).
      if (functionAccess[fn].table !== 'readWriteDelete') expect(used, fn).not.toContain('DeleteItem');
    }
  });

  it('pins the access levels: reads are Get/BatchGet/Query, writes add Put/Update/BatchWrite, nobody scans', () => {
    expect([...tableActions.read].sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    expect([...tableActions.readWrite].sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect([...tableActions.readWriteDelete].sort()).toEqual([...tableActions.readWrite, 'dynamodb:DeleteItem'].sort());
    expect((Object.keys(functionAccess) as FunctionName[]).filter((fn) => functionAccess[fn].table === 'readWriteDelete')).toEqual(['delete-media']);
    for (const fn of Object.keys(functionAccess) as FunctionName[]) expect(actionsOf(fn, 'dynamodb').has('dynamodb:Scan'), fn).toBe(false);
  });

  it('keeps read-only routes read-only and lets only process-upload write thumbnails', () => {
    for (const fn of ['list-albums', 'list-album-media', 'get-media', 'media-status', 'list-generation-media'] as const) {
      expect(functionAccess[fn].table).toBe('read');
      expect([...actionsOf(fn, 's3')]).toEqual(['s3:GetObject']);
      expect(s3PrefixesFor(fn, 's3:GetObject')).toEqual(['thumbnails/*']);
    }
    const thumbnailWriters = (Object.keys(functionAccess) as FunctionName[]).filter((fn) => s3PrefixesFor(fn, 's3:PutObject').includes('thumbnails/*'));
    expect(thumbnailWriters).toEqual(['process-upload']);
    // health may only write its own logs: each function has its own role, not the AWS-managed one
    expect(statementsOf('health').map((st) => asArray(st.Action).sort())).toEqual([['logs:CreateLogStream', 'logs:PutLogEvents']]);
  });

  it('lets each function write logs to its own log group only, with no AWS-managed policy', () => {
    for (const fn of Object.keys(functionAccess) as FunctionName[]) {
      const props = resources[logicalIdOf(fn)]!.Properties;
      const roleId = (props.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect(resources[roleId]!.Properties.ManagedPolicyArns, fn).toBeUndefined();
      const logGroupId = (props.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const logs = statementsOf(fn).filter((st) => asArray(st.Action).some((a) => a.startsWith('logs:')));
      expect(logs.map((st) => st.Resource), fn).toEqual([{ 'Fn::GetAtt': [logGroupId, 'Arn'] }]);
    }
  });
});

describe('table', () => {
  it('has point-in-time recovery, survives stack deletion, and matches lib/storage/table-keys.ts exactly', () => {
    const def = tableDefinition('x');
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      KeySchema: def.KeySchema,
      AttributeDefinitions: Match.arrayEquals(def.AttributeDefinitions!.map((a) => Match.objectEquals({ ...a }))),
      GlobalSecondaryIndexes: def.GlobalSecondaryIndexes!.map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection })),
    });
  });
});

describe('thumbnails CDN', () => {
  it('lets CloudFront read thumbnails/* and nothing else of the bucket', () => {
    const [[distributionId] = []] = ofType('AWS::CloudFront::Distribution');
    const cloudfrontStatements = ofType('AWS::S3::BucketPolicy')
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: (Statement & { Principal?: Json })[] }).Statement)
      .filter((s) => JSON.stringify(s.Principal ?? {}).includes('cloudfront.amazonaws.com'));
    expect(cloudfrontStatements).toHaveLength(1);
    const [statement] = cloudfrontStatements;
    expect(statement!.Action).toBe('s3:GetObject');
    expect(JSON.stringify(statement!.Resource)).toContain('/thumbnails/*');
    expect(JSON.stringify(statement)).toContain(distributionId!);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: { OriginAccessIdentity: '' } })],
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
      }),
    });
    const base = (resources[logicalIdOf('get-media')]!.Properties.Environment as { Variables: Json }).Variables.PUBLIC_BASE_URL;
    expect(JSON.stringify(base)).toContain(distributionId!);
  });
});

describe('synthesis', () => {
  it('raises no CDK warnings or errors', () => {
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('outputs', () => {
  it('give the CLI and DEPLOY.md everything they need', () => {
    const outputs = Object.keys((template.toJSON() as { Outputs: Json }).Outputs);
    expect(outputs).toEqual(expect.arrayContaining(['ApiUrl', 'SignInUrl', 'UserPoolId', 'UserPoolClientId', 'Region', 'BucketName', 'ThumbnailBaseUrl', 'DistributionId', 'DeadLetterQueueUrl', 'ProcessUploadFunctionName']));
  });
});
