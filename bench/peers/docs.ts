// Publishing bench/peers.bench.ts's results: the markdown table and SVG chart that docs/benchmarks.md shows
// between its `<!-- peers:begin -->` and `<!-- peers:end -->` markers (rewritten by every full run).
import { readFileSync, writeFileSync } from "node:fs";
import { barChartSvg, type BarGroup, type Panel } from "../lib/svg-chart.js";

/** Median with min and max over the repetitions. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: number[]): Spread | undefined {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!xs.length) return undefined;
  const mid = xs.length >> 1;
  const median = xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  return { median, min: xs[0]!, max: xs.at(-1)!, n: xs.length };
}

export interface SystemResult {
  /** Row label, e.g. "Rivulet, WS client, acks=all". */
  name: string;
  produce?: Spread;
  consume?: Spread;
  /** Consumer used for the consume column, when it differs from the producer's side. */
  p50?: Spread;
  p99?: Spread;
  p999?: Spread;
}

const rate = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : `${(v / 1e3).toFixed(0)} k`);
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

function cell(s: Spread | undefined, f: (v: number) => string): string {
  if (!s) return "";
  return s.n > 1 && s.max > s.min ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median);
}

export const HEADERS = ["system", "produce rec/s", "consume rec/s", "latency p50 ms", "p99 ms", "p99.9 ms"];

export function tableCells(results: SystemResult[]): string[][] {
  return results.map((r) => [r.name, cell(r.produce, rate), cell(r.consume, rate), cell(r.p50, ms), cell(r.p99, ms), cell(r.p999, ms)]);
}

/** The aligned plain-text table printed on stdout. */
export function textTable(results: SystemResult[]): string {
  const rows = [HEADERS, ...tableCells(results)];
  const widths = HEADERS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i]!)).join("  ");
  return [line(rows[0]!), line(widths.map((w) => "-".repeat(w))), ...rows.slice(1).map(line)].join("\n");
}

export function markdownTable(results: SystemResult[]): string {
  const rows = tableCells(results);
  return [`| ${HEADERS.join(" | ")} |`, `|${HEADERS.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export function chartSvg(results: SystemResult[], subtitle: string): string {
  const bars = (pick: (r: SystemResult) => Spread | undefined, series: string): BarGroup[] =>
    results.filter((r) => pick(r)).map((r) => ({ label: r.name, bars: [{ series, value: pick(r)!.median, min: pick(r)!.min, max: pick(r)!.max }] }));
  const latencyGroups: BarGroup[] = results
    .filter((r) => r.p50 || r.p99)
    .map((r) => ({
      label: r.name,
      bars: [
        ...(r.p50 ? [{ series: "p50", value: r.p50.median, min: r.p50.min, max: r.p50.max }] : []),
        ...(r.p99 ? [{ series: "p99", value: r.p99.median, min: r.p99.min, max: r.p99.max }] : []),
      ],
    }));
  const panels: Panel[] = [
    { title: "Produce, 1 partition, until the last acknowledgement", unit: "records/s, higher is better", groups: bars((r) => r.produce, "throughput") },
    { title: "Consume from the start", unit: "records/s, higher is better", groups: bars((r) => r.consume, "throughput") },
    { title: "Produce-to-consume latency at a paced rate", unit: "ms, lower is better", groups: latencyGroups, log: true, format: (v: number) => (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2)) },
  ].filter((p) => p.groups.length > 0);
  return barChartSvg("Rivulet and its peers, side by side (median, whiskers min–max)", panels, subtitle);
}

/** Replaces what lies between the markers in `file` (both markers must be present). */
export function replaceBetweenMarkers(file: string, name: string, content: string): void {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const text = readFileSync(file, "utf8");
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file}: markers ${begin} ... ${end} not found`);
  writeFileSync(file, `${text.slice(0, a + begin.length)}\n${content.trim()}\n${text.slice(b)}`);
}
