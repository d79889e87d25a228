// The console's pure helpers: the /metrics reader and rates, the tail's record filter, value rendering.
import { describe, expect, it } from "vitest";
import { parseMetrics, rate, total } from "../../src/ui/lib/prometheus.js";
import { matches } from "../../src/ui/lib/tail.js";
import { hexDump, parseHeaders, renderValue } from "../../src/ui/lib/format.js";
import type { ConsumedRecord } from "../../src/client/index.js";

const text = `# HELP rivulet_produced_records_total Records appended.
# TYPE rivulet_produced_records_total counter
rivulet_produced_records_total{topic="a",partition="0"} 10
rivulet_produced_records_total{topic="a",partition="1"} 5
rivulet_produced_records_total{topic="we\\"ird\\\\,x",partition="0"} 7
rivulet_connections 3
garbage line without value
rivulet_log_end_offset{topic="a",partition="0"} -1
`;

describe("metrics reader", () => {
  it("parses samples with escaped label values and skips comments and junk", () => {
    const samples = parseMetrics(text);
    expect(samples).toHaveLength(5);
    expect(samples[2]!.labels.topic).toBe('we"ird\\,x');
    expect(total(samples, "rivulet_produced_records_total")).toBe(22);
    expect(total(samples, "rivulet_produced_records_total", { topic: "a" })).toBe(15);
    expect(total(samples, "rivulet_connections")).toBe(3);
    expect(total(samples, "rivulet_log_end_offset")).toBe(-1);
  });

  it("computes rates, restarting from zero when a counter goes down", () => {
    expect(rate(100, 300, 2)).toBe(100);
    expect(rate(1000, 50, 1)).toBe(50);
    expect(rate(1, 2, 0)).toBe(0);
  });
});

const enc = new TextEncoder();
const record = (key: string | null, value: string, headers: [string, string | null][] = []): ConsumedRecord => ({
  topic: "t",
  partition: 0,
  offset: 0n,
  timestamp: 0,
  key: key === null ? null : enc.encode(key),
  value: enc.encode(value),
  headers: headers.map(([k, v]) => ({ key: k, value: v === null ? null : enc.encode(v) })),
});

describe("tail filter", () => {
  const r = record("user-42", '{"event":"click"}', [["source", "web"], ["flag", null]]);
  it("matches on key, header presence, header value and value text, all of them", () => {
    expect(matches(r, undefined)).toBe(true);
    expect(matches(r, { key: "42" })).toBe(true);
    expect(matches(r, { key: "43" })).toBe(false);
    expect(matches(r, { header: "flag" })).toBe(true);
    expect(matches(r, { header: "source=web" })).toBe(true);
    expect(matches(r, { header: "source=app" })).toBe(false);
    expect(matches(r, { text: "click" })).toBe(true);
    expect(matches(r, { key: "42", text: "scroll" })).toBe(false);
    expect(matches(record(null, "x"), { key: "x" })).toBe(false);
  });
});

describe("value rendering", () => {
  it("pretty-prints JSON, leaves other text alone, and dumps hex with offsets and ASCII", () => {
    expect(renderValue(enc.encode('{"a":[1,2]}'), "json")).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(renderValue(enc.encode("not json"), "json")).toBe("not json");
    expect(renderValue(null, "text")).toBe("null");
    expect(hexDump(enc.encode("AB\n"))).toBe("000000  41 42 0a" + " ".repeat(47 - 8) + "  AB.");
    expect(hexDump(new Uint8Array(40), 16).split("\n")).toHaveLength(2);
  });

  it("reads headers as name=value lines", () => {
    expect(parseHeaders("a=1\n\n b = x=y \nflag")).toEqual([
      { key: "a", value: "1" },
      { key: "b", value: " x=y" },
      { key: "flag", value: null },
    ]);
  });
});
