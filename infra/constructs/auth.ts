import { Aws, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { StageConfig } from '../ops-config';

/** Where the staff console receives the hosted UI's answer and comes back to after signing out (packages/api). */
export const CONSOLE_CALLBACK_PATH = '/console/auth/callback';
export const CONSOLE_SIGNED_OUT_PATH = '/console/signed-out';

/**
 * Staff sign-in. Administrators create users (no self sign-up); the API takes a token's subject and looks it up in
 * the staff directory (the users table: role, branch, active), never trusting role or branch claims of the token
 * (`custom:role`/`custom:branch` may be set for display, nothing more). Every sign-in needs a second factor
 * (an authenticator app: TOTP), and the Plus feature plan's threat protection blocks compromised
 * credentials and risky sign-ins. The staff console signs in through the hosted UI (authorization code with
 * PKCE, no client secret) at the URLs given to `serveConsoleAt`.
 */
export class Auth extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** The `iss` claim of tokens from this pool. */
  readonly issuer: string;
  readonly jwksUrl: string;
  /** The `aud` (ID token) / `client_id` (access token) claim. */
  readonly audience: string;
  /** The hosted UI, e.g. https://cc-prod-123456789012.auth.eu-west-1.amazoncognito.com (COGNITO_DOMAIN). */
  readonly hostedUiUrl: string;
  readonly domain: UserPoolDomain;
  private readonly consoleUrls: string[] = [];

  constructor(scope: Construct, id: string, props: { stage: StageConfig }) {
    super(scope, id);
    const { protectData } = props.stage;

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: {
        // Both mutable: staff get promoted and move between branches, and an immutable custom attribute
        // could never be corrected, even by an administrator. Users cannot change them themselves
        // because the app client below does not grant write access to them.
        role: new StringAttribute({ minLen: 1, maxLen: 32, mutable: true }),
        branch: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
      },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: protectData,
      removalPolicy: protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const standardOnly = new ClientAttributes().withStandardAttributes({ email: true, fullname: true });
    const consoleUrls = (path: string) => Lazy.list({ produce: () => this.consoleUrls.map((url) => `${url}${path}`) });
    this.client = this.userPool.addClient('ApiClient', {
      authFlows: { userSrp: true },
      // The console's hosted-UI sign-in: the code grant only (no implicit grant), back to the console's own URLs
      // (known once the front door exists: serveConsoleAt). A public client: PKCE instead of a secret.
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: consoleUrls(CONSOLE_CALLBACK_PATH),
        logoutUrls: consoleUrls(CONSOLE_SIGNED_OUT_PATH),
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      readAttributes: standardOnly.withCustomAttributes('role', 'branch'),
      writeAttributes: standardOnly,
    });

    // Cognito's own domain for the hosted UI; the prefix is unique per stage and account.
    this.domain = this.userPool.addDomain('HostedUi', {
      cognitoDomain: { domainPrefix: `cc-${props.stage.stage}-${Aws.ACCOUNT_ID}` },
    });
    this.hostedUiUrl = this.domain.baseUrl();

    const region = Stack.of(this).region;
    this.issuer = `https://cognito-idp.${region}.amazonaws.com/${this.userPool.userPoolId}`;
    this.jwksUrl = `${this.issuer}/.well-known/jwks.json`;
    this.audience = this.client.userPoolClientId;
  }

  /** The console is served at `baseUrl` (the front door's): the hosted UI may send staff back there. */
  serveConsoleAt(baseUrl: string): void {
    this.consoleUrls.push(baseUrl);
  }
}
