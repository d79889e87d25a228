// Golden request frames from kafkajs 2.2.4 (test/fixtures/kafka/kafkajs, see PROVENANCE.md): each one
// decodes, and re-encoding what we decoded gives the identical bytes. Produce v0-2 (MessageSet) must be
// refused. The stored files must still be what the capture script produces.

import { describe, expect, it } from "vitest";
import { CLIENT_ID, KAFKAJS_VERSION, captureAll } from "../../fixtures/kafka/capture-kafkajs.mjs";
import {
  ApiKey,
  UnsupportedVersionError,
  concat,
  decodeRequestFrame,
  decodeRequestHeader,
  encodeRequestFrame,
  isSupported,
  type DecodedRequest,
} from "../../../src/protocol/kafka/index.js";
import { loadFrames, toHex } from "./fixtures.js";

const frames = loadFrames("kafkajs");
const body = (frame: Uint8Array) => {
  expect(new DataView(frame.buffer, frame.byteOffset).getInt32(0)).toBe(frame.length - 4);
  return frame.subarray(4);
};
const decode = (name: string): DecodedRequest => decodeRequestFrame(body(frames.find((f) => f.name === name)!.bytes));

describe(`kafkajs ${KAFKAJS_VERSION} request fixtures`, () => {
  it("are what the capture script produces today", async () => {
    expect(KAFKAJS_VERSION).toBe("2.2.4");
    const fresh = await captureAll();
    expect(fresh.map((f) => f.name).sort()).toEqual(frames.map((f) => f.name));
    for (const f of fresh) expect(toHex(f.bytes), f.name).toBe(toHex(frames.find((g) => g.name === f.name)!.bytes));
  });

  it("cover every API and version kafkajs implements inside our ranges", () => {
    const covered = new Set(frames.map((f) => `${f.apiKey}/${f.version}`));
    for (const [key, versions] of [
      [0, [3, 4, 5, 6, 7]], [1, [4, 5, 6, 7, 8, 9, 10, 11]], [2, [1, 2, 3]], [3, [0, 1, 2, 3, 4, 5, 6]],
      [8, [2, 3, 4, 5]], [9, [1, 2, 3, 4]], [10, [0, 1, 2]], [11, [0, 1, 2, 3, 4, 5]], [12, [0, 1, 2, 3]],
      [13, [0, 1, 2, 3]], [14, [0, 1, 2, 3]], [15, [0, 1, 2]], [16, [0, 1, 2]], [18, [0, 1, 2]],
      [19, [0, 1, 2, 3]], [20, [0, 1]], [22, [0, 1]],
    ] as const) {
      for (const v of versions) expect(covered.has(`${key}/${v}`), `${key} v${v}`).toBe(true);
    }
  });
});

describe("decode → encode gives identical bytes", () => {
  for (const f of frames.filter((f) => isSupported(f.apiKey, f.version))) {
    it(`${f.name}`, () => {
      const d = decodeRequestFrame(body(f.bytes));
      expect(d.apiKey).toBe(f.apiKey);
      expect(d.header).toMatchObject({ apiKey: f.apiKey, apiVersion: f.version, clientId: CLIENT_ID });
      const again = encodeRequestFrame(d.apiKey, d.header.apiVersion, d.header.correlationId, d.header.clientId, d.request as never);
      expect(toHex(concat(again))).toBe(toHex(f.bytes));
    });
  }
});

describe("Produce v0-2 (legacy MessageSet) are refused", () => {
  for (const f of frames.filter((f) => f.apiKey === ApiKey.Produce && f.version < 3)) {
    it(`${f.name}`, () => {
      expect(() => decodeRequestFrame(body(f.bytes))).toThrow(UnsupportedVersionError);
      // The header still reads, so the listener can log who sent it before closing.
      expect(decodeRequestHeader(body(f.bytes)).header).toMatchObject({ apiKey: 0, apiVersion: f.version, clientId: CLIENT_ID });
    });
  }
});

