import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatedDocument } from './generate';

/** `npm run openapi`: writes packages/api/openapi.json from the route declarations. */
const target = fileURLToPath(new URL('../../openapi.json', import.meta.url));
writeFileSync(target, JSON.stringify(generatedDocument(), null, 2) + '\n');
process.stdout.write(`wrote ${target}\n`);
