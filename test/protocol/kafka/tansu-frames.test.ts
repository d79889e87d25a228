// A second independent source of golden frames: byte arrays from tansu's decode tests, captured from
// the Java client, librdkafka, aiokafka, sarama and a Kafka broker (see PROVENANCE.md). Requests decode
// and re-encode to identical bytes; responses decode and re-encode identically, except where the broker
// sent tagged fields we deliberately drop (ApiVersions v3).

import { describe, expect, it } from "vitest";
import {
  ApiKey,
  UnsupportedVersionError,
  concat,
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  isSupported,
} from "../../../src/protocol/kafka/index.js";
import { loadFrames, toHex } from "./fixtures.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
const frames = loadFrames("tansu");
const byName = (name: string) => frames.find((f) => f.name === name)!;

describe("tansu golden requests: decode → encode is byte-identical", () => {
  for (const f of frames.filter((f) => f.direction === "request" && isSupported(f.apiKey, f.version))) {
    it(f.name, () => {
      const d = decodeRequestFrame(f.bytes.subarray(4));
      const again = encodeRequestFrame(d.apiKey, d.header.apiVersion, d.header.correlationId, d.header.clientId, d.request as any);
      expect(toHex(concat(again))).toBe(toHex(f.bytes));
    });
  }

  it("sarama's Produce v0 (MessageSet) is refused", () => {
    expect(() => decodeRequestFrame(byName("produce_request_v0_000").bytes.subarray(4))).toThrow(UnsupportedVersionError);
  });
});

describe("tansu golden responses: decode → encode is byte-identical", () => {
  for (const f of frames.filter((f) => f.direction === "response" && f.name !== "api_versions_response_v3_000")) {
    it(f.name, () => {
      const { correlationId, response } = decodeResponseFrame(f.apiKey, f.version, f.bytes.subarray(4));
      expect(toHex(concat(encodeResponseFrame(f.apiKey, f.version, correlationId, response as any)))).toBe(toHex(f.bytes));
    });
  }
});

describe("tansu golden frames: decoded content", () => {
  it("librdkafka Produce v7 carries one RecordBatch v2", () => {
    const d = decodeRequestFrame(byName("produce_request_v7_000").bytes.subarray(4));
    if (d.apiKey !== ApiKey.Produce) throw new Error("not produce");
    expect(d.header.clientId).toBe("rdkafka");
    expect(d.request).toMatchObject({ transactionalId: null, acks: -1, timeoutMs: 30000 });
    const batch = d.request.topicData[0]!.partitionData[0]!.records!;
    expect(batch.length).toBe(106);
    expect(batch[16]).toBe(2);
  });

  it("a broker's Metadata v1 response", () => {
    const { correlationId, response } = decodeResponseFrame(ApiKey.Metadata, 1, byName("metadata_response_v1_000").bytes.subarray(4));
    expect(correlationId).toBe(1);
    expect(response.brokers).toEqual([{ nodeId: 1, host: "localhost", port: 9092, rack: null }]);
    expect(response.controllerId).toBe(1);
    expect(response.topics[0]).toMatchObject({ errorCode: 0, name: "benchmark", isInternal: false });
    expect(response.topics[0]!.partitions).toHaveLength(7);
  });

  it("librdkafka JoinGroup v5 and the broker's answer", () => {
    const req = decodeRequestFrame(byName("join_group_request_v5_000").bytes.subarray(4));
    if (req.apiKey !== ApiKey.JoinGroup) throw new Error("not join group");
    expect(req.request).toMatchObject({ protocolType: "consumer", groupInstanceId: null });
    const { response } = decodeResponseFrame(ApiKey.JoinGroup, 5, byName("join_group_response_v5_000").bytes.subarray(4));
    expect(response).toMatchObject({ errorCode: 0, generationId: 1, protocolName: "range" });
    expect(response.leader).toBe(response.memberId);
    expect(response.members).toHaveLength(1);
    expect(response.members[0]!.groupInstanceId).toBeNull();
  });

  it("FindCoordinator v1 response with an error message", () => {
    const { response } = decodeResponseFrame(ApiKey.FindCoordinator, 1, byName("find_coordinator_response_v1_001").bytes.subarray(4));
    expect(response).toMatchObject({ throttleTimeMs: 0, errorCode: 0, errorMessage: "NONE", nodeId: 111, host: "localhost", port: 9092 });
  });

  it("OffsetFetch v3 and Fetch v6 requests", () => {
    const of = decodeRequestFrame(byName("offset_fetch_request_v3_000").bytes.subarray(4));
    expect(of.request).toMatchObject({
      groupId: "abc",
      topics: [
        { name: "test2", partitionIndexes: [3, 4, 5] },
        { name: "test1", partitionIndexes: [0, 1, 2] },
      ],
    });
    const f = decodeRequestFrame(byName("fetch_request_v6_000").bytes.subarray(4));
    expect(f.request).toMatchObject({ replicaId: -1, maxWaitMs: 5000, minBytes: 1024, maxBytes: 4096, isolationLevel: 1 });
  });
});
