import { safeEqual } from './safe-equal';

/**
 * A secret that rotates: every version that may still be in use, newest first. Secrets Manager keeps AWSCURRENT,
 * AWSPENDING while a rotation runs, and AWSPREVIOUS after it; callers accept any of them for a while.
 */
export type SecretVersions = readonly string[];

export interface RefreshingSecret {
  /** The versions, read again when older than the refresh period (concurrent callers share one read). */
  get(): Promise<SecretVersions>;
  /** The versions last read, at once; a stale value starts a read in the background. */
  peek(): SecretVersions;
}

/**
 * Keeps the versions of a secret for `refreshMs` (5 minutes by default), so a rotation reaches a warm container
 * without a deploy. A failed refresh keeps the versions it had (and is tried again next time); the first read must
 * succeed, which is why hosts call `get()` once at start.
 */
export function refreshingSecret(
  read: () => Promise<SecretVersions>,
  options: { refreshMs?: number; now?: () => number; onError?: (error: unknown) => void } = {},
): RefreshingSecret {
  const refreshMs = options.refreshMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let versions: SecretVersions = [];
  let readAt = -Infinity;
  let reading: Promise<SecretVersions> | undefined;

  const refresh = () =>
    (reading ??= read()
      .then((fresh) => {
        versions = fresh.filter((v) => v !== '');
        readAt = now();
        return versions;
      })
      .catch((error: unknown) => {
        if (versions.length === 0) throw error;
        options.onError?.(error);
        readAt = now();
        return versions;
      })
      .finally(() => {
        reading = undefined;
      }));

  const stale = () => now() - readAt >= refreshMs;
  return {
    get: () => (stale() ? refresh() : Promise.resolve(versions)),
    peek() {
      if (stale()) void refresh().catch(() => undefined);
      return versions;
    },
  };
}

/** True when `given` equals one of the versions, each compared in constant time. */
export function matchesAnyVersion(versions: SecretVersions, given: string | undefined): boolean {
  if (!given) return false;
  let matched = false;
  for (const version of versions) matched = safeEqual(version, given) || matched;
  return matched;
}

/** The origin check: the header must carry a live version of the origin-verify secret. */
export const originVerifier = (secret: RefreshingSecret) => async (headerValue: string | undefined) =>
  matchesAnyVersion(await secret.get(), headerValue);