describe("decoded fields", () => {
  it("produce v7: transactional id, acks, and record batches as views of the frame", () => {
    const d = decode("produce_request_v7_001");
    if (d.apiKey !== ApiKey.Produce) throw new Error("not produce");
    expect(d.request).toMatchObject({ transactionalId: "txn-1", acks: 1, timeoutMs: 5000 });
    expect(d.request.topicData.map((t) => [t.name, t.partitionData.map((p) => p.index)])).toEqual([["orders", [0, 3]], ["audit", [1]]]);
    for (const t of d.request.topicData) {
      for (const p of t.partitionData) {
        const batch = p.records!;
        const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
        expect(view.getInt8(16)).toBe(2); // magic
        expect(view.getInt32(8) + 12).toBe(batch.length); // one whole batch
        expect(view.getBigInt64(43)).toBe(4242n); // producerId
      }
    }
  });

  it("fetch v11: session, rack, forgotten topics and leader epochs", () => {
    const d = decode("fetch_request_v11_001");
    if (d.apiKey !== ApiKey.Fetch) throw new Error("not fetch");
    expect(d.request).toMatchObject({ replicaId: -1, maxWaitMs: 100, minBytes: 1024, isolationLevel: 0, sessionId: 17, sessionEpoch: 3, rackId: "rack-a" });
    expect(d.request.forgottenTopicsData).toMatchObject([{ topic: "gone", partitions: [0, 5] }]);
    expect(d.request.topics[0]!.partitions[0]).toMatchObject({ partition: 0, currentLeaderEpoch: 2, fetchOffset: 9n, logStartOffset: -1n, partitionMaxBytes: 100 });
  });

  it("fetch v4: defaults for fields the version lacks, and non-ASCII topic names", () => {
    const d = decode("fetch_request_v4_000");
    if (d.apiKey !== ApiKey.Fetch) throw new Error("not fetch");
    expect(d.request).toMatchObject({ sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: "", isolationLevel: 1 });
    expect(d.request.topics.map((t) => t.topic)).toEqual(["orders", "événements"]);
    expect(d.request.topics[0]!.partitions[1]!.fetchOffset).toBe(123456789012n);
  });

  it("metadata: 'all topics' is null at v0 (empty list) and at v1+ (null list)", () => {
    for (const name of ["metadata_request_v0_001", "metadata_request_v1_001", "metadata_request_v6_001"]) {
      const d = decode(name);
      if (d.apiKey !== ApiKey.Metadata) throw new Error("not metadata");
      expect(d.request.topics, name).toBeNull();
    }
    const d = decode("metadata_request_v4_000");
    if (d.apiKey !== ApiKey.Metadata) throw new Error("not metadata");
    expect(d.request).toMatchObject({ topics: [{ name: "orders" }, { name: "audit" }], allowAutoTopicCreation: false });
  });

  it("offset commit v2 keeps retention time and null metadata; offset fetch v3 null means all", () => {
    const c = decode("offset_commit_request_v2_000");
    if (c.apiKey !== ApiKey.OffsetCommit) throw new Error("not offset commit");
    expect(c.request).toMatchObject({ groupId: "group-1", generationIdOrMemberEpoch: 5, memberId: "member-1", retentionTimeMs: -1n });
    expect(c.request.topics[0]!.partitions).toEqual([
      { partitionIndex: 0, committedOffset: 100n, committedLeaderEpoch: -1, committedMetadata: null },
      { partitionIndex: 1, committedOffset: 9007199254740993n, committedLeaderEpoch: -1, committedMetadata: "meta" },
    ]);
    const f = decode("offset_fetch_request_v3_001");
    if (f.apiKey !== ApiKey.OffsetFetch) throw new Error("not offset fetch");
    expect(f.request.topics).toBeNull();
  });

  it("leave group: v0-2 one member id, v3 a members list", () => {
    expect(decode("leave_group_request_v2_000").request).toMatchObject({ groupId: "group-1", memberId: "member-1", members: [] });
    expect(decode("leave_group_request_v3_000").request).toMatchObject({
      groupId: "group-1",
      memberId: "",
      members: [{ memberId: "member-1", groupInstanceId: null }],
    });
  });

  it("join group v5 and heartbeat v3 carry the static member id", () => {
    expect(decode("join_group_request_v5_001").request).toMatchObject({ memberId: "m-7", groupInstanceId: "static-1", rebalanceTimeoutMs: 20000 });
    expect(decode("join_group_request_v0_000").request).toMatchObject({ rebalanceTimeoutMs: -1, groupInstanceId: null, protocolType: "consumer" });
    expect(decode("heartbeat_request_v3_001").request).toMatchObject({ groupId: "group-1", generationId: 6, memberId: "member-2", groupInstanceId: "static-2" });
  });

  it("create topics keeps null config values and replica assignments", () => {
    const d = decode("create_topics_request_v1_000");
    if (d.apiKey !== ApiKey.CreateTopics) throw new Error("not create topics");
    expect(d.request.validateOnly).toBe(true);
    expect(d.request.topics[0]!.configs).toEqual([{ name: "cleanup.policy", value: "compact" }, { name: "retention.ms", value: null }]);
    expect(d.request.topics[1]).toMatchObject({ name: "manual", numPartitions: -1, replicationFactor: -1 });
    expect(d.request.topics[1]!.assignments).toEqual([{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 1, brokerIds: [1, 2] }]);
  });

  it("init producer id: null transactional id for idempotence", () => {
    expect(decode("init_producer_id_request_v1_000").request).toMatchObject({ transactionalId: null, transactionTimeoutMs: 60000 });
    expect(decode("init_producer_id_request_v0_001").request).toMatchObject({ transactionalId: "txn-1", transactionTimeoutMs: 5000 });
  });
});
