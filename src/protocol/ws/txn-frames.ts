// Encoding and decoding of the transaction frames (docs/protocol.md, "Transactions"), client -> server:
//
//   TXN_INIT     0x48  transactionalId string, timeoutMs u32                       -> PRODUCER_ID
//   TXN_ADD      0x49  transactionalId string, producerId i64, epoch i16,
//                      partitions u16 × (topic string, partition i32), group string ("" = none) -> OK
//   TXN_OFFSETS  0x4a  transactionalId string, producerId i64, epoch i16, group string,
//                      offsets u16 × (topic string, partition i32, offset i64)     -> OK
//   TXN_END      0x4b  transactionalId string, producerId i64, epoch i16, commit u8 -> OK
//
// Errors come back as ERROR frames with the Kafka code (PRODUCER_FENCED, INVALID_TXN_STATE, ...). The
// main codec (client-frames.ts) hands these types over, as it does the group and auth frames.

import { FrameReader, FrameWriter, WsProtocolError } from "./bytes.js";
import { FrameType, type ClientFrame } from "./frames.js";

export const isTxnClientType = (type: number) => type >= FrameType.TXN_INIT && type <= FrameType.TXN_END;

export function encodeTxnClientFrame(w: FrameWriter, frame: ClientFrame): boolean {
  switch (frame.type) {
    case FrameType.TXN_INIT:
      w.string(frame.transactionalId).u32(frame.timeoutMs);
      return true;
    case FrameType.TXN_ADD:
      w.string(frame.transactionalId).i64(frame.producerId).i16(frame.producerEpoch).u16(frame.partitions.length);
      for (const p of frame.partitions) w.string(p.topic).i32(p.partition);
      w.string(frame.group);
      return true;
    case FrameType.TXN_OFFSETS:
      w.string(frame.transactionalId).i64(frame.producerId).i16(frame.producerEpoch).string(frame.group).u16(frame.offsets.length);
      for (const o of frame.offsets) w.string(o.topic).i32(o.partition).i64(o.offset);
      return true;
    case FrameType.TXN_END:
      w.string(frame.transactionalId).i64(frame.producerId).i16(frame.producerEpoch).u8(frame.commit ? 1 : 0);
      return true;
    default:
      return false;
  }
}

export function decodeTxnClientFrame(r: FrameReader, type: number, requestId: number): ClientFrame {
  const transactionalId = r.string("transactional id");
  if (type === FrameType.TXN_INIT) return { type: FrameType.TXN_INIT, requestId, transactionalId, timeoutMs: r.u32("transaction timeout") };
  const producerId = r.i64("producer id");
  const producerEpoch = r.i16("producer epoch");
  switch (type) {
    case FrameType.TXN_ADD: {
      const n = r.count16("partitions", 6);
      const partitions = [];
      for (let i = 0; i < n; i++) partitions.push({ topic: r.string("topic"), partition: r.i32("partition") });
      return { type: FrameType.TXN_ADD, requestId, transactionalId, producerId, producerEpoch, partitions, group: r.string("group") };
    }
    case FrameType.TXN_OFFSETS: {
      const group = r.string("group");
      const n = r.count16("offsets", 14);
      const offsets = [];
      for (let i = 0; i < n; i++) offsets.push({ topic: r.string("topic"), partition: r.i32("partition"), offset: r.i64("offset") });
      return { type: FrameType.TXN_OFFSETS, requestId, transactionalId, producerId, producerEpoch, group, offsets };
    }
    case FrameType.TXN_END: {
      const commit = r.u8("commit");
      if (commit > 1) throw new WsProtocolError(`TXN_END commit must be 0 or 1, got ${commit}`);
      return { type: FrameType.TXN_END, requestId, transactionalId, producerId, producerEpoch, commit: commit === 1 };
    }
    default:
      throw new WsProtocolError(`unknown transaction frame type 0x${type.toString(16)}`);
  }
}
