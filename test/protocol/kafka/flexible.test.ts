// Flexible versions in the codec: tagged fields (known tags read, unknown ones skipped, only non-default
// values written), compact lengths, request header v2 / response header v1, and hostile flexible input
// (a tagged field or compact length running past the frame) failing with KafkaDecodeError.

import { describe, expect, it } from "vitest";
import {
  ApiKey,
  KafkaDecodeError,
  Reader,
  Writer,
  concat,
  createTopics,
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  fetch,
  metadata,
  writeRequestHeader,
} from "../../../src/protocol/kafka/index.js";

const bytes = (fn: (w: Writer) => void) => {
  const w = new Writer();
  fn(w);
  return w.toBytes();
};

const fetchRequest = {
  replicaId: -1,
  maxWaitMs: 100,
  minBytes: 1,
  maxBytes: 1000,
  isolationLevel: 0,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [{ topic: "t", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 5n, logStartOffset: -1n, partitionMaxBytes: 100 }] }],
  forgottenTopicsData: [],
  rackId: "",
};

describe("tagged fields", () => {
  it("a known tag is read (Fetch v12 cluster_id), an unknown one skipped, and only non-default tags are written", () => {
    const withTag = bytes((w) => fetch.encodeRequest(w, 12, { ...fetchRequest, clusterId: "c-1" }));
    const without = bytes((w) => fetch.encodeRequest(w, 12, fetchRequest));
    expect(withTag.length).toBeGreaterThan(without.length);
    expect(fetch.decodeRequest(new Reader(withTag), 12).clusterId).toBe("c-1");
    expect(fetch.decodeRequest(new Reader(without), 12).clusterId).toBeNull();
    // Tags trail each struct: give the top-level section (the last byte) an unknown tag 99 of 3 bytes.
    const last = without.length - 1;
    expect(without[last]).toBe(0); // empty top-level tagged section
    const extra = Uint8Array.from([...without.subarray(0, last), 1, 99, 3, 0xaa, 0xbb, 0xcc]);
    const r = new Reader(extra);
    expect(fetch.decodeRequest(r, 12)).toMatchObject({ maxBytes: 1000, clusterId: null });
    expect(r.remaining).toBe(0);
  });

  it("CreateTopics v5+ writes topic_config_error_code only when it is not 0", () => {
    const base = { name: "t", errorCode: 0, errorMessage: null, numPartitions: 1, replicationFactor: 1, configs: [] };
    const plain = bytes((w) => createTopics.encodeResponse(w, 7, { topics: [base] }));
    const tagged = bytes((w) => createTopics.encodeResponse(w, 7, { topics: [{ ...base, topicConfigErrorCode: 40 }] }));
    expect(tagged.length - plain.length).toBe(4); // tag, size, int16
    expect(createTopics.decodeResponse(new Reader(tagged), 7).topics[0]!.topicConfigErrorCode).toBe(40);
    expect(createTopics.decodeResponse(new Reader(plain), 7).topics[0]!.topicConfigErrorCode).toBe(0);
  });
});

describe("headers", () => {
  it("flexible requests carry header v2 (tags after client id), flexible responses header v1", () => {
    const req = concat(encodeRequestFrame(ApiKey.Metadata, 12, 7, "cid", { topics: null, allowAutoTopicCreation: false }));
    // size(4) api_key(2) version(2) correlation(4) client_id(2+3) tags(1) ...
    expect(req[4 + 8 + 5]).toBe(0);
    const d = decodeRequestFrame(req.subarray(4));
    expect(d.header).toEqual({ apiKey: 3, apiVersion: 12, correlationId: 7, clientId: "cid" });
    const res = concat(encodeResponseFrame(ApiKey.Metadata, 12, 7, { brokers: [], topics: [] }));
    expect(res[8]).toBe(0); // response header v1: correlation id, then an empty tagged section
    expect(decodeResponseFrame(ApiKey.Metadata, 12, res.subarray(4)).correlationId).toBe(7);
    const old = concat(encodeResponseFrame(ApiKey.Metadata, 8, 7, { brokers: [], topics: [] }));
    // v12: size 4 + correlation 4 + tags 1 + throttle 4 + brokers 1 + cluster id 1 + controller 4 + topics 1 + tags 1.
    expect(res.length).toBe(21);
    // v8: size 4 + correlation 4 + throttle 4 + brokers 4 + cluster id 2 + controller 4 + topics 4 + cluster operations 4.
    expect(old.length).toBe(30);
  });

  it("a request header v2 with tagged fields of its own is read past them", () => {
    const w = new Writer();
    w.int16(3).int16(12).int32(9).nullableString("x").uvarint(1).uvarint(5).uvarint(2).int16(0x1234);
    metadata.encodeRequest(w, 12, { topics: [{ name: "orders" }], allowAutoTopicCreation: true });
    const d = decodeRequestFrame(w.toBytes());
    expect(d.request).toMatchObject({ topics: [{ name: "orders" }], allowAutoTopicCreation: true });
  });
});

describe("hostile flexible input", () => {
  const header = () => {
    const w = new Writer();
    writeRequestHeader(w, 2, { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 1, clientId: "h" });
    return w;
  };

  it("a tagged field longer than the frame is KafkaDecodeError", () => {
    const w = header();
    w.uvarint(0).bool(true).bool(false).uvarint(1).uvarint(0).uvarint(1000);
    expect(() => decodeRequestFrame(w.toBytes())).toThrow(KafkaDecodeError);
  });

  it("a compact array count beyond the frame is KafkaDecodeError, before allocating", () => {
    const w = header();
    w.uvarint(0x7ffffff0);
    expect(() => decodeRequestFrame(w.toBytes())).toThrow(KafkaDecodeError);
  });

  it("a compact string whose length runs past the end is KafkaDecodeError", () => {
    const w = header();
    w.uvarint(2).raw(new Uint8Array(16)).uvarint(200).raw(new Uint8Array(3));
    expect(() => decodeRequestFrame(w.toBytes())).toThrow(KafkaDecodeError);
  });

  it("a null where a compact string may not be null is KafkaDecodeError", () => {
    const w = header();
    w.uvarint(2).raw(new Uint8Array(16)); // one topic, zero topic id
    w.uvarint(0); // name: null is allowed at v10+ ...
    w.uvarint(0).bool(true).bool(false).uvarint(0);
    expect(decodeRequestFrame(w.toBytes()).request).toMatchObject({ topics: [{ name: null }] });
    const v9 = new Writer();
    writeRequestHeader(v9, 2, { apiKey: ApiKey.Metadata, apiVersion: 9, correlationId: 1, clientId: "h" });
    v9.uvarint(2).uvarint(0); // ... but not at v9
    expect(() => decodeRequestFrame(v9.toBytes())).toThrow(KafkaDecodeError);
  });
});
