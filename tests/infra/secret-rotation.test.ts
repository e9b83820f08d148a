import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
  type DistributionConfig,
} from '@aws-sdk/client-cloudfront';
import { describe, expect, it } from 'vitest';
import { secretRotation, type RotationEvent, type RotationTarget } from '../../infra/rotation/secret-rotation';

/** Secrets Manager's version and staging-label model, in memory: just what rotation uses. */
function fakeSecretsManager(initial: Record<string, string>) {
  const versions = new Map<string, { value?: string; stages: string[] }>();
  versions.set('v1', { value: JSON.stringify(initial), stages: ['AWSCURRENT'] });
  let counter = 0;
  const notFound = () => Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
  const send = async (command: unknown): Promise<any> => {
    if (command instanceof DescribeSecretCommand) {
      return {
        RotationEnabled: true,
        VersionIdsToStages: Object.fromEntries([...versions].map(([id, v]) => [id, [...v.stages]])),
      };
    }
    if (command instanceof GetSecretValueCommand) {
      const { VersionId, VersionStage } = command.input;
      const found = VersionId
        ? versions.get(VersionId)
        : [...versions.values()].find((v) => v.stages.includes(VersionStage ?? 'AWSCURRENT'));
      if (found?.value === undefined) throw notFound();
      return { SecretString: found.value };
    }
    if (command instanceof GetRandomPasswordCommand) return { RandomPassword: `random-${++counter}` };
    if (command instanceof PutSecretValueCommand) {
      const { ClientRequestToken, SecretString, VersionStages } = command.input;
      for (const v of versions.values()) v.stages = v.stages.filter((s) => !VersionStages!.includes(s));
      versions.set(ClientRequestToken!, { value: SecretString!, stages: [...VersionStages!] });
      return {};
    }
    if (command instanceof UpdateSecretVersionStageCommand) {
      const { VersionStage, MoveToVersionId, RemoveFromVersionId } = command.input;
      const from = versions.get(RemoveFromVersionId!)!;
      from.stages = from.stages.filter((s) => s !== VersionStage);
      if (VersionStage === 'AWSCURRENT') {
        for (const v of versions.values()) v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS');
        from.stages.push('AWSPREVIOUS');
      }
      const to = versions.get(MoveToVersionId!)!;
      to.stages = [...to.stages.filter((s) => s !== 'AWSPENDING'), VersionStage!];
      return {};
    }
    throw new Error(`unexpected ${(command as object).constructor.name}`);
  };
  /** What Secrets Manager does when rotation starts: a new version id labelled AWSPENDING, without a value yet. */
  const startRotation = (): string => {
    // The version exists only as a label until createSecret writes it: reading it is "not found".
    const token = randomUUID();
    versions.set(token, { stages: ['AWSPENDING'] });
    return token;
  };
  const labelled = (stage: string) => JSON.parse([...versions.values()].find((v) => v.stages.includes(stage))!.value!);
  const current = () => labelled('AWSCURRENT');
  const previous = () => labelled('AWSPREVIOUS');
  return { client: { send }, startRotation, current, previous, versions };
}

function fakeCloudFront(headerName: string, value: string) {
  let config: DistributionConfig = {
    CallerReference: 'x',
    Comment: '',
    Enabled: true,
    DefaultCacheBehavior: undefined as never,
    Origins: {
      Quantity: 1,
      Items: [
        {
          Id: 'api',
          DomainName: 'abc.execute-api.ap-east-1.amazonaws.com',
          CustomHeaders: { Quantity: 1, Items: [{ HeaderName: headerName, HeaderValue: value }] },
        },
      ],
    },
  };
  let etag = 1;
  const updates: string[] = [];
  return {
    updates,
    header: () => config.Origins!.Items![0]!.CustomHeaders!.Items![0]!.HeaderValue,
    client: {
      send: async (command: unknown): Promise<any> => {
        if (command instanceof GetDistributionConfigCommand) {
          return { DistributionConfig: structuredClone(config), ETag: `E${etag}` };
        }
        if (command instanceof UpdateDistributionCommand) {
          if (command.input.IfMatch !== `E${etag}`) throw new Error('PreconditionFailed');
          config = structuredClone(command.input.DistributionConfig!);
          etag++;
          updates.push(command.input.Id!);
          return {};
        }
        throw new Error(`unexpected ${(command as object).constructor.name}`);
      },
    },
  };
}

const steps: RotationEvent['Step'][] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

async function rotate(run: (e: RotationEvent) => Promise<void>, token: string) {
  for (const Step of steps) await run({ SecretId: 'arn:secret', ClientRequestToken: token, Step });
}

