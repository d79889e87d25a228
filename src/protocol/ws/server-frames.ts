// Encoding and decoding of server -> client frames (layouts in docs/protocol.md). The client decodes with
// the same care the server does: a malformed server frame is a WsProtocolError, never a crash.

import { FrameReader, FrameWriter, WsProtocolError } from "./bytes.js";
import { FrameType, type ChunkFrame, type ClusterBrokerInfo, type MetadataTopic, type PartitionRange, type ServerFrame } from "./frames.js";
import { decodeGroupServerFrame, encodeGroupServerFrame, isGroupServerType } from "./group-frames.js";
import { decodeAuthServerFrame, encodeAuthServerFrame, isAuthServerType } from "./auth-frames.js";
import { decodeSecurityServerFrame, encodeSecurityServerFrame, isSecurityServerType } from "./security-frames.js";

function writeRanges(w: FrameWriter, ranges: PartitionRange[]): void {
  w.u32(ranges.length);
  for (const p of ranges) w.i32(p.partition).i64(p.logStartOffset).i64(p.logEndOffset);
}

function readRanges(r: FrameReader): PartitionRange[] {
  const n = r.u32("partition count");
  if (n * 20 > r.remaining) throw new WsProtocolError(`partition count ${n} cannot fit`);
  const out: PartitionRange[] = [];
  for (let i = 0; i < n; i++) out.push({ partition: r.i32(), logStartOffset: r.i64(), logEndOffset: r.i64() });
  return out;
}

/** A CHUNK frame: header then the stored batches, copied once into the frame. */
export function encodeChunk(chunk: Omit<ChunkFrame, "type">): Uint8Array {
  return encodeChunkInto(new Uint8Array(CHUNK_HEADER_SIZE + chunk.records.length), chunk);
}

export const CHUNK_HEADER_SIZE = 5 + 4 + 24;

/**
 * Writes a CHUNK frame at the start of `target` (at least CHUNK_HEADER_SIZE + records bytes) and returns
 * that part of it: lets a sender whose transport copies on send reuse one buffer for every frame.
 */
export function encodeChunkInto(target: Uint8Array, chunk: Omit<ChunkFrame, "type">): Uint8Array {
  const frame = target.subarray(0, CHUNK_HEADER_SIZE + chunk.records.length);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  view.setUint8(0, FrameType.CHUNK);
  view.setUint32(1, chunk.requestId);
  view.setInt32(5, chunk.partition);
  view.setBigInt64(9, chunk.fromOffset);
  view.setBigInt64(17, chunk.nextOffset);
  view.setBigInt64(25, chunk.highWatermark);
  frame.set(chunk.records, CHUNK_HEADER_SIZE);
  return frame;
}

