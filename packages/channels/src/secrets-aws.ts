import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretVersions } from './secrets';

/** The stages a rotation moves a value through; readers accept the ones they are given, newest first. */
export type SecretStage = 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS';

/**
 * Reads one JSON key of a Secrets Manager secret in each of `stages` (a stage that does not exist, such as
 * AWSPENDING outside a rotation or AWSPREVIOUS before the first, is skipped). Values are never logged.
 */
export function secretsManagerReader(
  client: SecretsManagerClient,
  secretId: string,
  jsonKey: string,
  stages: readonly SecretStage[],
): () => Promise<SecretVersions> {
  const readStage = async (stage: SecretStage): Promise<string | undefined> => {
    try {
      const { SecretString } = await client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }),
      );
      const value = (JSON.parse(SecretString ?? '{}') as Record<string, unknown>)[jsonKey];
      return typeof value === 'string' ? value : undefined;
    } catch (error) {
      if (stage !== 'AWSCURRENT' && (error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  };
  return async () => {
    const values = await Promise.all(stages.map(readStage));
    return [...new Set(values.filter((v): v is string => !!v))];
  };
}
