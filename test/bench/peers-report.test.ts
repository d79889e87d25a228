// The generated parts of the peers benchmark: the SVG chart, the table and the docs section between markers.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { barChartSvg } from "../../bench/lib/svg-chart.js";
import { chartSvg, markdownTable, replaceBetweenMarkers, spread, textTable, type SystemResult } from "../../bench/peers/docs.js";
import { percentiles } from "../../bench/peers/workload.js";

const results: SystemResult[] = [
  { name: "Redis <7>", produce: spread([60e3, 68e3, 61e3]), consume: spread([190e3]), p50: spread([1.8]), p99: spread([104, 90, 120]) },
  { name: "Rivulet", produce: spread([350e3, 368e3, 348e3]), consume: spread([1.3e6]), p50: spread([0.5]), p99: spread([2]) },
  { name: "fdatasync", p50: spread([1]), p99: spread([3]) },
];

describe("spread and percentiles", () => {
  it("gives the median with min and max, ignoring non-finite values", () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([4, 1, NaN, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 });
    expect(spread([])).toBeUndefined();
  });
  it("takes nearest-rank percentiles", () => {
    const p = percentiles(Float64Array.from({ length: 1000 }, (_, i) => 1000 - i));
    expect([p.p50, p.p99, p.p999, p.max, p.samples]).toEqual([500, 990, 999, 1000, 1000]);
  });
});

describe("tables", () => {
  it("prints medians with their range and leaves unmeasured cells empty", () => {
    const text = textTable(results);
    expect(text).toContain("61 k (60 k–68 k)");
    expect(text).toContain("104 (90.0–120)");
    const md = markdownTable(results).split("\n");
    expect(md).toHaveLength(5);
    expect(md[4]).toBe("| fdatasync |  |  | 1.00 | 3.00 |  |");
  });
});

describe("svg chart", () => {
  it("draws one bar per measured value, scaled to the largest, with escaped labels", () => {
    const svg = chartSvg(results, "subtitle & more");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("Redis &lt;7&gt;");
    expect(svg).toContain("subtitle &amp; more");
    // 2 produce + 2 consume + 3 systems × (p50, p99) bars.
    expect(svg.match(/<rect x="270"/g)).toHaveLength(10);
    const widths = [...svg.matchAll(/<rect x="270" y="\d+(?:\.\d+)?" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    // The larger producer's bar is the wider one, in proportion (linear scale).
    expect(widths[1]! / widths[0]!).toBeCloseTo(350e3 / 61e3, 1);
  });
  it("puts values spanning decades on a log scale", () => {
    const svg = barChartSvg("t", [{ title: "latency", unit: "ms", log: true, groups: [{ label: "a", bars: [{ series: "p99", value: 1 }] }, { label: "b", bars: [{ series: "p99", value: 100 }] }] }]);
    expect(svg).toContain("log scale");
    const widths = [...svg.matchAll(/<rect x="270" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths[1]).toBeGreaterThan(widths[0]!);
    expect(widths[0]).toBeGreaterThan(0);
  });
});

describe("replaceBetweenMarkers", () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  it("rewrites only the marked section, every time", () => {
    dir = mkdtempSync(join(tmpdir(), "peers-docs-"));
    const file = join(dir, "doc.md");
    writeFileSync(file, "before\n<!-- peers:begin -->\nold\n<!-- peers:end -->\nafter\n");
    replaceBetweenMarkers(file, "peers", "new table");
    replaceBetweenMarkers(file, "peers", "newer table");
    expect(readFileSync(file, "utf8")).toBe("before\n<!-- peers:begin -->\nnewer table\n<!-- peers:end -->\nafter\n");
  });
  it("refuses a file without the markers", () => {
    dir = mkdtempSync(join(tmpdir(), "peers-docs-"));
    const file = join(dir, "doc.md");
    writeFileSync(file, "no markers\n");
    expect(() => replaceBetweenMarkers(file, "peers", "x")).toThrow(/markers/);
  });
});
