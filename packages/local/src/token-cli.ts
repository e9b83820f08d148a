import './quiet-sdk-warning';
import { parseEnv } from '@cc/core';
import { loadOrCreateDevKeys, signDevToken } from './dev-keys';
import { localConfigSchema } from './local-config';
import { demoUsers } from './seed';

/** `npm run -s token -- <userId>`: prints only a bearer token for a seeded user. */
const userId = process.argv[2];
const user = demoUsers.find((u) => u.id === userId);
if (!user) {
  process.stderr.write(
    `Usage: npm run -s token -- <userId>\nSeeded users: ${demoUsers.map((u) => `${u.id} (${u.role})`).join(', ')}\n`,
  );
  process.exit(2);
}
const config = parseEnv(localConfigSchema, process.env);
const keys = await loadOrCreateDevKeys(config.DATA_DIR);
const token = await signDevToken(
  keys,
  { userId: user.id, role: user.role, branchId: user.branchId },
  { issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE },
);
process.stdout.write(token + '\n');
