import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import min from 'libphonenumber-js/metadata.min.json';
import { parsingMetadata } from './phone-metadata';

/** `npm run phone-metadata`: writes packages/channels/src/phone-metadata.json (see phone-metadata.ts). */
const target = fileURLToPath(new URL('./phone-metadata.json', import.meta.url));
writeFileSync(target, JSON.stringify(parsingMetadata(min)) + '\n');
process.stdout.write(`wrote ${target}\n`);
