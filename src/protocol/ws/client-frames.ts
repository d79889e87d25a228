// Encoding and decoding of client -> server frames (layouts in docs/protocol.md). Decoding never trusts
// its input: every count is checked against the bytes that remain, and anything malformed is a
// WsProtocolError (the server closes that connection with 4000).

import { FrameReader, FrameWriter, WsProtocolError } from "./bytes.js";
import { FrameType, type ClientFrame } from "./frames.js";
import { readStart, writeStart } from "./start-position.js";
import { decodeGroupClientFrame, encodeGroupClientFrame, isGroupClientType } from "./group-frames.js";
import { decodeAuthClientFrame, encodeAuthClientFrame, isAuthClientType } from "./auth-frames.js";
import { decodeTxnClientFrame, encodeTxnClientFrame, isTxnClientType } from "./txn-frames.js";
import { decodeSecurityClientFrame, encodeSecurityClientFrame, isSecurityClientType } from "./security-frames.js";

export function encodeClientFrame(frame: ClientFrame): Uint8Array {
  const w = new FrameWriter(frame.type === FrameType.PRODUCE ? 64 + frame.items.reduce((n, i) => n + i.batch.length + 64, 0) : 64);
  w.u8(frame.type).u32(frame.requestId);
  switch (frame.type) {
    case FrameType.PING:
    case FrameType.INIT_PRODUCER_ID:
      break;
    case FrameType.METADATA:
      w.u16(frame.topics.length);
      for (const t of frame.topics) w.string(t);
      if (frame.cluster) w.u8(1);
      break;
    case FrameType.CREATE_TOPIC: {
      const configs = Object.entries(frame.configs);
      w.string(frame.name).i32(frame.partitions).u16(configs.length);
      for (const [k, v] of configs) w.string(k).string(v);
      break;
    }
    case FrameType.DELETE_TOPIC:
      w.string(frame.name);
      break;
    case FrameType.DESCRIBE_TOPIC:
      // The flags byte is written only when set, so a request without it is the version-1 frame unchanged.
      w.string(frame.name);
      if (frame.sizes) w.u8(1);
      break;
    case FrameType.ALTER_TOPIC_CONFIGS: {
      const set = Object.entries(frame.set);
      w.string(frame.name).u16(set.length);
      for (const [k, v] of set) w.string(k).string(v);
      w.u16(frame.remove.length);
      for (const k of frame.remove) w.string(k);
      break;
    }
    case FrameType.CREATE_PARTITIONS:
      w.string(frame.name).i32(frame.total);
      break;
    case FrameType.DELETE_RECORDS:
      w.u16(frame.items.length);
      for (const item of frame.items) w.string(item.topic).i32(item.partition).i64(item.offset);
      break;
    case FrameType.PRODUCE:
      w.i8(frame.acks).u32(frame.timeoutMs).u16(frame.items.length);
      for (const item of frame.items) w.string(item.topic).i32(item.partition).bytes(item.batch);
      // Written only when set (transactional batches), so other PRODUCE frames are unchanged.
      if (frame.transactionalId !== undefined) w.string(frame.transactionalId);
      break;
    case FrameType.FETCH:
      w.u32(frame.maxWaitMs).u32(frame.minBytes).u32(frame.maxBytes).u16(frame.items.length);
      for (const item of frame.items) w.string(item.topic).i32(item.partition).i64(item.offset).u32(item.maxBytes);
      break;
    case FrameType.LIST_OFFSETS:
      w.u16(frame.items.length);
      for (const item of frame.items) w.string(item.topic).i32(item.partition).i64(item.timestamp);
      break;
    case FrameType.SUBSCRIBE:
      w.string(frame.topic).u32(frame.credit).u32(frame.maxChunkBytes);
      writeStart(w, frame.start);
      w.u16(frame.partitions.length);
      for (const p of frame.partitions) {
        w.i32(p.partition);
        writeStart(w, p.start);
      }
      if (frame.isolation === 1) w.u8(1);
      break;
    case FrameType.CREDIT:
      w.u32(frame.bytes);
      break;
    case FrameType.UNSUBSCRIBE:
      w.u32(frame.subscriptionId);
      break;
    case FrameType.SEEK:
      w.u32(frame.subscriptionId).i32(frame.partition);
      writeStart(w, frame.start);
      break;
    default:
      if (!encodeAuthClientFrame(w, frame) && !encodeSecurityClientFrame(w, frame) && !encodeTxnClientFrame(w, frame)) encodeGroupClientFrame(w, frame);
  }
  return w.finish();
}

