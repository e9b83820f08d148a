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
import { accessProfiles, grantTableAccess, type TableAccessProfile } from './table-access';

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

type GatewayRoute = { path: string; methods: HttpMethod[] };

/** Served by the staff API function without a token: health, the OpenAPI document and its reference page. */
export const documentRoutes: ReadonlyArray<GatewayRoute> = [
  { path: '/health', methods: [HttpMethod.GET] },
  { path: '/openapi.json', methods: [HttpMethod.GET] },
  { path: '/docs', methods: [HttpMethod.GET] },
  { path: '/docs/{proxy+}', methods: [HttpMethod.GET] },
];

/**
 * The public edge, to its own function (functions/public.ts): the complaint form and status page, the public JSON
 * (`/public/...`) and the provider webhooks, which the app verifies by signature.
 */
export const publicEdgeRoutes: ReadonlyArray<GatewayRoute> = [
  { path: '/complaint', methods: [HttpMethod.GET] },
  { path: '/complaint/status', methods: [HttpMethod.GET, HttpMethod.POST] },
  { path: '/public/{proxy+}', methods: [HttpMethod.ANY] },
  { path: '/webhooks/{proxy+}', methods: [HttpMethod.ANY] },
];

/** Every route served without a token but the console's: the documents and the public edge. */
export const publicRoutes: ReadonlyArray<GatewayRoute> = [...documentRoutes, ...publicEdgeRoutes];

/** The staff console's routes: public like the others (its pages check their own session), to its own function. */
export const consoleRoutes: ReadonlyArray<GatewayRoute> = [
  { path: '/console', methods: [HttpMethod.GET] },
  { path: '/console/{proxy+}', methods: [HttpMethod.GET, HttpMethod.POST] },
];

/**
 * The HTTP API in front of three Lambdas, one per audience, over the same app: the staff JSON API
 * (functions/api.ts), under /console the staff console (functions/console.ts), and the public edge
 * (functions/public.ts). None carries the others' code into its cold start, each has the grants of what it composes,
 * and the public edge runs under a concurrency cap of its own, so a flood there cannot starve the staff.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly handler: NodejsFunction;
  readonly console: NodejsFunction;
  readonly public: NodejsFunction;
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

    // Secrets by ARN only: the app reads their values at init and again every 5 minutes (functions/shared/), so no
    // value is ever in a function's configuration, and a rotation or a new Twilio token needs no deploy.
    const shared: ApiEnvironment = {
      TABLE_NAME: props.table.tableName,
      NOTIFICATION_QUEUE_URL: props.notifications.queueUrl,
      RETENTION_DAYS: String(props.retentionDays),
      ...(props.secretsRevision && { SECRETS_REVISION: props.secretsRevision }),
    };
    // The staff's functions verify tokens, sign cursors and sign the console in; they take no webhook.
    const staff: ApiEnvironment = {
      ...shared,
      AUTH_ISSUER: auth.issuer,
      AUTH_AUDIENCE: auth.audience,
      AUTH_JWKS_URL: auth.jwksUrl,
      COGNITO_DOMAIN: auth.hostedUiUrl,
      CURSOR_SECRET_ARN: this.cursorSecret.secretArn,
    };
    // The public edge checks Twilio's signature; it has no staff token, cursor or session to deal with.
    const publicEdge: ApiEnvironment = { ...shared, CHANNEL_SECRETS_ARN: this.channelSecrets.secretArn };

    /** A function of the HTTP API, granted what it composes: its table profile and the secrets it reads. */
    const httpFunction = (
      id: string,
      entry: string,
      description: string,
      own: {
        environment: ApiEnvironment;
        table: TableAccessProfile;
        secrets: Secret[];
        files: string[];
        reservedConcurrency?: number;
      },
    ) => {
      const fn = createNodeFunction(this, id, {
        entry,
        description,
        memorySize: 1024,
        budget: budgets.api,
        stage: props.stage,
        environment: own.environment as Record<string, string>,
        files: own.files,
        reservedConcurrency: own.reservedConcurrency,
      });
      grantTableAccess(fn, props.table, own.table);
      for (const secret of own.secrets) secret.grantRead(fn);
      props.notifications.grantSendMessages(fn);
      return fn;
    };
    // Served at /openapi.json, in the reference page at /docs and (htmx) under /console/assets/, each read on first
    // request: never parsed on a cold start, nor shipped inside the bundle.
    this.handler = httpFunction('Handler', 'functions/api.ts', 'Contact center HTTP API (staff)', {
      environment: staff,
      table: accessProfiles.api,
      secrets: [this.cursorSecret],
      files: ['packages/api/openapi.json', path.relative(repoRoot, resolvePackagedReferenceScript())],
    });
    this.console = httpFunction('Console', 'functions/console.ts', 'Contact center staff console', {
      environment: staff,
      table: accessProfiles.api,
      secrets: [this.cursorSecret],
      files: ['node_modules/htmx.org/dist/htmx.min.js'],
    });
    this.public = httpFunction('Public', 'functions/public.ts', 'Contact center public edge (form, status, SMS)', {
      environment: publicEdge,
      table: accessProfiles.publicEdge,
      secrets: [this.channelSecrets],
      files: [],
      reservedConcurrency: props.stage.reservedConcurrency.publicEdge,
    });

    // API Gateway waits a little longer than the Lambda may run, so a slow request ends with the app's own
    // answer (or the Lambda timeout), never with API Gateway cutting it first.
    const integrationOf = (id: string, fn: NodejsFunction) =>
      new HttpLambdaIntegration(id, fn, { timeout: Duration.seconds(timeouts.api + 1) });
    const integration = integrationOf('Lambda', this.handler);
    const consoleIntegration = integrationOf('ConsoleLambda', this.console);
    const publicIntegration = integrationOf('PublicLambda', this.public);
    this.authorizer = new HttpJwtAuthorizer('Cognito', auth.issuer, {
      jwtAudience: [auth.audience],
      identitySource: ['$request.header.Authorization'],
    });

    const unauthorized = [
      ...documentRoutes.map((route) => ({ ...route, integration })),
      ...publicEdgeRoutes.map((route) => ({ ...route, integration: publicIntegration })),
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
    for (const fn of [this.handler, this.console, this.public]) {
      fn.addEnvironment('PUBLIC_BASE_URL', frontDoor.url);
      fn.addEnvironment('ORIGIN_VERIFY_SECRET_ARN', frontDoor.originSecret.secretArn);
      fn.addEnvironment('ORIGIN_VERIFY_HEADER', frontDoor.headerName);
      frontDoor.originSecret.grantRead(fn);
    }
  }
}
