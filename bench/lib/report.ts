import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { fromRoot } from '../../infra/paths';

/** Every figure is one printed line; the same lines go into docs/performance.md with --write-docs. */
export class Report {
  readonly lines: string[] = [];
  line(text: string): void {
    this.lines.push(text);
    process.stdout.write(`${text}\n`);
  }
  section(title: string): void {
    this.line('');
    this.line(`== ${title}`);
  }
}

/** The lines that state a target or budget and whether it was met: what the run sums up at its end. */
export function targetSummary(lines: string[]): string[] {
  const name = (line: string) => line.split(':')[0]!.trim();
  const missed = lines.filter((l) => /\(ABOVE | OVER budget/.test(l)).map(name);
  const met = lines.filter((l) => /target met|within budget/.test(l)).length;
  return [`targets: ${met} met, ${missed.length} missed${missed.length ? `: ${missed.join('; ')}` : ''}`];
}

export const machineLine = () =>
  `machine: ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ` +
  `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;

const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';

/** Replaces the block between the markers in docs/<page> (performance.md, scale.md) with the latest run's lines. */
export function writeDocs(lines: string[], page: string): string {
  const file = fromRoot('docs', page);
  const block = `${BEGIN}\n\`\`\`text\n${lines.join('\n').trim()}\n\`\`\`\n${END}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : `${BEGIN}\n${END}\n`;
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + block + current.slice(end + END.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
  return file;
}
