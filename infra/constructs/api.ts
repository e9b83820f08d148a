import { Duration } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpNoneAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { lambdaConfigSchema } from '@cc/api/config';
import type * as z from 'zod';
import type { Auth } from './auth';
import { createNodeFunction } from './node-function';
import { attachmentsPrefix } from './workers';

export interface ApiProps {
  table: ITableV2;
  notifications: IQueue;
  /** Attachments of email posted to /webhooks/email go under attachments/ here, as SES mail's do. */
  mailBucket: IBucket;
  auth: Auth;
  retentionDays: number;
}

/** Variables the API Lambda gets; keyed by the config schema so a renamed variable fails to compile. */
type ApiEnvironment = { [K in keyof z.infer<typeof lambdaConfigSchema>]?: string };

/** Routes served without a token: health, the OpenAPI document, the public complaint form, provider webhooks. */
export const publicRoutes: ReadonlyArray<{ path: string; methods: HttpMethod[] }> = [
  { path: '/health', methods: [HttpMethod.GET] },
  { path: '/openapi.json', methods: [HttpMethod.GET] },
  { path: '/complaint', methods: [HttpMethod.GET] },
  { path: '/public/{proxy+}', methods: [HttpMethod.ANY] },
  { path: '/webhooks/{proxy+}', methods: [HttpMethod.ANY] },
];

/** The HTTP API in front of one Lambda (the Hono app in functions/api.ts). */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly handler: NodejsFunction;
  readonly authorizer: HttpJwtAuthorizer;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { auth } = props;

    // Generated at deploy time, never in source or the template.
    const cursorSecret = new Secret(this, 'CursorSecret', {
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
    const channelSecrets = new Secret(this, 'ChannelSecrets', {
      description: 'Twilio auth token (set after deploy) and the inbound email webhook secret.',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ twilioAuthToken: 'set-me-after-deploy' }),
        generateStringKey: 'emailWebhookSecret',
        passwordLength: 48,
        excludePunctuation: true,
      },
    });

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Contact center API',
      createDefaultStage: true,
    });

    // These become CloudFormation dynamic references ({{resolve:secretsmanager:...}}), resolved at
    // deploy time into the function's environment: not in the template, but visible to anyone who can
    // read the function configuration, and only refreshed on the next deploy. Production should instead
    // pass the secret ARN, grant secretsmanager:GetSecretValue, and fetch the values once at init.
    const environment: ApiEnvironment = {
      TABLE_NAME: props.table.tableName,
      NOTIFICATION_QUEUE_URL: props.notifications.queueUrl,
      AUTH_ISSUER: auth.issuer,
      AUTH_AUDIENCE: auth.audience,
      AUTH_JWKS_URL: auth.jwksUrl,
      CURSOR_SECRET: cursorSecret.secretValueFromJson('cursorSecret').unsafeUnwrap(),
      // The Lambda references the Api resource only; the routes and integration reference the Lambda,
      // so this does not form a cycle (Api <- Function <- Integration <- Route).
      PUBLIC_BASE_URL: this.httpApi.apiEndpoint,
      TWILIO_AUTH_TOKEN: channelSecrets.secretValueFromJson('twilioAuthToken').unsafeUnwrap(),
      EMAIL_WEBHOOK_SECRET: channelSecrets.secretValueFromJson('emailWebhookSecret').unsafeUnwrap(),
      RETENTION_DAYS: String(props.retentionDays),
      ATTACHMENTS_BUCKET: props.mailBucket.bucketName,
    };

    this.handler = createNodeFunction(this, 'Handler', {
      entry: 'functions/api.ts',
      description: 'Contact center HTTP API',
      memorySize: 1024,
      timeout: Duration.seconds(10),
      environment: environment as Record<string, string>,
    });
    props.table.grantReadWriteData(this.handler);
    props.notifications.grantSendMessages(this.handler);
    props.mailBucket.grantPut(this.handler, `${attachmentsPrefix}*`);

    const integration = new HttpLambdaIntegration('Lambda', this.handler);
    this.authorizer = new HttpJwtAuthorizer('Cognito', auth.issuer, {
      jwtAudience: [auth.audience],
      identitySource: ['$request.header.Authorization'],
    });

    for (const route of publicRoutes) {
      this.httpApi.addRoutes({ ...route, integration, authorizer: new HttpNoneAuthorizer() });
    }
    this.httpApi.addRoutes({ path: '/{proxy+}', methods: [HttpMethod.ANY], integration, authorizer: this.authorizer });
  }
}
