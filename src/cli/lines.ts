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
