// Valid frames of every type, with ordinary and edge values, for the codec round trips and the fuzzers.
import { encodeRecordBatch } from "../../src/core/index.js";
import { FrameType, StartKind, type ClientFrame, type ServerFrame } from "../../src/protocol/ws/index.js";

export const U32_MAX = 0xffffffff;
export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;
export const I32_MIN = -(2 ** 31);
export const I32_MAX = 2 ** 31 - 1;
/** 0xffff bytes of UTF-8: the longest string a frame can carry. */
export const LONGEST = "a".repeat(0xffff);
/** Also 0xffff bytes, in 3- and 4-byte characters: lengths are in bytes, not UTF-16 units. */
export const LONGEST_MULTIBYTE = "😀".repeat(16383) + "€"; // 16383 * 4 + 3 = 65535

/** Client frames of every type (ordinary values), as the fuzzers' seeds. */
export function clientSeeds(topic = "fz"): ClientFrame[] {
  const batch = encodeRecordBatch([{ key: "k", value: "v", headers: [{ key: "h", value: "x" }] }, { key: null, value: null }]);
  return [
    { type: FrameType.PING, requestId: 1 },
    { type: FrameType.METADATA, requestId: 2, topics: [topic, "other"] },
    { type: FrameType.METADATA, requestId: 1, topics: ["a"], cluster: true },
    { type: FrameType.CREATE_TOPIC, requestId: 3, name: "created", partitions: 2, configs: { "retention.ms": "1000" } },
    { type: FrameType.DELETE_TOPIC, requestId: 4, name: "created" },
    { type: FrameType.DESCRIBE_TOPIC, requestId: 5, name: topic },
    { type: FrameType.DESCRIBE_TOPIC, requestId: 5, name: topic, sizes: true },
    { type: FrameType.ALTER_TOPIC_CONFIGS, requestId: 5, name: topic, set: { "retention.ms": "60000" }, remove: ["retention.bytes"] },
    // Aimed at a topic that does not exist, so the fuzzers' healthy client keeps its records and partitions.
    { type: FrameType.CREATE_PARTITIONS, requestId: 5, name: `${topic}-absent`, total: 4 },
    { type: FrameType.DELETE_RECORDS, requestId: 5, items: [{ topic: `${topic}-absent`, partition: 0, offset: 1n }, { topic: `${topic}-absent`, partition: 1, offset: -1n }] },
    { type: FrameType.PRODUCE, requestId: 6, acks: 1, timeoutMs: 1000, items: [{ topic, partition: 0, batch }, { topic, partition: 1, batch }] },
    { type: FrameType.FETCH, requestId: 7, maxWaitMs: 0, minBytes: 0, maxBytes: 65536, items: [{ topic, partition: 0, offset: 0n, maxBytes: 4096 }] },
    { type: FrameType.LIST_OFFSETS, requestId: 8, items: [{ topic, partition: 0, timestamp: -1n }, { topic, partition: 1, timestamp: 1_700_000_000_000n }] },
    { type: FrameType.INIT_PRODUCER_ID, requestId: 9 },
    { type: FrameType.SUBSCRIBE, requestId: 10, topic, credit: 65536, maxChunkBytes: 4096, start: { kind: StartKind.EARLIEST, value: 0n }, partitions: [{ partition: 1, start: { kind: StartKind.OFFSET, value: 3n } }] },
    { type: FrameType.CREDIT, requestId: 10, bytes: 4096 },
    { type: FrameType.UNSUBSCRIBE, requestId: 11, subscriptionId: 10 },
    { type: FrameType.SEEK, requestId: 12, subscriptionId: 10, partition: 0, start: { kind: StartKind.TIMESTAMP, value: 1_700_000_000_000n } },
    // Users and ACLs (security-frames.ts); a broker without security answers SECURITY_DISABLED.
    { type: FrameType.DESCRIBE_USERS, requestId: 14, users: ["alice"] },
    { type: FrameType.ALTER_USERS, requestId: 15, deletions: [{ name: "bob", mechanism: "SCRAM-SHA-512" }], upsertions: [{ name: "alice", mechanism: "SCRAM-SHA-256", iterations: 4096, salt: new Uint8Array([1, 2, 3]), saltedPassword: new Uint8Array(32).fill(9) }] },
    { type: FrameType.DESCRIBE_ACLS, requestId: 16, filter: { resourceType: 2, resourceName: topic, patternType: 2, principal: null, host: null, operation: 1, permission: 1 } },
    { type: FrameType.CREATE_ACLS, requestId: 17, bindings: [{ resourceType: 2, resourceName: topic, patternType: 3, principal: "User:alice", host: "*", operation: 3, permission: 3 }] },
    { type: FrameType.DELETE_ACLS, requestId: 18, filters: [{ resourceType: 1, resourceName: null, patternType: 1, principal: "User:alice", host: null, operation: 1, permission: 1 }] },
  ];
}