export function decodeClientFrame(bytes: Uint8Array): ClientFrame {
  const r = new FrameReader(bytes);
  const type = r.u8("frame type");
  const requestId = r.u32("request id");
  let frame: ClientFrame;
  switch (type) {
    case FrameType.PING:
      frame = { type, requestId };
      break;
    case FrameType.INIT_PRODUCER_ID:
      frame = { type, requestId };
      break;
    case FrameType.METADATA: {
      const n = r.count16("topics", 2);
      const topics: string[] = [];
      for (let i = 0; i < n; i++) topics.push(r.string("topic"));
      // Optional flags byte (bit 0: cluster, the brokers and leaders block); other bits are reserved.
      const flags = r.remaining > 0 ? r.u8("metadata flags") : 0;
      frame = (flags & 1) === 1 ? { type, requestId, topics, cluster: true } : { type, requestId, topics };
      break;
    }
    case FrameType.CREATE_TOPIC: {
      const name = r.string("topic");
      const partitions = r.i32("partitions");
      const n = r.count16("configs", 4);
      const configs: Record<string, string> = {};
      for (let i = 0; i < n; i++) configs[r.string("config name")] = r.string("config value");
      frame = { type, requestId, name, partitions, configs };
      break;
    }
    case FrameType.DELETE_TOPIC:
      frame = { type, requestId, name: r.string("topic") };
      break;
    case FrameType.DESCRIBE_TOPIC: {
      const name = r.string("topic");
      // Optional flags byte (bit 0: sizes); other bits are reserved and ignored.
      const flags = r.remaining > 0 ? r.u8("describe flags") : 0;
      frame = (flags & 1) === 1 ? { type, requestId, name, sizes: true } : { type, requestId, name };
      break;
    }
    case FrameType.ALTER_TOPIC_CONFIGS: {
      const name = r.string("topic");
      const nSet = r.count16("configs", 4);
      const set: Record<string, string> = {};
      for (let i = 0; i < nSet; i++) set[r.string("config name")] = r.string("config value");
      const nRemove = r.count16("removed configs", 2);
      const remove: string[] = [];
      for (let i = 0; i < nRemove; i++) remove.push(r.string("config name"));
      frame = { type, requestId, name, set, remove };
      break;
    }
    case FrameType.CREATE_PARTITIONS:
      frame = { type, requestId, name: r.string("topic"), total: r.i32("partition total") };
      break;
    case FrameType.DELETE_RECORDS: {
      const n = r.count16("delete-records items", 14);
      const items = [];
      for (let i = 0; i < n; i++) items.push({ topic: r.string("topic"), partition: r.i32("partition"), offset: r.i64("offset") });
      frame = { type, requestId, items };
      break;
    }
    case FrameType.PRODUCE: {
      const acks = r.i8("acks");
      if (acks !== -1 && acks !== 0 && acks !== 1) throw new WsProtocolError(`acks must be -1, 0 or 1, got ${acks}`);
      const timeoutMs = r.u32("timeout");
      const n = r.count16("produce items", 10);
      const items = [];
      for (let i = 0; i < n; i++) items.push({ topic: r.string("topic"), partition: r.i32("partition"), batch: r.bytesView("batch") });
      const transactionalId = r.remaining > 0 ? r.string("transactional id") : undefined;
      frame = { type, requestId, acks, timeoutMs, items, ...(transactionalId !== undefined ? { transactionalId } : {}) };
      break;
    }
    case FrameType.FETCH: {
      const maxWaitMs = r.u32("max wait");
      const minBytes = r.u32("min bytes");
      const maxBytes = r.u32("max bytes");
      const n = r.count16("fetch items", 18);
      const items = [];
      for (let i = 0; i < n; i++) items.push({ topic: r.string("topic"), partition: r.i32("partition"), offset: r.i64("offset"), maxBytes: r.u32("max bytes") });
      frame = { type, requestId, maxWaitMs, minBytes, maxBytes, items };
      break;
    }
    case FrameType.LIST_OFFSETS: {
      const n = r.count16("offset items", 14);
      const items = [];
      for (let i = 0; i < n; i++) items.push({ topic: r.string("topic"), partition: r.i32("partition"), timestamp: r.i64("timestamp") });
      frame = { type, requestId, items };
      break;
    }
    case FrameType.SUBSCRIBE: {
      const topic = r.string("topic");
      const credit = r.u32("credit");
      const maxChunkBytes = r.u32("max chunk bytes");
      const start = readStart(r);
      const n = r.count16("partitions", 13);
      const partitions = [];
      for (let i = 0; i < n; i++) partitions.push({ partition: r.i32("partition"), start: readStart(r) });
      let isolation: 0 | 1 = 0;
      if (r.remaining > 0) {
        const level = r.u8("isolation");
        if (level > 1) throw new WsProtocolError(`SUBSCRIBE isolation must be 0 or 1, got ${level}`);
        isolation = level as 0 | 1;
      }
      frame = { type, requestId, topic, credit, maxChunkBytes, start, partitions, ...(isolation ? { isolation } : {}) };
      break;
    }
    case FrameType.CREDIT:
      frame = { type, requestId, bytes: r.u32("credit bytes") };
      break;
    case FrameType.UNSUBSCRIBE:
      frame = { type, requestId, subscriptionId: r.u32("subscription id") };
      break;
    case FrameType.SEEK:
      frame = { type, requestId, subscriptionId: r.u32("subscription id"), partition: r.i32("partition"), start: readStart(r) };
      break;
    default:
      if (isAuthClientType(type)) {
        frame = decodeAuthClientFrame(r, requestId);
        break;
      }
      if (isSecurityClientType(type)) {
        frame = decodeSecurityClientFrame(r, type, requestId);
        break;
      }
      if (isTxnClientType(type)) {
        frame = decodeTxnClientFrame(r, type, requestId);
        break;
      }
      if (!isGroupClientType(type)) throw new WsProtocolError(`unknown client frame type 0x${type.toString(16).padStart(2, "0")}`);
      frame = decodeGroupClientFrame(r, type, requestId);
  }
  r.end();
  return frame;
}
