import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { contractTypes, typesFile } from './generate';

/** `npm run client`: regenerates the client's types from packages/api/openapi.json. */
writeFileSync(typesFile, await contractTypes());
process.stdout.write(`wrote ${fileURLToPath(typesFile)}\n`);
