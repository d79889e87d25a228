// The replication wire (between a follower's fetcher and its leader's replica server): length-prefixed
// frames over TCP, each a JSON header plus an optional binary body (record batches, never re-encoded).
//   frame = u32 frameLength | u32 jsonLength | json (utf-8) | body
// Requests carry an id; responses echo it, so one connection carries many partitions' fetches at once.

export interface Frame {
  header: Record<string, unknown> & { id: number };
  body: Uint8Array;
}

export const MAX_FRAME = 64 * 1024 * 1024;

// A bigint travels as the string "<digits>n". A string of that shape (a topic may be named "2024n") gets
// one "~" more on the way out and one less on the way in, so it is never read back as a bigint: without it
// such a topic's fetches named topic "2024" and it never replicated. Only strings of digits, "n" and
// tildes change, and no Kafka topic name holds a tilde.
const BIGINT = /^-?\d+n$/;
const BIGINT_LIKE = /^-?\d+n~*$/;
const ESCAPED = /^-?\d+n~+$/;

export function encodeFrame(header: Frame["header"], body: Uint8Array = new Uint8Array(0)): Buffer {
  const json = Buffer.from(JSON.stringify(header, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : typeof v === "string" && BIGINT_LIKE.test(v) ? `${v}~` : v)));
  const out = Buffer.allocUnsafe(8 + json.length + body.byteLength);
  out.writeUInt32BE(4 + json.length + body.byteLength, 0);
  out.writeUInt32BE(json.length, 4);
  json.copy(out, 8);
  out.set(body, 8 + json.length);
  return out;
}

/** Accumulates socket chunks and yields whole frames; throws on a frame over MAX_FRAME or a header that is not a JSON object (hostile peer). */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buffered.length >= 4) {
      const length = this.buffered.readUInt32BE(0);
      if (length > MAX_FRAME || length < 4) throw new Error(`replication frame of ${length} bytes refused`);
      if (this.buffered.length < 4 + length) break;
      const jsonLength = this.buffered.readUInt32BE(4);
      if (jsonLength > length - 4) throw new Error("replication frame header overruns the frame");
      const header = JSON.parse(this.buffered.subarray(8, 8 + jsonLength).toString("utf8"), (_, v: unknown) =>
        typeof v !== "string" ? v : BIGINT.test(v) ? BigInt(v.slice(0, -1)) : ESCAPED.test(v) ? v.slice(0, -1) : v,
      ) as unknown;
      // Handlers read fields off it and echo its id: anything but an object (null, a number, an array)
      // would throw outside any request's error handling and take the whole process down.
      if (typeof header !== "object" || header === null || Array.isArray(header)) throw new Error("replication frame header is not a JSON object");
      // A copy with its own ArrayBuffer: the body is transferred to a shard worker.
      const body = new Uint8Array(this.buffered.subarray(8 + jsonLength, 4 + length));
      frames.push({ header: header as Frame["header"], body });
      this.buffered = this.buffered.subarray(4 + length);
    }
    return frames;
  }
}
