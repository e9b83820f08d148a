import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
  type CloudFrontClient,
  type DistributionConfig,
} from '@aws-sdk/client-cloudfront';

/** The four calls Secrets Manager makes to a rotation function, in this order, with one token. */
export interface RotationEvent {
  SecretId: string;
  ClientRequestToken: string;
  Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
}

export interface RotationTarget {
  /** The key of the JSON secret that holds the rotated value; other keys are carried over. */
  jsonKey: string;
  /** Length of the new value (letters and digits). */
  length: number;
  /**
   * When set, every origin of this distribution that sends `headerName` gets the new value in setSecret
   * (and testSecret checks it). The app accepts AWSCURRENT, AWSPENDING and AWSPREVIOUS meanwhile, so the
   * minutes CloudFront takes to deploy the change to its edges never reject a request.
   */
  cloudFront?: { distributionId: string; headerName: string };
}

export interface RotationDeps {
  secrets: Pick<SecretsManagerClient, 'send'>;
  cloudFront?: Pick<CloudFrontClient, 'send'>;
  target: RotationTarget;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

const isNotFound = (error: unknown) => (error as { name?: string }).name === 'ResourceNotFoundException';

/**
 * A Secrets Manager rotation function for a generated value (the origin-verify header, the cursor key).
 * Every step is idempotent: Secrets Manager retries a failed step, and a retried createSecret reuses the
 * pending value it wrote the first time. Values are never logged.
 */
export function secretRotation(deps: RotationDeps) {
  const { secrets, target } = deps;

  const valueOf = async (secretId: string, selector: { VersionStage: string } | { VersionId: string }) => {
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretId, ...selector }));
    return JSON.parse(SecretString ?? '{}') as Record<string, string>;
  };

  const headerOrigins = (config: DistributionConfig) => {
    const name = target.cloudFront!.headerName.toLowerCase();
    return (config.Origins?.Items ?? []).flatMap((origin) =>
      (origin.CustomHeaders?.Items ?? []).filter((h) => h.HeaderName?.toLowerCase() === name),
    );
  };

  async function distributionConfig() {
    const { DistributionConfig, ETag } = await deps.cloudFront!.send(
      new GetDistributionConfigCommand({ Id: target.cloudFront!.distributionId }),
    );
    const headers = headerOrigins(DistributionConfig!);
    if (headers.length === 0) {
      throw new Error(`no origin of ${target.cloudFront!.distributionId} sends ${target.cloudFront!.headerName}`);
    }
    return { config: DistributionConfig!, etag: ETag!, headers };
  }

  const steps = {
    async createSecret(event: RotationEvent) {
      try {
        await valueOf(event.SecretId, { VersionId: event.ClientRequestToken });
        return; // a retry: the pending value exists
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      const current = await valueOf(event.SecretId, { VersionStage: 'AWSCURRENT' });
      const { RandomPassword } = await secrets.send(
        new GetRandomPasswordCommand({ PasswordLength: target.length, ExcludePunctuation: true }),
      );
      await secrets.send(
        new PutSecretValueCommand({
          SecretId: event.SecretId,
          ClientRequestToken: event.ClientRequestToken,
          SecretString: JSON.stringify({ ...current, [target.jsonKey]: RandomPassword }),
          VersionStages: ['AWSPENDING'],
        }),
      );
      deps.log('created the pending version', { secretId: event.SecretId });
    },

    async setSecret(event: RotationEvent) {
      if (!target.cloudFront) return;
      const pending = (await valueOf(event.SecretId, { VersionId: event.ClientRequestToken }))[target.jsonKey];
      const { config, etag, headers } = await distributionConfig();
      if (headers.every((h) => h.HeaderValue === pending)) return;
      for (const header of headers) header.HeaderValue = pending;
      await deps.cloudFront!.send(
        new UpdateDistributionCommand({
          Id: target.cloudFront.distributionId,
          IfMatch: etag,
          DistributionConfig: config,
        }),
      );
      deps.log('sent the pending value to CloudFront', { distributionId: target.cloudFront.distributionId });
    },

    async testSecret(event: RotationEvent) {
      if (!target.cloudFront) return;
      const pending = (await valueOf(event.SecretId, { VersionId: event.ClientRequestToken }))[target.jsonKey];
      const { headers } = await distributionConfig();
      if (!headers.every((h) => h.HeaderValue === pending)) {
        throw new Error(`the distribution does not send the pending value yet`);
      }
    },

    async finishSecret(event: RotationEvent) {
      const { VersionIdsToStages = {} } = await secrets.send(new DescribeSecretCommand({ SecretId: event.SecretId }));
      const current = Object.keys(VersionIdsToStages).find((id) => VersionIdsToStages[id]!.includes('AWSCURRENT'));
      if (current === event.ClientRequestToken) return;
      await secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId: event.SecretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: event.ClientRequestToken,
          RemoveFromVersionId: current,
        }),
      );
      deps.log('the new version is current', { secretId: event.SecretId });
    },
  };

  return async function rotate(event: RotationEvent): Promise<void> {
    const { RotationEnabled, VersionIdsToStages = {} } = await secrets.send(
      new DescribeSecretCommand({ SecretId: event.SecretId }),
    );
    if (RotationEnabled === false) throw new Error(`rotation is not enabled on ${event.SecretId}`);
    const versionStages = VersionIdsToStages[event.ClientRequestToken];
    if (!versionStages) throw new Error(`version ${event.ClientRequestToken} is not a version of the secret`);
    if (versionStages.includes('AWSCURRENT')) return; // already rotated
    if (!versionStages.includes('AWSPENDING')) throw new Error(`version ${event.ClientRequestToken} is not pending`);
    const step = steps[event.Step];
    if (!step) throw new Error(`unknown rotation step ${String(event.Step)}`);
    await step(event);
  };
}