export function encodeServerFrame(frame: ServerFrame): Uint8Array {
  if (frame.type === FrameType.CHUNK) return encodeChunk(frame);
  const w = new FrameWriter(frame.type === FrameType.FETCH_RESULT ? 64 + frame.items.reduce((n, i) => n + i.records.length + 32, 0) : 64);
  w.u8(frame.type).u32(frame.requestId);
  switch (frame.type) {
    case FrameType.WELCOME:
      w.u16(frame.protocolVersion).string(frame.serverVersion).u32(frame.maxFrameBytes).u16(frame.maxSubscriptions).u32(frame.idleTimeoutMs);
      break;
    case FrameType.PONG:
      w.i64(frame.serverTimeMs);
      break;
    case FrameType.METADATA_RESULT:
      w.u16(frame.topics.length);
      for (const t of frame.topics) {
        w.string(t.name).i16(t.errorCode);
        writeRanges(w, t.partitions);
      }
      // Trailing, cluster mode only: brokers, then each topic's partition leaders. Older clients stop before it.
      if (frame.brokers) {
        w.u16(frame.brokers.length);
        for (const b of frame.brokers) w.i32(b.id).string(b.url);
        for (const t of frame.topics) {
          const leaders = t.leaders ?? [];
          w.u32(leaders.length);
          for (const l of leaders) w.i32(l.leader).i32(l.leaderEpoch);
        }
      }
      break;
    case FrameType.OK:
      break;
    case FrameType.TOPIC_DESCRIPTION:
      w.string(frame.name).string(frame.id);
      writeRanges(w, frame.partitions);
      w.u16(frame.configs.length);
      for (const c of frame.configs) w.string(c.name).string(c.value).u8(c.isDefault ? 1 : 0);
      // Trailing, only when asked for (DESCRIBE_TOPIC's sizes flag): clients that did not ask decode as before.
      if (frame.sizes) {
        w.u32(frame.sizes.length);
        for (const size of frame.sizes) w.i64(BigInt(size));
      }
      break;
    case FrameType.PRODUCE_RESULT:
      w.u16(frame.items.length);
      for (const i of frame.items) w.i16(i.errorCode).string(i.errorMessage).i64(i.baseOffset).i64(i.logAppendTime).i64(i.logStartOffset);
      break;
    case FrameType.FETCH_RESULT:
      w.u16(frame.items.length);
      for (const i of frame.items) w.i16(i.errorCode).i64(i.highWatermark).i64(i.logStartOffset).bytes(i.records);
      break;
    case FrameType.OFFSETS_RESULT:
      w.u16(frame.items.length);
      for (const i of frame.items) w.i16(i.errorCode).i64(i.offset).i64(i.timestamp);
      break;
    case FrameType.RECORDS_DELETED:
      w.u16(frame.items.length);
      for (const i of frame.items) w.i16(i.errorCode).i64(i.lowWatermark);
      break;
    case FrameType.PRODUCER_ID:
      w.i64(frame.producerId).i16(frame.producerEpoch);
      break;
    case FrameType.SUBSCRIBED:
      w.u16(frame.partitions.length);
      for (const p of frame.partitions) w.i32(p.partition).i16(p.errorCode).i64(p.startOffset).i64(p.logStartOffset).i64(p.logEndOffset);
      break;
    case FrameType.GAP:
      w.i32(frame.partition).i64(frame.fromOffset).i64(frame.toOffset);
      break;
    case FrameType.STALLED:
      w.i32(frame.partition).u32(frame.neededBytes);
      break;
    case FrameType.ERROR:
      w.i16(frame.errorCode).string(frame.code).string(frame.message);
      break;
    default:
      if (!encodeAuthServerFrame(w, frame) && !encodeSecurityServerFrame(w, frame)) encodeGroupServerFrame(w, frame);
  }
  return w.finish();
}

