import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contractTypes, typesFile } from './generate';

describe('the typed client', () => {
  it('is generated from the current contract (run `npm run client` after `npm run openapi`)', async () => {
    expect(readFileSync(typesFile, 'utf8')).toBe(await contractTypes());
  });
});
