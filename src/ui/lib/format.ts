// How the console shows bytes, counts and record payloads.

export type ValueView = "text" | "json" | "hex";

const decoder = new TextDecoder("utf-8", { fatal: false });

export function bytesText(bytes: Uint8Array | null): string {
  return bytes === null ? "" : decoder.decode(bytes);
}

/** Hex dump, 16 bytes a line, with offsets; long payloads are cut (the view shows what fits). */
export function hexDump(bytes: Uint8Array, maxBytes = 4096): string {
  const lines: string[] = [];
  const end = Math.min(bytes.length, maxBytes);
  for (let at = 0; at < end; at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, end));
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${at.toString(16).padStart(6, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > end) lines.push(`… ${bytes.length - end} more bytes`);
  return lines.join("\n");
}

export function renderValue(bytes: Uint8Array | null, view: ValueView): string {
  if (bytes === null) return "null";
  if (view === "hex") return hexDump(bytes);
  const text = bytesText(bytes);
  if (view === "json") {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }
  return text;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${UNITS[unit]}`;
}

export function formatCount(n: number | bigint): string {
  return typeof n === "bigint" ? n.toLocaleString("en-US") : Math.round(n).toLocaleString("en-US");
}

export function formatMs(ms: string | number): string {
  const n = Number(ms);
  if (!Number.isFinite(n) || n < 0) return String(ms);
  if (n % 86_400_000 === 0) return `${n / 86_400_000} d`;
  if (n % 3_600_000 === 0) return `${n / 3_600_000} h`;
  if (n % 60_000 === 0) return `${n / 60_000} min`;
  return `${n} ms`;
}

export function formatTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString().replace("T", " ").replace("Z", "");
}

/** "k=v" lines (a header per line; a line without "=" is a header with a null value). */
export function parseHeaders(text: string): { key: string; value: string | null }[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const eq = line.indexOf("=");
      return eq < 0 ? { key: line, value: null } : { key: line.slice(0, eq).trim(), value: line.slice(eq + 1) };
    });
}