export function decodeServerFrame(bytes: Uint8Array): ServerFrame {
  const r = new FrameReader(bytes);
  const type = r.u8("frame type");
  const requestId = r.u32("request id");
  let frame: ServerFrame;
  switch (type) {
    case FrameType.WELCOME:
      frame = { type, requestId: 0, protocolVersion: r.u16(), serverVersion: r.string(), maxFrameBytes: r.u32(), maxSubscriptions: r.u16(), idleTimeoutMs: r.u32() };
      break;
    case FrameType.PONG:
      frame = { type, requestId, serverTimeMs: r.i64() };
      break;
    case FrameType.METADATA_RESULT: {
      const n = r.count16("topics", 8);
      const topics: MetadataTopic[] = [];
      for (let i = 0; i < n; i++) topics.push({ name: r.string(), errorCode: r.i16(), partitions: readRanges(r) });
      frame = { type, requestId, topics };
      if (r.remaining > 0) {
        const nb = r.count16("brokers", 6);
        const brokers: ClusterBrokerInfo[] = [];
        for (let i = 0; i < nb; i++) brokers.push({ id: r.i32(), url: r.string() });
        for (const t of topics) {
          const count = r.u32("leader count");
          if (count * 8 > r.remaining) throw new WsProtocolError(`leader count ${count} cannot fit`);
          t.leaders = [];
          for (let i = 0; i < count; i++) t.leaders.push({ leader: r.i32(), leaderEpoch: r.i32() });
        }
        frame.brokers = brokers;
      }
      break;
    }
    case FrameType.OK:
      frame = { type, requestId };
      break;
    case FrameType.TOPIC_DESCRIPTION: {
      const name = r.string();
      const id = r.string();
      const partitions = readRanges(r);
      const n = r.count16("configs", 5);
      const configs = [];
      for (let i = 0; i < n; i++) configs.push({ name: r.string(), value: r.string(), isDefault: r.u8() === 1 });
      frame = { type, requestId, name, id, partitions, configs };
      if (r.remaining > 0) {
        const count = r.u32("size count");
        if (count * 8 > r.remaining) throw new WsProtocolError(`size count ${count} cannot fit`);
        const sizes: number[] = [];
        for (let i = 0; i < count; i++) sizes.push(Number(r.i64()));
        frame.sizes = sizes;
      }
      break;
    }
    case FrameType.PRODUCE_RESULT: {
      const n = r.count16("results", 28);
      const items = [];
      for (let i = 0; i < n; i++) items.push({ errorCode: r.i16(), errorMessage: r.string(), baseOffset: r.i64(), logAppendTime: r.i64(), logStartOffset: r.i64() });
      frame = { type, requestId, items };
      break;
    }
    case FrameType.FETCH_RESULT: {
      const n = r.count16("results", 22);
      const items = [];
      for (let i = 0; i < n; i++) items.push({ errorCode: r.i16(), highWatermark: r.i64(), logStartOffset: r.i64(), records: r.bytesView("records") });
      frame = { type, requestId, items };
      break;
    }
    case FrameType.OFFSETS_RESULT: {
      const n = r.count16("results", 18);
      const items = [];
      for (let i = 0; i < n; i++) items.push({ errorCode: r.i16(), offset: r.i64(), timestamp: r.i64() });
      frame = { type, requestId, items };
      break;
    }
    case FrameType.RECORDS_DELETED: {
      const n = r.count16("results", 10);
      const items = [];
      for (let i = 0; i < n; i++) items.push({ errorCode: r.i16(), lowWatermark: r.i64() });
      frame = { type, requestId, items };
      break;
    }
    case FrameType.PRODUCER_ID:
      frame = { type, requestId, producerId: r.i64(), producerEpoch: r.i16() };
      break;
    case FrameType.SUBSCRIBED: {
      const n = r.count16("partitions", 30);
      const partitions = [];
      for (let i = 0; i < n; i++) partitions.push({ partition: r.i32(), errorCode: r.i16(), startOffset: r.i64(), logStartOffset: r.i64(), logEndOffset: r.i64() });
      frame = { type, requestId, partitions };
      break;
    }
    case FrameType.CHUNK:
      frame = { type, requestId, partition: r.i32(), fromOffset: r.i64(), nextOffset: r.i64(), highWatermark: r.i64(), records: r.rest() };
      break;
    case FrameType.GAP:
      frame = { type, requestId, partition: r.i32(), fromOffset: r.i64(), toOffset: r.i64() };
      break;
    case FrameType.STALLED:
      frame = { type, requestId, partition: r.i32(), neededBytes: r.u32() };
      break;
    case FrameType.ERROR:
      frame = { type, requestId, errorCode: r.i16(), code: r.string(), message: r.string() };
      break;
    default:
      if (isAuthServerType(type)) {
        frame = decodeAuthServerFrame(r, requestId);
        break;
      }
      if (isSecurityServerType(type)) {
        frame = decodeSecurityServerFrame(r, type, requestId);
        break;
      }
      if (!isGroupServerType(type)) throw new WsProtocolError(`unknown server frame type 0x${type.toString(16).padStart(2, "0")}`);
      frame = decodeGroupServerFrame(r, type, requestId);
  }
  r.end();
  return frame;
}
