// A one-item PRODUCE frame written around a batch that is already in place (issue 14): the producer keeps
// room for the frame's head in front of each batch it builds, writes the head here at dispatch, and hands
// the socket the frame without copying the batch into a new buffer. The bytes are exactly what
// encodeClientFrame makes for the same frame (test/ws/produce-frame.test.ts).
//
// Layout (docs/protocol.md, PRODUCE): u8 type, u32 requestId, i8 acks, u32 timeoutMs, u16 item count (1),
// then the item: u16 topic length + UTF-8 topic, i32 partition, u32 batch length, batch.

import { WsProtocolError } from "./bytes.js";
import { FrameType } from "./frames.js";

const utf8 = new TextEncoder();

/** The topic's UTF-8 bytes, checked against the u16 length of a frame string. */
export function produceFrameTopic(topic: string): Uint8Array {
  const bytes = utf8.encode(topic);
  if (bytes.length > 0xffff) throw new WsProtocolError(`string of ${bytes.length} bytes exceeds 65535`);
  return bytes;
}

/** Bytes of a one-item PRODUCE frame before its batch. */
export function produceFrameHeadSize(topic: Uint8Array): number {
  return 22 + topic.length;
}

/**
 * Writes the head of a one-item PRODUCE frame into buf[0, produceFrameHeadSize(topic)); the batch of
 * `batchLength` bytes must follow it. Returns the frame: buf[0, head + batchLength).
 */
export function writeProduceFrameHead(buf: Uint8Array, requestId: number, acks: -1 | 0 | 1, timeoutMs: number, topic: Uint8Array, partition: number, batchLength: number): Uint8Array {
  const head = produceFrameHeadSize(topic);
  const view = new DataView(buf.buffer, buf.byteOffset, head);
  view.setUint8(0, FrameType.PRODUCE);
  view.setUint32(1, requestId);
  view.setInt8(5, acks);
  view.setUint32(6, timeoutMs);
  view.setUint16(10, 1);
  view.setUint16(12, topic.length);
  buf.set(topic, 14);
  view.setInt32(14 + topic.length, partition);
  view.setUint32(18 + topic.length, batchLength);
  return buf.subarray(0, head + batchLength);
}
