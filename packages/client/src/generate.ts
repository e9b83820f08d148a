import { readFileSync } from 'node:fs';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';

/** The contract the client is generated from, and the generated types (`npm run client` writes them). */
export const contractFile = new URL('../../api/openapi.json', import.meta.url);
export const typesFile = new URL('./schema.d.ts', import.meta.url);

/** The TypeScript types of every path, operation and schema in the contract (openapi-typescript). */
export async function contractTypes(): Promise<string> {
  const contract = JSON.parse(readFileSync(contractFile, 'utf8')) as OpenAPI3;
  // A request field with a default may be left out; answers list what they always carry as required anyway.
  return COMMENT_HEADER + astToString(await openapiTS(contract, { defaultNonNullable: false }));
}
