import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { StageConfig } from '../ops-config';

/**
 * Staff sign-in. Administrators create users (no self sign-up) and set `custom:role` and `custom:branch`;
 * the API reads both claims from the ID token to scope every request. Every sign-in needs a second factor
 * (an authenticator app: TOTP), and the Plus feature plan's threat protection blocks compromised
 * credentials and risky sign-ins.
 */
export class Auth extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** The `iss` claim of tokens from this pool. */
  readonly issuer: string;
  readonly jwksUrl: string;
  /** The `aud` (ID token) / `client_id` (access token) claim. */
  readonly audience: string;

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
    this.client = this.userPool.addClient('ApiClient', {
      authFlows: { userSrp: true },
      // No hosted UI / OAuth flows (CDK would otherwise enable implicit + code grants with a placeholder
      // callback URL). Add explicit callback URLs and the code grant here if a hosted UI is wanted.
      disableOAuth: true,
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      readAttributes: standardOnly.withCustomAttributes('role', 'branch'),
      writeAttributes: standardOnly,
    });

    const region = Stack.of(this).region;
    this.issuer = `https://cognito-idp.${region}.amazonaws.com/${this.userPool.userPoolId}`;
    this.jwksUrl = `${this.issuer}/.well-known/jwks.json`;
    this.audience = this.client.userPoolClientId;
  }
}
