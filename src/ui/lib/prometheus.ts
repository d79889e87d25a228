// A small reader for the broker's /metrics (Prometheus text exposition 0.0.4): samples with their labels,
// and per-second rates between two scrapes of cumulative counters. Only what Rivulet itself emits is
// needed: no timestamps, no histograms; HELP/TYPE lines are skipped.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
}

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[2]) for (const l of m[2].matchAll(LABEL)) labels[l[1]!] = unescape(l[2]!);
    const value = Number(m[3]);
    if (!Number.isNaN(value) || m[3] === "NaN") out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** Sum of a metric's samples (optionally only those whose labels match). */
export function total(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

/**
 * Per-second rate of a cumulative counter between two scrapes. A counter that went down (the broker
 * restarted, a topic was deleted) restarts from zero: the rate counts only what the new scrape shows.
 */
export function rate(before: number, after: number, seconds: number): number {
  if (seconds <= 0) return 0;
  return (after >= before ? after - before : after) / seconds;
}
