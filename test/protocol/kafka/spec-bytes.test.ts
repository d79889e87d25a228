// Versions no independent client here sends or decodes (kafkajs stops below them): the expected bytes
// are assembled by hand, field by field, from Kafka's message definitions (apache/kafka
// clients/src/main/resources/common/message/*.json), so a field our encoder and decoder both gate
// wrongly (a symmetric bug the round-trip tests cannot see) still fails here.

import { describe, expect, it } from "vitest";
import { Reader, Writer, registrationFor, type ApiKeyValue } from "../../../src/protocol/kafka/index.js";
import { toHex } from "./fixtures.js";
import { samples } from "./samples.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
const hex = (n: number, width: number) => (BigInt.asUintN(width * 8, BigInt(n))).toString(16).padStart(width * 2, "0");
const i8 = (n: number) => hex(n, 1);
const i16 = (n: number) => hex(n, 2);
const i32 = (n: number) => hex(n, 4);
const i64 = (n: bigint) => BigInt.asUintN(64, n).toString(16).padStart(16, "0");
const utf8 = (s: string) => Buffer.from(s, "utf8").toString("hex");
const str = (s: string | null) => (s === null ? "ffff" : i16(Buffer.byteLength(s)) + utf8(s));
const bytes = (s: string) => i32(Buffer.byteLength(s)) + utf8(s);
const arr = (n: number) => i32(n);

function check(key: ApiKeyValue, direction: "request" | "response", version: number, expected: string[]) {
  const codec = registrationFor(key).codec as any;
  const sample = (samples[key] as any)[direction];
  const w = new Writer();
  codec[direction === "request" ? "encodeRequest" : "encodeResponse"](w, version, sample);
  const got = w.toBytes();
  expect(toHex(got)).toBe(expected.join(""));
  const decoded = codec[direction === "request" ? "decodeRequest" : "decodeResponse"](new Reader(got), version);
  return decoded;
}

describe("hand-assembled bytes from the Kafka JSON definitions", () => {
  it("OffsetCommitRequest v7: group_instance_id, no retention_time_ms (v2-4), leader epoch (v6+)", () => {
    check(8, "request", 7, [
      str("group-1"), i32(5), str("member-1"), str("static-1"),
      arr(1), str("orders"), arr(2),
      i32(0), i64(100n), i32(2), str("meta"),
      i32(1), i64(0n), i32(-1), str(null),
    ]);
  });

  it("OffsetCommitRequest v6: no group_instance_id yet", () => {
    const d = check(8, "request", 6, [
      str("group-1"), i32(5), str("member-1"),
      arr(1), str("orders"), arr(2),
      i32(0), i64(100n), i32(2), str("meta"),
      i32(1), i64(0n), i32(-1), str(null),
    ]);
    expect(d.groupInstanceId).toBeNull();
  });

  it("OffsetCommitResponse v7", () => {
    check(8, "response", 7, [i32(4), arr(1), str("orders"), arr(2), i32(0), i16(0), i32(1), i16(22)]);
  });

  it("OffsetFetchResponse v5: committed_leader_epoch between offset and metadata, error_code last", () => {
    check(9, "response", 5, [
      i32(2), arr(1), str("orders"), arr(2),
      i32(0), i64(100n), i32(-1), str("meta"), i16(0),
      i32(1), i64(-1n), i32(4), str(null), i16(3),
      i16(16),
    ]);
  });

  it("OffsetFetchRequest v5 with null topics (all partitions)", () => {
    const codec = registrationFor(9).codec;
    const w = new Writer();
    codec.encodeRequest(w, 5, { groupId: "g", topics: null });
    expect(toHex(w.toBytes())).toBe(str("g") + "ffffffff");
  });

  it("DescribeGroupsRequest v3/v4: include_authorized_operations", () => {
    check(15, "request", 4, [arr(2), str("group-1"), str("group-2"), i8(1)]);
  });

  it("DescribeGroupsResponse v4: group_instance_id (v4+) and authorized_operations (v3+)", () => {
    check(15, "response", 4, [
      i32(10), arr(2),
      i16(0), str("group-1"), str("Stable"), str("consumer"), str("range"),
      arr(1), str("m-1"), str("static-1"), str("client-1"), str("/127.0.0.1"), bytes("meta"), bytes("assign"),
      i32(0x0ff8),
      i16(69), str("group-2"), str("Dead"), str(""), str(""), arr(0), i32(-2147483648),
    ]);
  });

  it("DescribeGroupsResponse v3: authorized_operations but no group_instance_id", () => {
    check(15, "response", 3, [
      i32(10), arr(2),
      i16(0), str("group-1"), str("Stable"), str("consumer"), str("range"),
      arr(1), str("m-1"), str("client-1"), str("/127.0.0.1"), bytes("meta"), bytes("assign"),
      i32(0x0ff8),
      i16(69), str("group-2"), str("Dead"), str(""), str(""), arr(0), i32(-2147483648),
    ]);
  });

  it("CreateTopicsRequest v4 has v3's layout; response v4 has throttle and error_message", () => {
    check(19, "request", 4, [
      arr(2),
      str("orders"), i32(3), i16(1), arr(0), arr(2), str("cleanup.policy"), str("compact"), str("retention.ms"), str(null),
      str("manual"), i32(-1), i16(-1), arr(1), i32(0), arr(2), i32(1), i32(2), arr(0),
      i32(10000), i8(1),
    ]);
    check(19, "response", 4, [i32(14), arr(2), str("orders"), i16(0), str(null), str("manual"), i16(36), str("Topic 'manual' already exists.")]);
  });

  it("DeleteTopics v3 has v1's layout", () => {
    check(20, "request", 3, [arr(2), str("orders"), str("audit"), i32(5000)]);
    check(20, "response", 3, [i32(15), arr(2), str("orders"), i16(0), str("audit"), i16(3)]);
  });

  it("JoinGroupResponse v5 (kafkajs covers it too, but static membership is easy to misplace)", () => {
    check(11, "response", 5, [
      i32(8), i16(0), i32(3), str("range"), str("m-1"), str("m-2"),
      arr(2), str("m-1"), str("static-1"), bytes("meta-1"), str("m-2"), str(null), bytes(""),
    ]);
  });

  it("ListOffsetsRequest v1 has no isolation_level", () => {
    check(2, "request", 1, [i32(-1), arr(1), str("orders"), arr(2), i32(0), i64(-1n), i32(1), i64(1700000000000n)]);
  });

  it("ApiVersionsResponse v3: compact array, per-entry tags, throttle, trailing tags", () => {
    check(18, "response", 3, ["0000", "03", "0000", "0000", "0007", "00", "0012", "0000", "0003", "00", i32(13), "00"]);
  });

  it("ApiVersionsRequest v3: two compact strings and tags", () => {
    check(18, "request", 3, ["0f", utf8("rivulet-client"), "06", utf8("0.1.0"), "00"]);
  });
});
