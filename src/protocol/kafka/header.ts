// Kafka framing and message headers.
//
// Every message on the wire is a size-prefixed frame:
//
//   +-----------------+----------------+------------------------+
//   | size int32 (BE) | header         | body                   |
//   +-----------------+----------------+------------------------+
//                      \______________ size bytes ______________/
//
// Request header (the version follows from the API and its version; see registry.ts):
//   v0  api_key int16, api_version int16, correlation_id int32      (only ControlledShutdown v0; unused)
//   v1  v0 + client_id nullable_string                               (every non-flexible request)
//   v2  v1 + tagged_fields                                           (flexible requests: ApiVersions v3+)
// client_id stays a non-compact string even in v2, so any broker can read the header of any request.
//
// Response header:
//   v0  correlation_id int32                                         (non-flexible, and every ApiVersions)
//   v1  correlation_id int32, tagged_fields                          (flexible responses other than ApiVersions)

import { KafkaDecodeError } from "./errors.js";
import type { Reader } from "./reader.js";
import type { Writer } from "./writer.js";

export type RequestHeaderVersion = 0 | 1 | 2;
export type ResponseHeaderVersion = 0 | 1;

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/**
 * Reads a request header. `headerVersion` says which flavour follows the fixed 8 bytes; it depends on
 * the key and version just read, so it may be a function of them (registry.requestHeaderVersion).
 */
export function readRequestHeader(
  r: Reader,
  headerVersion: RequestHeaderVersion | ((apiKey: number, apiVersion: number) => RequestHeaderVersion),
): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const v = typeof headerVersion === "function" ? headerVersion(apiKey, apiVersion) : headerVersion;
  const clientId = v >= 1 ? r.nullableString() : null;
  if (v >= 2) r.taggedFields();
  return { apiKey, apiVersion, correlationId, clientId };
}

export function writeRequestHeader(w: Writer, headerVersion: RequestHeaderVersion, h: RequestHeader): void {
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId);
  if (headerVersion >= 1) w.nullableString(h.clientId);
  if (headerVersion >= 2) w.emptyTaggedFields();
}

export function readResponseHeader(r: Reader, headerVersion: ResponseHeaderVersion): { correlationId: number } {
  const correlationId = r.int32();
  if (headerVersion >= 1) r.taggedFields();
  return { correlationId };
}

export function writeResponseHeader(w: Writer, headerVersion: ResponseHeaderVersion, correlationId: number): void {
  w.int32(correlationId);
  if (headerVersion >= 1) w.emptyTaggedFields();
}

/** Kafka's default socket.request.max.bytes is 100 MiB. */
export const DEFAULT_MAX_FRAME_SIZE = 100 * 1024 * 1024;

export interface FrameDecoderOptions {
  /** Largest accepted size prefix, in bytes (default 100 MiB). */
  maxFrameSize?: number;
}

/**
 * Reassembles size-prefixed frames from a byte stream, sans IO: feed it whatever chunks the transport
 * delivers and it returns the complete frame bodies (without the size prefix), in order. A frame that
 * lies wholly inside one chunk is returned as a view of that chunk; a frame split across chunks is
 * copied once, when its last byte arrives (memory grows with the bytes received, not with what a size
 * prefix claims). A negative or oversized prefix throws KafkaDecodeError, after which the stream is
 * unusable (the connection should be closed).
 */
export class FrameDecoder {
  private readonly maxFrameSize: number;
  private readonly sizeBytes = new Uint8Array(4);
  private sizeHave = 0;
  /** Size of the frame being assembled, or -1 when between frames. */
  private frameSize = -1;
  private readonly pieces: Uint8Array[] = [];
  private piecesHave = 0;
  private streamOffset = 0;
  private failed: KafkaDecodeError | null = null;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  }

  /** Bytes held for an incomplete frame (size prefix included). */
  get buffered(): number {
    return this.sizeHave + (this.frameSize >= 0 ? 4 + this.piecesHave : 0);
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw this.failed;
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.frameSize >= 0) {
        // Continue a frame split across chunks.
        const take = Math.min(this.frameSize - this.piecesHave, chunk.length - i);
        this.pieces.push(chunk.subarray(i, i + take));
        this.piecesHave += take;
        i += take;
        if (this.piecesHave === this.frameSize) {
          out.push(join(this.pieces, this.frameSize));
          this.pieces.length = 0;
          this.piecesHave = 0;
          this.frameSize = -1;
        }
        continue;
      }
      let size: number;
      if (this.sizeHave === 0 && chunk.length - i >= 4) {
        size = (chunk[i]! << 24) | (chunk[i + 1]! << 16) | (chunk[i + 2]! << 8) | chunk[i + 3]!;
        i += 4;
      } else {
        this.sizeBytes[this.sizeHave++] = chunk[i++]!;
        if (this.sizeHave < 4) continue;
        const s = this.sizeBytes;
        size = (s[0]! << 24) | (s[1]! << 16) | (s[2]! << 8) | s[3]!;
        this.sizeHave = 0;
      }
      this.checkSize(size, this.streamOffset + i - 4);
      if (chunk.length - i >= size) {
        out.push(chunk.subarray(i, i + size));
        i += size;
      } else {
        this.frameSize = size;
      }
    }
    this.streamOffset += chunk.length;
    return out;
  }

  private checkSize(size: number, at: number): void {
    if (size < 0) {
      this.failed = new KafkaDecodeError("NEGATIVE_FRAME_SIZE", `negative frame size ${size} at stream byte ${at}`, at);
    } else if (size > this.maxFrameSize) {
      this.failed = new KafkaDecodeError(
        "FRAME_TOO_LARGE",
        `frame size ${size} at stream byte ${at} exceeds the maximum of ${this.maxFrameSize}`,
        at,
      );
    }
    if (this.failed) throw this.failed;
  }
}

function join(pieces: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function frameDecoder(options?: FrameDecoderOptions): FrameDecoder {
  return new FrameDecoder(options);
}

/**
 * Prepends the int32 size. One buffer in gives one (copied) buffer out; parts in give parts out, the
 * prefix as a new first part and the payload parts untouched.
 */
export function frameEncode(payload: Uint8Array): Uint8Array;
export function frameEncode(parts: readonly Uint8Array[]): Uint8Array[];
export function frameEncode(payload: Uint8Array | readonly Uint8Array[]): Uint8Array | Uint8Array[] {
  if (payload instanceof Uint8Array) {
    const out = new Uint8Array(4 + payload.length);
    new DataView(out.buffer).setInt32(0, payload.length);
    out.set(payload, 4);
    return out;
  }
  let size = 0;
  for (const p of payload) size += p.length;
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setInt32(0, size);
  return [prefix, ...payload];
}
