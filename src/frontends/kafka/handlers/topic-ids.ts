// Topic ids on the Kafka wire (KIP-516): Metadata v10+, Fetch v13+, CreateTopics v7+, DeleteTopics v6+
// name topics by a 16-byte UUID. The broker core already gives every topic a random UUID when it is
// created (TopicRecord.id, kept in topics.json), so a re-created topic of the same name gets a new id
// and a client holding the old one is told UNKNOWN_TOPIC_ID rather than reading the wrong log.

import type { TopicRecord } from "../../../broker/topic-store.js";
import type { KafkaBrokerContext } from "./context.js";

/** Kafka error codes the shared table does not list yet (values from Kafka's Errors table). */
export const MoreKafkaCodes = {
  FETCH_SESSION_ID_NOT_FOUND: 70,
  INVALID_FETCH_SESSION_EPOCH: 71,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  UNKNOWN_TOPIC_ID: 100,
  FETCH_SESSION_TOPIC_ID_ERROR: 106,
} as const;

export const ZERO_UUID = new Uint8Array(16);

const bytesCache = new Map<string, Uint8Array>();

/** The topic's UUID as 16 bytes (the record holds it as text, 8-4-4-4-12 hex). */
export function topicIdBytes(record: TopicRecord): Uint8Array {
  let b = bytesCache.get(record.id);
  if (!b) {
    const hex = record.id.replace(/-/g, "");
    b = new Uint8Array(16);
    for (let i = 0; i < 16 && i * 2 + 2 <= hex.length; i++) b[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    if (bytesCache.size > 10_000) bytesCache.clear();
    bytesCache.set(record.id, b);
  }
  return b;
}

export function uuidText(id: Uint8Array): string {
  const h = Array.from(id, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function isZeroUuid(id: Uint8Array | undefined): boolean {
  return id === undefined || id.every((x) => x === 0);
}

/** The topic with this id, if any (the broker's id index; the zero id is never a topic). */
export function topicById(ctx: KafkaBrokerContext, id: Uint8Array): TopicRecord | undefined {
  return isZeroUuid(id) ? undefined : ctx.broker.topicById(uuidText(id));
}
