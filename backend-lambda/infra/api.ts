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
import type { UserPoolClient, UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
import { AccountRecovery, FeaturePlan, OAuthScope, UserPool } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { apiRoutes, type ApiFunctionName } from '../functions/routes.ts';
import { acknowledge } from './nag.ts';

/** Splits `"GET /albums/{albumId}"` into its method and path. */
export function parseRouteKey(routeKey: string): { method: HttpMethod; path: string } {
  const [method, path, ...rest] = routeKey.split(' ');
  if (!method || !path || rest.length > 0 || !(method in HttpMethod)) throw new Error(`bad route key "${routeKey}"`);
  return { method: HttpMethod[method as keyof typeof HttpMethod], path };
}

export interface FerryApiProps {
  functions: Record<ApiFunctionName, IFunction>;
  /** `{prefix}.auth.{region}.amazoncognito.com`: the hosted sign-in pages */
  authDomainPrefix: string;
  /** loopback ports `ferry login` listens on, one callback URL each */
  loginCallbackPorts: number[];
}

/** The scopes `ferry login` asks for: who the user is, nothing more (the API needs only `sub`). */
export const LOGIN_SCOPES = ['openid', 'email'] as const;

/**
 * The callback URLs of the native client (RFC 8252 §7.3). Cognito accepts plain http only for
 * `localhost` ("Amazon Cognito requires HTTPS over HTTP except for http://localhost", CreateUserPoolClient
 * CallbackURLs) and compares redirect URIs exactly, port included, so each port is listed.
 */
export function loginCallbackUrls(ports: number[]): string[] {
  return ports.map((port) => `http://localhost:${port}/callback`);
}

/** The user pool, its app client, and every route of the route table wired to its function. */
export class FerryApi extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly domain: UserPoolDomain;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  private readonly callbackUrls: string[];

  constructor(scope: Construct, id: string, props: FerryApiProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'UserPool', {
      // Ferry is one creator's tool: the owner adds users (docs/DEPLOY.md), strangers cannot sign up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      passwordPolicy: { minLength: 12, requireSymbols: true, requireDigits: true, requireUppercase: true, requireLowercase: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Lite: the classic hosted sign-in pages `ferry login` opens are in every plan, and Lite costs a
      // third of Essentials per monthly active user (the default for new pools); docs/SCALE.md.
      featurePlan: FeaturePlan.LITE,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.userPool,
      'MFA is left off so that a first sign-in needs nothing but the password the owner had mailed: the owner creates every account (no self sign-up) and a sign-in happens in the browser about once a month. An owner who wants MFA turns it on for the pool.',
      'AwsSolutions::AwsSolutions-COG2',
    );
    acknowledge(
      this.userPool,
      "The Plus plan's threat protection costs more per monthly active user than Lite and Essentials (docs/SCALE.md), for risk signals on self-service sign-in that this pool does not offer.",
      'AwsSolutions::AwsSolutions-COG8',
    );
    this.domain = this.userPool.addDomain('SignIn', { cognitoDomain: { domainPrefix: props.authDomainPrefix } });
    this.callbackUrls = loginCallbackUrls(props.loginCallbackPorts);
    this.client = this.userPool.addClient('DesktopClient', {
      // A desktop app and a CLI cannot keep a secret (RFC 8252 §8.5): a public client with PKCE.
      generateSecret: false,
      // Sign-in happens only in the browser, on the hosted pages (RFC 8252 §8.12): no password ever
      // reaches Ferry, so no USER_PASSWORD_AUTH (the password in the request) and no custom flow.
      // SRP stays: it never sends the password, and whether the classic hosted pages sign in
      // without it is not something this repository can check offline. CDK adds ALLOW_REFRESH_TOKEN_AUTH.
      authFlows: { userPassword: false, userSrp: true, custom: false, adminUserPassword: false },
      oAuth: {
        // The authorization-code grant only; the implicit grant puts tokens in a URL (RFC 9700 §2.1.2).
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: this.callbackUrls,
      },
      // Short access and ID tokens: API Gateway checks only their signature and expiry, so a revoked
      // login's last access token works until it expires. The refresh token (`ferry login`, kept on
      // the machine) renews them without the user; 30 days without use and they sign in again.
      idTokenValidity: Duration.minutes(15),
      accessTokenValidity: Duration.minutes(15),
      refreshTokenValidity: Duration.days(30),
      enableTokenRevocation: true,
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
      const httpRoute = new HttpRoute(this, `Route-${route.fn}`, {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(path, method),
        integration,
        ...(route.auth ? { authorizer } : {}),
      });
      if (!route.auth) {
        acknowledge(
          httpRoute,
          'Public by design (SPEC §2): GET /health for monitors, GET /auth/config for a client that has no token yet; neither reads user data.',
          'AwsSolutions::AwsSolutions-APIG4',
        );
      }
    }
  }

  /** The hosted sign-in pages' base URL. */
  get signInBaseUrl(): string {
    return this.domain.baseUrl();
  }

  /** What `GET /auth/config` answers (lib/config.ts reads these names). */
  authEnvironment(): Record<string, string> {
    return {
      OIDC_ISSUER: this.userPool.userPoolProviderUrl,
      OIDC_CLIENT_ID: this.client.userPoolClientId,
      OIDC_SCOPES: LOGIN_SCOPES.join(' '),
      OIDC_REDIRECT_URIS: this.callbackUrls.join(' '),
    };
  }

  /** The API's base URL, without a trailing slash. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
