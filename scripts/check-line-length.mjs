// Lines stay at most 120 characters in code (Prettier wraps code; strings and comments are wrapped by hand).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 120;
/** Written by tools, not by hand (`npm run client`). */
const GENERATED = new Set(['packages/client/src/schema.d.ts']);
const patterns = ['*.ts', '*.tsx', '*.mjs', '*.cjs'];
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', ...patterns])
  .toString()
  .split('\n')
  .filter((file) => file && !GENERATED.has(file));
const long = files.flatMap((file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, i) => (line.length > MAX ? [`${file}:${i + 1} (${line.length})`] : [])),
);
if (long.length) {
  process.stderr.write(`Lines over ${MAX} characters:\n${long.join('\n')}\n`);
  process.exit(1);
}
