/** A cell: text, a number, or nothing. */
export type Cell = string | number | null | undefined;

const quoted = (cell: Cell): string => {
  if (cell === null || cell === undefined) return '';
  const text = String(cell);
  // Quote what would break the row, and what a spreadsheet would read as a formula.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof cell === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/**
 * RFC 4180 CSV with a UTF-8 byte-order mark, so Excel opens Chinese text as it is: the columns are the union of
 * the rows' keys in the order they first appear; a missing cell is empty.
 */
export function toCsv(rows: readonly Record<string, Cell>[]): string {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const lines = [columns.map(quoted).join(','), ...rows.map((row) => columns.map((c) => quoted(row[c])).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