/** Client frames of every type at the edges of their fields. */
export function clientEdges(): ClientFrame[] {
  const batch = new Uint8Array(0);
  return [
    { type: FrameType.PING, requestId: 0 },
    { type: FrameType.PING, requestId: U32_MAX },
    { type: FrameType.METADATA, requestId: U32_MAX, topics: [] },
    { type: FrameType.METADATA, requestId: 1, topics: ["", LONGEST, LONGEST_MULTIBYTE] },
    { type: FrameType.CREATE_TOPIC, requestId: 1, name: "", partitions: I32_MIN, configs: {} },
    { type: FrameType.CREATE_TOPIC, requestId: 1, name: LONGEST_MULTIBYTE, partitions: I32_MAX, configs: { "": "", [LONGEST]: LONGEST_MULTIBYTE } },
    { type: FrameType.DELETE_TOPIC, requestId: 1, name: "" },
    { type: FrameType.DESCRIBE_TOPIC, requestId: 1, name: LONGEST },
    { type: FrameType.ALTER_TOPIC_CONFIGS, requestId: 1, name: "", set: {}, remove: [] },
    { type: FrameType.ALTER_TOPIC_CONFIGS, requestId: 1, name: LONGEST_MULTIBYTE, set: { "": "", [LONGEST]: LONGEST_MULTIBYTE }, remove: ["", LONGEST] },
    { type: FrameType.CREATE_PARTITIONS, requestId: U32_MAX, name: LONGEST_MULTIBYTE, total: I32_MIN },
    { type: FrameType.DELETE_RECORDS, requestId: 1, items: [] },
    { type: FrameType.DELETE_RECORDS, requestId: 1, items: [{ topic: LONGEST, partition: I32_MAX, offset: I64_MIN }, { topic: "", partition: I32_MIN, offset: I64_MAX }] },
    { type: FrameType.PRODUCE, requestId: 1, acks: -1, timeoutMs: U32_MAX, items: [] },
    { type: FrameType.PRODUCE, requestId: 1, acks: 0, timeoutMs: 0, items: [{ topic: "", partition: I32_MIN, batch }, { topic: LONGEST, partition: I32_MAX, batch: new Uint8Array(70_000).fill(7) }] },
    { type: FrameType.FETCH, requestId: 1, maxWaitMs: U32_MAX, minBytes: U32_MAX, maxBytes: U32_MAX, items: [{ topic: "", partition: -1, offset: I64_MIN, maxBytes: U32_MAX }, { topic: "t", partition: 0, offset: I64_MAX, maxBytes: 0 }] },
    { type: FrameType.LIST_OFFSETS, requestId: 1, items: [{ topic: "", partition: I32_MIN, timestamp: I64_MIN }, { topic: LONGEST, partition: I32_MAX, timestamp: I64_MAX }] },
    { type: FrameType.INIT_PRODUCER_ID, requestId: U32_MAX },
    { type: FrameType.SUBSCRIBE, requestId: U32_MAX, topic: "", credit: U32_MAX, maxChunkBytes: 0, start: { kind: StartKind.LATEST, value: I64_MIN }, partitions: [] },
    { type: FrameType.SUBSCRIBE, requestId: 0, topic: LONGEST, credit: 0, maxChunkBytes: U32_MAX, start: { kind: StartKind.TIMESTAMP, value: I64_MAX }, partitions: Array.from({ length: 300 }, (_, i) => ({ partition: i % 2 ? I32_MIN : I32_MAX, start: { kind: (i % 4) as StartKind, value: i % 2 ? I64_MIN : -1n } })) },
    { type: FrameType.CREDIT, requestId: U32_MAX, bytes: U32_MAX },
    { type: FrameType.CREDIT, requestId: 0, bytes: 0 },
    { type: FrameType.UNSUBSCRIBE, requestId: 0, subscriptionId: U32_MAX },
    { type: FrameType.SEEK, requestId: U32_MAX, subscriptionId: 0, partition: I32_MIN, start: { kind: StartKind.OFFSET, value: I64_MIN } },
    // AUTH lives here, not in the seeds: the live fuzzer treats a close after a frame as a failure, and a
    // failed authentication closes the connection (4010) by design.
    { type: FrameType.AUTH, requestId: 13, mechanism: "SCRAM-SHA-256", payload: new TextEncoder().encode("n,,n=alice,r=abc") },
    { type: FrameType.DESCRIBE_USERS, requestId: U32_MAX, users: [] },
    { type: FrameType.DESCRIBE_USERS, requestId: 0, users: ["", LONGEST_MULTIBYTE] },
    { type: FrameType.ALTER_USERS, requestId: 1, deletions: [], upsertions: [] },
    { type: FrameType.ALTER_USERS, requestId: 1, deletions: [{ name: LONGEST, mechanism: "" }], upsertions: [{ name: "", mechanism: LONGEST_MULTIBYTE, iterations: U32_MAX, salt: new Uint8Array(0), saltedPassword: new Uint8Array(70_000).fill(1) }] },
    { type: FrameType.DESCRIBE_ACLS, requestId: 1, filter: { resourceType: 0, resourceName: null, patternType: 255, principal: null, host: null, operation: 255, permission: 0 } },
    { type: FrameType.DESCRIBE_ACLS, requestId: 1, filter: { resourceType: 255, resourceName: "", patternType: 0, principal: LONGEST, host: "", operation: 0, permission: 255 } },
    { type: FrameType.CREATE_ACLS, requestId: 1, bindings: [] },
    { type: FrameType.CREATE_ACLS, requestId: 1, bindings: [{ resourceType: 255, resourceName: "", patternType: 0, principal: "", host: LONGEST_MULTIBYTE, operation: 255, permission: 0 }] },
    { type: FrameType.DELETE_ACLS, requestId: 1, filters: [] },
    // Transactions (issue 16): SUBSCRIBE's isolation byte, and the TXN_* frames at their edges.
    { type: FrameType.SUBSCRIBE, requestId: 7, topic: "t", credit: 1, maxChunkBytes: 1, start: { kind: StartKind.EARLIEST, value: 0n }, partitions: [], isolation: 1 },
    { type: FrameType.TXN_INIT, requestId: 1, transactionalId: LONGEST_MULTIBYTE, timeoutMs: U32_MAX },
    { type: FrameType.TXN_INIT, requestId: 0, transactionalId: "", timeoutMs: 0 },
    { type: FrameType.TXN_ADD, requestId: 2, transactionalId: "tx", producerId: I64_MAX, producerEpoch: 32767, partitions: [{ topic: "", partition: I32_MIN }, { topic: LONGEST, partition: I32_MAX }], group: LONGEST_MULTIBYTE },
    { type: FrameType.TXN_ADD, requestId: 3, transactionalId: "", producerId: I64_MIN, producerEpoch: -32768, partitions: [], group: "" },
    { type: FrameType.TXN_OFFSETS, requestId: 4, transactionalId: "tx", producerId: 5n, producerEpoch: 0, group: "g", offsets: [{ topic: "t", partition: 0, offset: I64_MAX }, { topic: "", partition: I32_MIN, offset: I64_MIN }] },
    { type: FrameType.TXN_END, requestId: U32_MAX, transactionalId: "tx", producerId: -1n, producerEpoch: -1, commit: true },
    { type: FrameType.TXN_END, requestId: 0, transactionalId: LONGEST, producerId: 0n, producerEpoch: 0, commit: false },
  ];
}

