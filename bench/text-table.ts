// A plain-text table for a benchmark's console output: columns as wide as their widest cell, two
// spaces between them, text columns padded on the right and numbers on the left.

/** The header and rows as lines; `left(column)` says which columns are text (left-aligned). */
export function textTable(
  header: string[],
  rows: string[][],
  left: (column: number) => boolean,
): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, column) =>
        left(column)
          ? cell.padEnd(widths[column] as number)
          : cell.padStart(widths[column] as number),
      )
      .join("  ")
      .trimEnd();
  return [format(header), ...rows.map(format)];
}