describe('secret rotation', () => {
  const target: RotationTarget = {
    jsonKey: 'headerValue',
    length: 48,
    cloudFront: { distributionId: 'E123', headerName: 'x-origin-verify' },
  };

  it('origin-verify: the new value reaches CloudFront before it is current; the old one stays previous', async () => {
    const sm = fakeSecretsManager({ headerValue: 'old', other: 'kept' });
    const cf = fakeCloudFront('X-Origin-Verify', 'old');
    const run = secretRotation({ secrets: sm.client, cloudFront: cf.client, target, log: () => {} });
    const token = sm.startRotation();
    await run({ SecretId: 'arn:secret', ClientRequestToken: token, Step: 'createSecret' });
    await run({ SecretId: 'arn:secret', ClientRequestToken: token, Step: 'setSecret' });
    // CloudFront already sends the pending value while the old one is still current: the app accepts both.
    expect(cf.header()).toBe('random-1');
    expect(sm.current().headerValue).toBe('old');
    await run({ SecretId: 'arn:secret', ClientRequestToken: token, Step: 'testSecret' });
    await run({ SecretId: 'arn:secret', ClientRequestToken: token, Step: 'finishSecret' });
    expect(sm.current()).toEqual({ headerValue: 'random-1', other: 'kept' });
    expect(sm.previous().headerValue).toBe('old');
    expect(cf.updates).toEqual(['E123']);
  });

  it('every step can be retried: no second value, no second CloudFront update', async () => {
    const sm = fakeSecretsManager({ headerValue: 'old' });
    const cf = fakeCloudFront('x-origin-verify', 'old');
    const run = secretRotation({ secrets: sm.client, cloudFront: cf.client, target, log: () => {} });
    const token = sm.startRotation();
    for (const Step of steps.slice(0, 3)) {
      await run({ SecretId: 'arn:secret', ClientRequestToken: token, Step });
      await run({ SecretId: 'arn:secret', ClientRequestToken: token, Step });
    }
    await run({ SecretId: 'arn:secret', ClientRequestToken: token, Step: 'finishSecret' });
    await run({ SecretId: 'arn:secret', ClientRequestToken: token, Step: 'finishSecret' });
    expect(sm.current().headerValue).toBe('random-1');
    expect(cf.updates).toHaveLength(1);
  });

  it('testSecret fails while CloudFront does not send the pending value', async () => {
    const sm = fakeSecretsManager({ headerValue: 'old' });
    const cf = fakeCloudFront('x-origin-verify', 'old');
    const run = secretRotation({ secrets: sm.client, cloudFront: cf.client, target, log: () => {} });
    const token = sm.startRotation();
    await run({ SecretId: 'arn:secret', ClientRequestToken: token, Step: 'createSecret' });
    await expect(run({ SecretId: 'arn:secret', ClientRequestToken: token, Step: 'testSecret' })).rejects.toThrow(
      /pending value/,
    );
    expect(sm.current().headerValue).toBe('old');
  });

  it('refuses a distribution that does not send the header at all', async () => {
    const sm = fakeSecretsManager({ headerValue: 'old' });
    const cf = fakeCloudFront('x-something-else', 'old');
    const run = secretRotation({ secrets: sm.client, cloudFront: cf.client, target, log: () => {} });
    const token = sm.startRotation();
    await run({ SecretId: 'arn:secret', ClientRequestToken: token, Step: 'createSecret' });
    await expect(run({ SecretId: 'arn:secret', ClientRequestToken: token, Step: 'setSecret' })).rejects.toThrow(
      /no origin of E123 sends x-origin-verify/,
    );
  });

  it('a plain generated secret (the cursor key) rotates without CloudFront', async () => {
    const sm = fakeSecretsManager({ cursorSecret: 'old' });
    const run = secretRotation({ secrets: sm.client, target: { jsonKey: 'cursorSecret', length: 64 }, log: () => {} });
    await rotate(run, sm.startRotation());
    expect(sm.current()).toEqual({ cursorSecret: 'random-1' });
    expect(sm.previous()).toEqual({ cursorSecret: 'old' });
  });

  it('ignores a version that is already current, and refuses one that is not pending', async () => {
    const sm = fakeSecretsManager({ cursorSecret: 'old' });
    const run = secretRotation({ secrets: sm.client, target: { jsonKey: 'cursorSecret', length: 64 }, log: () => {} });
    await run({ SecretId: 'arn:secret', ClientRequestToken: 'v1', Step: 'createSecret' });
    expect(sm.versions.size).toBe(1);
    await expect(run({ SecretId: 'arn:secret', ClientRequestToken: 'nope', Step: 'createSecret' })).rejects.toThrow(
      /not a version/,
    );
  });

  it('never logs a secret value', async () => {
    const sm = fakeSecretsManager({ headerValue: 'old' });
    const cf = fakeCloudFront('x-origin-verify', 'old');
    const lines: string[] = [];
    const run = secretRotation({
      secrets: sm.client,
      cloudFront: cf.client,
      target,
      log: (message, fields) => lines.push(JSON.stringify({ message, ...fields })),
    });
    await rotate(run, sm.startRotation());
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toMatch(/random-1|old/);
  });
});
