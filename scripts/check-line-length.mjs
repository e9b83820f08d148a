// Lines stay at most 120 characters in code (Prettier wraps code; strings and comments are wrapped by hand).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 120;
const patterns = ['*.ts', '*.tsx', '*.mjs', '*.cjs'];
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', ...patterns])
  .toString()
  .split('\n')
  .filter(Boolean);
const long = files.flatMap((file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, i) => (line.length > MAX ? [`${file}:${i + 1} (${line.length})`] : [])),
);
if (long.length) {
  process.stderr.write(`Lines over ${MAX} characters:\n${long.join('\n')}\n`);
  process.exit(1);
}
