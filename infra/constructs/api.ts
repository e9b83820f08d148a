import path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpNoneAuthorizer, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { lambdaConfigSchema } from '@cc/api/config';
import { TWILIO_TOKEN_PLACEHOLDER } from '@cc/channels';
import { resolvePackagedReferenceScript } from '@cc/api/reference';
import type * as z from 'zod/mini';
import { budgets } from '../ops-budgets';
import { repoRoot } from '../paths';
import { timeouts, type StageConfig } from '../ops-config';
import type { Auth } from './auth';
import { createNodeFunction } from './node-function';
import { accessProfiles, grantTableAccess } from './table-access';

export interface ApiProps {
  table: ITableV2;
  notifications: IQueue;
  auth: Auth;
  retentionDays: number;
  stage: StageConfig;
  /** See SECRETS_REVISION. */
  secretsRevision?: string;
}

/**
 * Variables the API Lambda gets. Keyed by the config schema so a renamed variable fails to compile, plus the
 * operations variables the app does not parse yet (docs/operations.md, "app-side wiring").
 */
type ApiEnvironment = { [K in keyof z.infer<typeof lambdaConfigSchema>]?: string } & {
  /** Secrets Manager ARN of the origin-verify secret (JSON key `headerValue`), read at init and every 5 min. */
  ORIGIN_VERIFY_SECRET_ARN?: string;
  /** The header CloudFront adds to every origin request; requests without the secret value get 403. */
  ORIGIN_VERIFY_HEADER?: string;
  /** ARNs of the cursor key and the channel secrets (`twilioAuthToken`), read by the app itself. */
  CURSOR_SECRET_ARN?: string;
  CHANNEL_SECRETS_ARN?: string;
  /**
   * Changing it (`-c secretsRevision=...`) changes the function, so every container is replaced and reads the
   * secrets at once rather than within the 5 minutes of their refresh.
   */
  SECRETS_REVISION?: string;
};

/**
 * Routes served without a token: health, the OpenAPI document and its reference page, the public complaint
 * form and status page, provider webhooks, and the staff console (its pages check their own session cookie; a
 * browser sends no bearer token).
 */
export const publicRoutes: ReadonlyArray<{ path: string; methods: HttpMethod[] }> = [
  { path: '/health', methods: [HttpMethod.GET] },
  { path: '/openapi.json', methods: [HttpMethod.GET] },
  { path: '/docs', methods: [HttpMethod.GET] },
  { path: '/docs/{proxy+}', methods: [HttpMethod.GET] },
  { path: '/complaint', methods: [HttpMethod.GET] },
  { path: '/complaint/status', methods: [HttpMethod.GET, HttpMethod.POST] },
  { path: '/public/{proxy+}', methods: [HttpMethod.ANY] },
  { path: '/webhooks/{proxy+}', methods: [HttpMethod.ANY] },
];

/** The staff console's routes: public like the others (its pages check their own session), to its own function. */
export const consoleRoutes: ReadonlyArray<{ path: string; methods: HttpMethod[] }> = [
  { path: '/console', methods: [HttpMethod.GET] },
  { path: '/console/{proxy+}', methods: [HttpMethod.GET, HttpMethod.POST] },
];

