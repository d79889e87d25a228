// The "consumer" protocol type's member metadata and assignment bytes (Kafka's ConsumerProtocolSubscription
// and ConsumerProtocolAssignment, which kafkajs, librdkafka and kafka-python all write). The broker treats
// them as opaque; only the admin view reads them (to show each member's partitions) and managed groups write
// them (so Kafka's DescribeGroups can show managed members like any consumer).
//
//   Subscription v0-3: version int16 | topics [int32 n] string… | userData bytes(int32 len, -1 null)
//                      | v1+: ownedPartitions [topic string, partitions [int32]] | v2+: generation int32 | v3+: rack
//   Assignment v0-3:   version int16 | [topic string, partitions [int32]] | userData bytes
//   string = int16 length + UTF-8. Only the leading fields are read: later versions only append fields.

import { compareTp, type TopicPartition } from "./types.js";

export const CONSUMER_PROTOCOL_TYPE = "consumer";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The subscribed topics, or undefined if the bytes are not a consumer subscription. */
export function decodeSubscription(bytes: Uint8Array): string[] | undefined {
  try {
    const r = new Reader(bytes);
    if (r.int16() < 0) return undefined;
    const n = r.int32();
    if (n < 0 || n > bytes.length) return undefined;
    return Array.from({ length: n }, () => r.string());
  } catch {
    return undefined;
  }
}

/** The assigned partitions, or undefined if the bytes are not a consumer assignment. */
export function decodeAssignment(bytes: Uint8Array): TopicPartition[] | undefined {
  if (bytes.length === 0) return [];
  try {
    const r = new Reader(bytes);
    if (r.int16() < 0) return undefined;
    const out: TopicPartition[] = [];
    const topics = r.int32();
    if (topics < 0 || topics > bytes.length) return undefined;
    for (let i = 0; i < topics; i++) {
      const topic = r.string();
      const n = r.int32();
      if (n < 0 || n > bytes.length) return undefined;
      for (let j = 0; j < n; j++) out.push({ topic, partition: r.int32() });
    }
    return out.sort(compareTp);
  } catch {
    return undefined;
  }
}

export function encodeSubscription(topics: string[]): Uint8Array {
  const w = new Writer();
  w.int16(0);
  w.int32(topics.length);
  for (const t of topics) w.string(t);
  w.int32(-1); // no user data
  return w.bytes();
}

export function encodeAssignment(partitions: TopicPartition[]): Uint8Array {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of [...partitions].sort(compareTp)) {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push(partition);
  }
  const w = new Writer();
  w.int16(0);
  w.int32(byTopic.size);
  for (const [topic, list] of byTopic) {
    w.string(topic);
    w.int32(list.length);
    for (const p of list) w.int32(p);
  }
  w.int32(-1);
  return w.bytes();
}

class Reader {
  private p = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): number {
    if (this.p + n > this.buf.length) throw new RangeError("truncated");
    const at = this.p;
    this.p += n;
    return at;
  }

  int16(): number {
    return this.view.getInt16(this.need(2));
  }

  int32(): number {
    return this.view.getInt32(this.need(4));
  }

  string(): string {
    const n = this.int16();
    if (n < 0) throw new RangeError("null string");
    const at = this.need(n);
    return decoder.decode(this.buf.subarray(at, at + n));
  }
}

class Writer {
  private readonly parts: number[] = [];

  int16(v: number): void {
    this.parts.push((v >> 8) & 0xff, v & 0xff);
  }

  int32(v: number): void {
    this.parts.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  }

  string(s: string): void {
    const b = encoder.encode(s);
    this.int16(b.length);
    for (const x of b) this.parts.push(x);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}
