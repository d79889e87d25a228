// Plain-text tables for terminals: a header row, columns padded to their widest cell, numbers right-aligned.

export type Cell = string | number | bigint;

export function renderTable(headers: string[], rows: Cell[][]): string {
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] !== "string"));
  const text = rows.map((r) => r.map((c) => (typeof c === "number" ? formatNumber(c) : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...text.map(line)].join("\n") + "\n";
}

/** 1234567 -> "1,234,567"; fractions keep three significant digits after the point. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) || Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  return value.toFixed(Math.abs(value) >= 100 ? 1 : Math.abs(value) >= 10 ? 2 : 3);
}

/** Bytes as "12.3 MB" (decimal units, as throughput figures are quoted). */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
