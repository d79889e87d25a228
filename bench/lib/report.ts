// Shared benchmark reporting: every benchmark prints one table and writes bench/results/<name>.json with
// the machine it ran on, so numbers are never quoted without their context.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Bench } from "tinybench";

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "bench", "results");

export interface Row {
  /** Section of the benchmark ("crc32c", "batch", ...). */
  group: string;
  /** What was measured. */
  name: string;
  /** Headline figure and its unit. */
  value: number;
  unit: string;
  /** Further figures (ratio against a reference, ns/op, samples, ...). */
  [extra: string]: string | number;
}

export function machine(): Record<string, string | number> {
  const cpu = cpus();
  return {
    node: process.version,
    cpu: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    date: new Date().toISOString(),
  };
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  return value.toPrecision(4);
}

/** Prints rows as an aligned table and writes bench/results/<name>.json. */
export function report(name: string, rows: Row[], notes: string[] = []): void {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => columns.map((c) => (typeof r[c] === "number" ? format(r[c] as number) : String(r[c] ?? ""))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join("  ");
  console.log(line(columns));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const row of cells) console.log(line(row));
  for (const note of notes) console.log(`note: ${note}`);
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ benchmark: name, machine: machine(), rows, notes }, null, 2) + "\n");
  console.log(`wrote ${file}`);
}

/** Mean ops/s of a finished tinybench task, by name. */
export function hz(bench: Bench, taskName: string): number {
  const task = bench.tasks.find((t) => t.name === taskName);
  const result = task?.result as { throughput?: { mean: number }; hz?: number } | undefined;
  if (!result) throw new Error(`no result for task ${taskName}`);
  return result.throughput?.mean ?? result.hz ?? NaN;
}