/** Server frames of every type, ordinary and at the edges. */
export function serverFrames(): ServerFrame[] {
  const records = encodeRecordBatch([{ key: "k", value: "v" }]);
  const range = { partition: I32_MIN, logStartOffset: I64_MIN, logEndOffset: I64_MAX };
  return [
    { type: FrameType.WELCOME, requestId: 0, protocolVersion: 1, serverVersion: "rivulet 0.1", maxFrameBytes: 16 << 20, maxSubscriptions: 64, idleTimeoutMs: 120_000 },
    { type: FrameType.WELCOME, requestId: 0, protocolVersion: 0xffff, serverVersion: LONGEST_MULTIBYTE, maxFrameBytes: U32_MAX, maxSubscriptions: 0xffff, idleTimeoutMs: U32_MAX },
    { type: FrameType.PONG, requestId: U32_MAX, serverTimeMs: I64_MIN },
    { type: FrameType.PONG, requestId: 1, serverTimeMs: 1_700_000_000_000n },
    { type: FrameType.METADATA_RESULT, requestId: 1, topics: [] },
    { type: FrameType.METADATA_RESULT, requestId: 1, topics: [{ name: "", errorCode: -1, partitions: [] }, { name: LONGEST, errorCode: 32767, partitions: [range, { partition: I32_MAX, logStartOffset: 0n, logEndOffset: -1n }] }] },
    // Cluster mode: the trailing brokers block, each topic's partition leaders (one topic without partitions).
    { type: FrameType.METADATA_RESULT, requestId: 1, topics: [{ name: "t", errorCode: 0, partitions: [range], leaders: [{ leader: 2, leaderEpoch: 7 }] }, { name: "u", errorCode: 3, partitions: [], leaders: [] }], brokers: [{ id: 1, url: "ws://h1:8081/ws" }, { id: I32_MAX, url: LONGEST }] },
    { type: FrameType.METADATA_RESULT, requestId: 1, topics: [], brokers: [] },
    { type: FrameType.OK, requestId: U32_MAX },
    { type: FrameType.TOPIC_DESCRIPTION, requestId: 1, name: "t", id: "", partitions: [range], configs: [{ name: "", value: LONGEST, isDefault: true }, { name: "retention.ms", value: "-1", isDefault: false }] },
    { type: FrameType.TOPIC_DESCRIPTION, requestId: 1, name: "t", id: "x", partitions: [range, range], configs: [], sizes: [0, Number.MAX_SAFE_INTEGER] },
    { type: FrameType.PRODUCE_RESULT, requestId: 1, items: [] },
    { type: FrameType.PRODUCE_RESULT, requestId: 1, items: [{ errorCode: -32768, errorMessage: LONGEST_MULTIBYTE, baseOffset: I64_MIN, logAppendTime: I64_MAX, logStartOffset: -1n }, { errorCode: 0, errorMessage: "", baseOffset: 0n, logAppendTime: -1n, logStartOffset: 0n }] },
    { type: FrameType.FETCH_RESULT, requestId: 1, items: [{ errorCode: 0, highWatermark: I64_MAX, logStartOffset: I64_MIN, records }, { errorCode: 1, highWatermark: -1n, logStartOffset: -1n, records: new Uint8Array(0) }] },
    { type: FrameType.OFFSETS_RESULT, requestId: 1, items: [{ errorCode: 3, offset: -1n, timestamp: I64_MIN }, { errorCode: 0, offset: I64_MAX, timestamp: 0n }] },
    { type: FrameType.RECORDS_DELETED, requestId: 1, items: [] },
    { type: FrameType.RECORDS_DELETED, requestId: 1, items: [{ errorCode: 1, lowWatermark: -1n }, { errorCode: 0, lowWatermark: I64_MAX }] },
    { type: FrameType.PRODUCER_ID, requestId: 1, producerId: I64_MAX, producerEpoch: -32768 },
    { type: FrameType.PRODUCER_ID, requestId: 1, producerId: -1n, producerEpoch: 32767 },
    { type: FrameType.SUBSCRIBED, requestId: U32_MAX, partitions: [{ partition: I32_MAX, errorCode: -1, startOffset: I64_MIN, logStartOffset: I64_MAX, logEndOffset: 0n }] },
    { type: FrameType.SUBSCRIBED, requestId: 1, partitions: [] },
    { type: FrameType.CHUNK, requestId: U32_MAX, partition: I32_MIN, fromOffset: I64_MIN, nextOffset: I64_MAX, highWatermark: -1n, records },
    { type: FrameType.CHUNK, requestId: 0, partition: 0, fromOffset: 0n, nextOffset: 0n, highWatermark: 0n, records: new Uint8Array(0) },
    { type: FrameType.GAP, requestId: 1, partition: I32_MAX, fromOffset: I64_MIN, toOffset: I64_MAX },
    { type: FrameType.STALLED, requestId: 1, partition: -1, neededBytes: U32_MAX },
    { type: FrameType.ERROR, requestId: 1, errorCode: -32768, code: "", message: "" },
    { type: FrameType.ERROR, requestId: U32_MAX, errorCode: 32767, code: LONGEST, message: LONGEST_MULTIBYTE },
    { type: FrameType.AUTH_RESULT, requestId: 2, complete: false, principal: "", sessionLifetimeMs: -1n, payload: new Uint8Array([1, 2, 3]) },
    { type: FrameType.AUTH_RESULT, requestId: U32_MAX, complete: true, principal: LONGEST, sessionLifetimeMs: I64_MAX, payload: new Uint8Array(0) },
    { type: FrameType.USERS, requestId: 1, users: [] },
    { type: FrameType.USERS, requestId: U32_MAX, users: [{ user: "alice", errorCode: 0, errorMessage: "", credentials: [{ mechanism: "SCRAM-SHA-256", iterations: 4096 }, { mechanism: LONGEST, iterations: U32_MAX }] }, { user: "", errorCode: -32768, errorMessage: LONGEST_MULTIBYTE, credentials: [] }] },
    { type: FrameType.ACLS, requestId: 1, results: [] },
    { type: FrameType.ACLS, requestId: 1, results: [{ errorCode: 0, errorMessage: "", bindings: [{ resourceType: 2, resourceName: "t", patternType: 4, principal: "User:*", host: "*", operation: 2, permission: 2 }, { resourceType: 255, resourceName: LONGEST, patternType: 0, principal: "", host: "", operation: 0, permission: 255 }] }, { errorCode: 32767, errorMessage: "x", bindings: [] }] },
  ];
}