/**
 * The HTTP API in front of two Lambdas over the same app and services: the JSON API (functions/api.ts) and, under
 * /console, the staff console (functions/console.ts), so neither carries the other's code into its cold start.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly handler: NodejsFunction;
  readonly console: NodejsFunction;
  readonly authorizer: HttpJwtAuthorizer;
  /** The routes without an authorizer, by route key (e.g. `ANY /public/{proxy+}`). */
  readonly publicRoutes: HttpRoute[] = [];
  readonly cursorSecret: Secret;
  readonly channelSecrets: Secret;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { auth } = props;

    // Generated at deploy time, never in source or the template; rotated by ./secret-rotation.ts.
    this.cursorSecret = new Secret(this, 'CursorSecret', {
      description: 'HMAC key that signs pagination cursors.',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'cursorSecret',
        passwordLength: 64,
        excludePunctuation: true,
      },
    });
    // The webhook secret is generated and shared with the email provider; the Twilio auth token comes
    // from the Twilio console: put it into this secret after the first deploy, then deploy again.
    this.channelSecrets = new Secret(this, 'ChannelSecrets', {
      description: 'Twilio auth token (set after deploy) and the inbound email webhook secret.',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ twilioAuthToken: TWILIO_TOKEN_PLACEHOLDER }),
        generateStringKey: 'emailWebhookSecret',
        passwordLength: 48,
        excludePunctuation: true,
      },
    });
    Validations.of(this.channelSecrets).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Both values are issued with a third party (the Twilio auth token by Twilio, the webhook secret is ' +
        'configured at the email provider), so no Lambda can rotate them alone; docs/operations.md has the ' +
        'rotation procedure for each.',
    });

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Contact center API (origin of the CloudFront distribution)',
      createDefaultStage: true,
    });

    // Secrets by ARN only: the app reads their values at init and again every 5 minutes (functions/api.ts), so no
    // value is ever in the function's configuration, and a rotation or a new Twilio token needs no deploy.
    const environment: ApiEnvironment = {
      TABLE_NAME: props.table.tableName,
      NOTIFICATION_QUEUE_URL: props.notifications.queueUrl,
      AUTH_ISSUER: auth.issuer,
      AUTH_AUDIENCE: auth.audience,
      AUTH_JWKS_URL: auth.jwksUrl,
      COGNITO_DOMAIN: auth.hostedUiUrl,
      RETENTION_DAYS: String(props.retentionDays),
      CURSOR_SECRET_ARN: this.cursorSecret.secretArn,
      CHANNEL_SECRETS_ARN: this.channelSecrets.secretArn,
      ...(props.secretsRevision && { SECRETS_REVISION: props.secretsRevision }),
    };

    const httpFunction = (id: string, entry: string, description: string, files: string[]) => {
      const fn = createNodeFunction(this, id, {
        entry,
        description,
        memorySize: 1024,
        budget: budgets.api,
        stage: props.stage,
        environment: environment as Record<string, string>,
        files,
      });
      grantTableAccess(fn, props.table, accessProfiles.api);
      this.cursorSecret.grantRead(fn);
      this.channelSecrets.grantRead(fn);
      props.notifications.grantSendMessages(fn);
      return fn;
    };
    // Served at /openapi.json, in the reference page at /docs and (htmx) under /console/assets/, each read on first
    // request: never parsed on a cold start, nor shipped inside the bundle.
    this.handler = httpFunction('Handler', 'functions/api.ts', 'Contact center HTTP API', [
      'packages/api/openapi.json',
      path.relative(repoRoot, resolvePackagedReferenceScript()),
    ]);
    this.console = httpFunction('Console', 'functions/console.ts', 'Contact center staff console', [
      'node_modules/htmx.org/dist/htmx.min.js',
    ]);

    // API Gateway waits a little longer than the Lambda may run, so a slow request ends with the app's own
    // answer (or the Lambda timeout), never with API Gateway cutting it first.
    const integration = new HttpLambdaIntegration('Lambda', this.handler, {
      timeout: Duration.seconds(timeouts.api + 1),
    });
    const consoleIntegration = new HttpLambdaIntegration('ConsoleLambda', this.console, {
      timeout: Duration.seconds(timeouts.api + 1),
    });
    this.authorizer = new HttpJwtAuthorizer('Cognito', auth.issuer, {
      jwtAudience: [auth.audience],
      identitySource: ['$request.header.Authorization'],
    });

    const unauthorized = [
      ...publicRoutes.map((route) => ({ ...route, integration })),
      ...consoleRoutes.map((route) => ({ ...route, integration: consoleIntegration })),
    ];
    for (const route of unauthorized) {
      const routes = this.httpApi.addRoutes({ ...route, authorizer: new HttpNoneAuthorizer() });
      for (const r of routes) {
        Validations.of(r).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'Public by design (anonymous complaint form and status, health, OpenAPI document and reference, provider ' +
            'webhooks that the app verifies by signature, the staff console whose pages check their own sealed ' +
            'session cookie against the same JWKS). Behind the CloudFront WAF with a per-IP rate ' +
            'limit, tighter stage throttles, and the origin-verify header check.',
        });
      }
      this.publicRoutes.push(...routes);
    }
    this.httpApi.addRoutes({ path: '/{proxy+}', methods: [HttpMethod.ANY], integration, authorizer: this.authorizer });
  }

  /**
   * Serve through the front door: the public URL (Twilio signs over it, links in receipts use it) and the
   * origin-verify secret the app checks on every request.
   */
  useFrontDoor(frontDoor: { url: string; originSecret: ISecret; headerName: string }): void {
    for (const fn of [this.handler, this.console]) {
      fn.addEnvironment('PUBLIC_BASE_URL', frontDoor.url);
      fn.addEnvironment('ORIGIN_VERIFY_SECRET_ARN', frontDoor.originSecret.secretArn);
      fn.addEnvironment('ORIGIN_VERIFY_HEADER', frontDoor.headerName);
      frontDoor.originSecret.grantRead(fn);
    }
  }
}
