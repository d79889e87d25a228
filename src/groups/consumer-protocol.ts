// The "consumer" protocol type's member metadata and assignment bytes (Kafka's ConsumerProtocolSubscription
// and ConsumerProtocolAssignment, which kafkajs, librdkafka and kafka-python all write). The broker treats
// them as opaque; only the admin view reads them (to show each member's partitions) and managed groups write
// them (so Kafka's DescribeGroups can show managed members like any consumer).
//
//   Subscription v0-3: version int16 | topics [int32 n] string… | userData bytes(int32 len, -1 null)
//                      | v1+: ownedPartitions [topic string, partitions [int32]] | v2+: generation int32 | v3+: rack
//   Assignment v0-3:   version int16 | [topic string, partitions [int32]] | userData bytes
//   string = int16 length + UTF-8. Only the leading fields are read: later versions only append fields.

import { Reader } from "../protocol/kafka/reader.js";
import { Writer } from "../protocol/kafka/writer.js";
import { compareTp, type TopicPartition } from "./types.js";

export const CONSUMER_PROTOCOL_TYPE = "consumer";


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

/**
 * The subscription's topics and owned partitions (v1+; [] for v0, whose eager clients give up every partition
 * before they rejoin), or undefined if the bytes are not a consumer subscription.
 */
export function decodeSubscriptionOwned(bytes: Uint8Array): { topics: string[]; owned: TopicPartition[] } | undefined {
  try {
    const r = new Reader(bytes);
    const version = r.int16();
    if (version < 0) return undefined;
    const n = r.int32();
    if (n < 0 || n > bytes.length) return undefined;
    const topics = Array.from({ length: n }, () => r.string());
    const owned: TopicPartition[] = [];
    if (r.remaining === 0) return { topics, owned };
    r.nullableBytes(); // user data
    if (version < 1 || r.remaining === 0) return { topics, owned };
    const count = r.int32();
    if (count < 0 || count > bytes.length) return undefined;
    for (let i = 0; i < count; i++) {
      const topic = r.string();
      const k = r.int32();
      if (k < 0 || k > bytes.length) return undefined;
      for (let j = 0; j < k; j++) owned.push({ topic, partition: r.int32() });
    }
    return { topics, owned: owned.sort(compareTp) };
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
  return w.toBytes();
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
  return w.toBytes();
}
