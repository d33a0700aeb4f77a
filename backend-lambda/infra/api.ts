/**
 * The HTTP API (payload format 2.0, the event shape the embedded backend builds) and the Cognito user
 * pool whose JWTs it checks. API Gateway puts the verified claims at
 * `requestContext.authorizer.jwt.claims`, where the handlers read `sub`.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpRoute, HttpRouteKey, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { AccountRecovery, UserPool } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { apiRoutes, type ApiFunctionName } from '../functions/routes.ts';

/** Splits `"GET /albums/{albumId}"` into its method and path. */
export function parseRouteKey(routeKey: string): { method: HttpMethod; path: string } {
  const [method, path, ...rest] = routeKey.split(' ');
  if (!method || !path || rest.length > 0 || !(method in HttpMethod)) throw new Error(`bad route key "${routeKey}"`);
  return { method: HttpMethod[method as keyof typeof HttpMethod], path };
}

export interface FerryApiProps {
  functions: Record<ApiFunctionName, IFunction>;
}

/** The user pool, its app client, and every route of the route table wired to its function. */
export class FerryApi extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: FerryApiProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'UserPool', {
      // Ferry is one creator's tool: the owner adds users (docs/DEPLOY.md), strangers cannot sign up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      passwordPolicy: { minLength: 12, requireSymbols: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.client = this.userPool.addClient('DesktopClient', {
      // A desktop app and a CLI cannot keep a secret.
      generateSecret: false,
      // USER_PASSWORD_AUTH lets `aws cognito-idp initiate-auth` mint a token without an SRP library.
      authFlows: { userPassword: true, userSrp: true },
      // A day, Cognito's maximum: the desktop app and FERRY_TOKEN hold a bare token with no refresh
      // flow yet, and an hour would cut a long upload or an overnight `ferry watch` short with 401s.
      idTokenValidity: Duration.days(1),
      accessTokenValidity: Duration.days(1),
      refreshTokenValidity: Duration.days(30),
      preventUserExistenceErrors: true,
    });
    const authorizer = new HttpUserPoolAuthorizer('CognitoAuthorizer', this.userPool, {
      userPoolClients: [this.client],
      identitySource: ['$request.header.Authorization'],
    });

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: 'ferry',
      createDefaultStage: false,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      // A bound on what a leaked token or a runaway client can cost; the engine backs off on 429.
      throttle: { rateLimit: 50, burstLimit: 100 },
      // A 401 from the JWT authorizer never reaches a function; this log is the only place that says why.
      accessLogSettings: {
        destination: new LogGroupLogDestination(
          new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
        ),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            sub: '$context.authorizer.claims.sub',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    for (const route of apiRoutes) {
      const { method, path } = parseRouteKey(route.routeKey);
      const integration = new HttpLambdaIntegration(`${route.fn}-integration`, props.functions[route.fn]);
      new HttpRoute(this, `Route-${route.fn}`, {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(path, method),
        integration,
        ...(route.auth ? { authorizer } : {}),
      });
    }
  }

  /** The API's base URL, without a trailing slash. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
