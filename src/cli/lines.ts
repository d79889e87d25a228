// Lines from a byte stream, one chunk's worth at a time, without holding more than the current chunk and
// one unfinished line. "\n" ends a line and a "\r" before it is dropped (CRLF input); a last line without a
// newline still counts. Every line is a fresh copy, so nothing pins the stream's chunks in memory.

const NL = 0x0a;
const CR = 0x0d;

function finish(parts: Buffer[], tail: Buffer): Buffer {
  let line = parts.length === 0 ? Buffer.from(tail) : Buffer.concat([...parts, tail]);
  if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
  return line;
}

/** Yields the complete lines found in each chunk (possibly none) as they arrive. */
export async function* readLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer[]> {
  let carry: Buffer[] = [];
  for await (const raw of stream) {
    const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
    const lines: Buffer[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(NL, start); nl !== -1; nl = chunk.indexOf(NL, start)) {
      lines.push(finish(carry, chunk.subarray(start, nl)));
      carry = [];
      start = nl + 1;
    }
    if (start < chunk.length) carry.push(Buffer.from(chunk.subarray(start)));
    yield lines;
  }
  if (carry.length > 0) yield [finish(carry, Buffer.alloc(0))];
}

/** Splits a line at the first `separator`: [key, value], or [null, line] when it has none. */
export function splitKey(line: Buffer, separator: Buffer): [Buffer | null, Buffer] {
  const at = line.indexOf(separator);
  if (at < 0) return [null, line];
  return [line.subarray(0, at), line.subarray(at + separator.length)];
}

/**
 * Records separated by `delimiter` (any bytes, kcat's -D), a chunk at a time like readLines, but nothing is
 * dropped around a delimiter (no CRLF rule). A delimiter may straddle two chunks; a last record without a
 * delimiter still counts, and input ending with the delimiter has no empty record after it (as lines).
 */
export async function* readDelimited(stream: AsyncIterable<Buffer | string>, delimiter: Buffer): AsyncGenerator<Buffer[]> {
  if (delimiter.length === 0) throw new RangeError("an empty delimiter");
  let carry: Buffer[] = [];
  let carried = 0;
  for await (const raw of stream) {
    const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
    const records: Buffer[] = [];
    // The carried tail may hold the start of a delimiter: search from the last (delimiter - 1) bytes of it.
    const back = Math.min(carried, delimiter.length - 1);
    const tail = back > 0 ? lastBytes(carry, back) : Buffer.alloc(0);
    const window = back > 0 ? Buffer.concat([tail, chunk]) : chunk;
    let start = 0;
    for (let at = window.indexOf(delimiter, start); at !== -1; at = window.indexOf(delimiter, start)) {
      if (start === 0 && back > 0) {
        // The record began in earlier chunks: what was carried, less the tail re-read here, plus this part.
        const head = Buffer.concat(carry).subarray(0, carried - back);
        records.push(Buffer.concat([head, window.subarray(0, at)]));
      } else records.push(start === 0 ? Buffer.concat([...carry, window.subarray(0, at)]) : Buffer.from(window.subarray(start, at)));
      carry = [];
      carried = 0;
      start = at + delimiter.length;
    }
    if (start === 0 && back > 0) {
      // No delimiter ended here: the window re-read the tail, keep only the chunk's own bytes.
      carry.push(Buffer.from(chunk));
      carried += chunk.length;
    } else if (start < window.length) {
      carry.push(Buffer.from(window.subarray(start)));
      carried += window.length - start;
    }
    yield records;
  }
  if (carried > 0) yield [Buffer.concat(carry)];
}

/** The last `n` bytes of `parts` (n at most their total), touching only the parts they lie in. */
function lastBytes(parts: Buffer[], n: number): Buffer {
  const picked: Buffer[] = [];
  for (let i = parts.length - 1, need = n; i >= 0 && need > 0; i--) {
    const part = parts[i]!;
    picked.unshift(part.length > need ? part.subarray(part.length - need) : part);
    need -= Math.min(need, part.length);
  }
  return Buffer.concat(picked);
}
