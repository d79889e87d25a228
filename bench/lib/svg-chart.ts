// Horizontal bar charts as standalone SVG, generated from benchmark results (no dependencies, no hand
// drawing): one panel per measure, one row per system, one bar per series (e.g. p50 and p99) with a
// min-max whisker over the repetitions. Panels stack vertically into one image.

export interface Bar {
  series: string;
  value: number;
  min?: number;
  max?: number;
}

export interface BarGroup {
  label: string;
  bars: Bar[];
}

export interface Panel {
  title: string;
  unit: string;
  groups: BarGroup[];
  /** Log scale (for values spanning orders of magnitude, e.g. latency). */
  log?: boolean;
  /** Formats a value for its label. */
  format?: (value: number) => string;
}

const PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6"];
const WIDTH = 860;
const LABEL_WIDTH = 270;
const VALUE_ROOM = 90;
const BAR_HEIGHT = 14;
const BAR_GAP = 3;
const GROUP_GAP = 10;
const FONT = "font-family=\"system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif\"";

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function defaultFormat(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  if (value === 0) return "0";
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(0)} k`;
  if (value >= 10) return value.toFixed(0);
  if (value >= 1) return value.toFixed(1);
  return value.toFixed(2);
}

/** Nice round tick values covering [0, max] (linear) or decades (log). */
function ticks(max: number, log: boolean, min: number): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); 10 ** e <= max * 1.0001; e++) out.push(10 ** e);
    return out;
  }
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? rough;
  const out: number[] = [];
  for (let v = 0; v <= max * 1.0001; v += step) out.push(v);
  return out;
}

/** One panel as an SVG fragment at vertical offset `top`; returns the fragment and its height. */
function panel(p: Panel, top: number, seriesColors: Map<string, string>): { svg: string; height: number } {
  const format = p.format ?? defaultFormat;
  const all = p.groups.flatMap((g) => g.bars.flatMap((b) => [b.value, b.max ?? b.value])).filter((v) => Number.isFinite(v) && v > 0);
  const dataMax = all.length ? Math.max(...all) : 1;
  const dataMin = all.length ? Math.min(...all, ...p.groups.flatMap((g) => g.bars.map((b) => b.min ?? b.value)).filter((v) => v > 0)) : 1;
  const log = p.log === true;
  // The decade below the smallest value (strictly below: a value of exactly 1 must not get a zero-width bar).
  const lo = log ? 10 ** (Math.ceil(Math.log10(dataMin)) - 1) : 0;
  const tickValues = ticks(dataMax, log, lo);
  const hi = log ? Math.max(10 ** Math.ceil(Math.log10(dataMax)), tickValues.at(-1)!) : Math.max(dataMax, tickValues.at(-1)!);
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_ROOM - 20;
  const x = (v: number) => {
    if (!(v > 0)) return 0;
    const f = log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : v / hi;
    return Math.max(0, Math.min(1, f)) * plotWidth;
  };
  const parts: string[] = [];
  const titleHeight = 26;
  parts.push(`<text x="10" y="${top + 18}" font-size="14" font-weight="600" ${FONT}>${escape(p.title)} <tspan font-weight="400" fill="#555">(${escape(p.unit)}${log ? ", log scale" : ""})</tspan></text>`);
  let y = top + titleHeight + 6;
  const plotTop = y;
  for (const group of p.groups) {
    const groupHeight = group.bars.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + groupHeight / 2 + 4}" font-size="12" text-anchor="end" ${FONT}>${escape(group.label)}</text>`);
    for (const bar of group.bars) {
      const color = seriesColors.get(bar.series)!;
      const w = x(bar.value);
      parts.push(`<rect x="${LABEL_WIDTH}" y="${y}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" fill="${color}" rx="2"><title>${escape(`${group.label}, ${bar.series}: ${format(bar.value)}`)}</title></rect>`);
      if (bar.min !== undefined && bar.max !== undefined && bar.max > bar.min) {
        const cy = y + BAR_HEIGHT / 2;
        const x1 = LABEL_WIDTH + x(bar.min);
        const x2 = LABEL_WIDTH + x(bar.max);
        parts.push(`<path d="M${x1.toFixed(1)} ${cy}H${x2.toFixed(1)}M${x1.toFixed(1)} ${cy - 4}V${cy + 4}M${x2.toFixed(1)} ${cy - 4}V${cy + 4}" stroke="#111" stroke-width="1" fill="none"/>`);
      }
      const labelX = LABEL_WIDTH + Math.max(w, bar.max !== undefined ? x(bar.max) : 0) + 5;
      const seriesNote = group.bars.length > 1 ? ` ${bar.series}` : "";
      parts.push(`<text x="${labelX.toFixed(1)}" y="${y + BAR_HEIGHT - 3}" font-size="11" fill="#333" ${FONT}>${escape(format(bar.value) + seriesNote)}</text>`);
      y += BAR_HEIGHT + BAR_GAP;
    }
    y += GROUP_GAP - BAR_GAP;
  }
  const plotBottom = y - GROUP_GAP + 4;
  for (const t of tickValues) {
    if (log && t < lo) continue;
    const tx = LABEL_WIDTH + x(t);
    parts.push(`<line x1="${tx.toFixed(1)}" y1="${plotTop - 4}" x2="${tx.toFixed(1)}" y2="${plotBottom}" stroke="#ddd" stroke-width="1"/>`);
    parts.push(`<text x="${tx.toFixed(1)}" y="${plotBottom + 13}" font-size="10" fill="#666" text-anchor="middle" ${FONT}>${escape(format(t))}</text>`);
  }
  // Grid lines go under the bars: put them first.
  const grid = parts.filter((s) => s.startsWith("<line") || (s.startsWith("<text") && s.includes('fill="#666"')));
  const rest = parts.filter((s) => !grid.includes(s));
  return { svg: [...grid, ...rest].join("\n"), height: plotBottom + 22 - top };
}

/** A complete SVG document: the panels stacked, a legend of the series on top. */
export function barChartSvg(title: string, panels: Panel[], footnote?: string): string {
  const seriesColors = new Map<string, string>();
  for (const p of panels) for (const g of p.groups) for (const b of g.bars) if (!seriesColors.has(b.series)) seriesColors.set(b.series, PALETTE[seriesColors.size % PALETTE.length]!);
  const body: string[] = [];
  body.push(`<text x="10" y="22" font-size="16" font-weight="700" ${FONT}>${escape(title)}</text>`);
  let lx = 10;
  for (const [series, color] of seriesColors) {
    body.push(`<rect x="${lx}" y="32" width="12" height="12" fill="${color}" rx="2"/><text x="${lx + 16}" y="42" font-size="12" ${FONT}>${escape(series)}</text>`);
    lx += 16 + series.length * 7 + 18;
  }
  let top = 52;
  for (const p of panels) {
    const { svg, height } = panel(p, top, seriesColors);
    body.push(svg);
    top += height + 8;
  }
  if (footnote) {
    body.push(`<text x="10" y="${top + 10}" font-size="10" fill="#666" ${FONT}>${escape(footnote)}</text>`);
    top += 18;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}">\n<rect width="100%" height="100%" fill="#fff"/>\n${body.join("\n")}\n</svg>\n`;
}
