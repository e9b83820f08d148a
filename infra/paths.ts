import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The monorepo root, independent of the process's working directory (cdk CLI, vitest, tsx). */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export const fromRoot = (...segments: string[]): string => path.join(repoRoot, ...segments);
