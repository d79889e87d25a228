import { describe, expect, it } from "vitest";
import { KafkaProtocolError, StorageError } from "../../src/errors/index.js";
import {
  decodeOffsetKey,
  decodeOffsetValue,
  encodeOffsetKey,
  encodeOffsetValue,
  Err,
  InMemoryOffsetLog,
  type OffsetCommitRequest,
  type OffsetLog,
  type OffsetLogRecord,
} from "../../src/groups/index.js";
import { coordinator, flush, join, stableGroup } from "./helpers.js";

function commit(o: Partial<OffsetCommitRequest> & { offsets?: Array<[string, number, bigint, string?]> }): OffsetCommitRequest {
  const topics = new Map<string, OffsetCommitRequest["topics"][number]>();
  for (const [topic, partition, offset, metadata] of o.offsets ?? [["t", 0, 10n]]) {
    if (!topics.has(topic)) topics.set(topic, { name: topic, partitions: [] });
    topics.get(topic)!.partitions.push({ partitionIndex: partition, committedOffset: offset, committedMetadata: metadata ?? null });
  }
  return { groupId: "g", generationId: -1, memberId: "", topics: [...topics.values()], ...o };
}

const codes = (r: { topics: Array<{ partitions: Array<{ errorCode: number }> }> }) => r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));

describe("OffsetCommit / OffsetFetch", () => {
  it("accepts a standalone commit (generation -1, no member) for a new group, and fetches it back", async () => {
    const { coord } = await coordinator();
    const res = await coord.commitOffsets(commit({ offsets: [["t", 0, 10n, "meta"], ["t", 1, 20n], ["u", 0, 5n]] }));
    expect(codes(res)).toEqual([0, 0, 0]);
    expect(coord.listGroups()).toEqual([{ groupId: "g", protocolType: "", state: "Empty", type: "classic" }]);
    expect(coord.fetchOffsets({ groupId: "g", topics: [{ name: "t", partitionIndexes: [0, 2] }] })).toEqual({
      errorCode: 0,
      topics: [
        {
          name: "t",
          partitions: [
            { partitionIndex: 0, committedOffset: 10n, committedLeaderEpoch: -1, metadata: "meta", errorCode: 0 },
            { partitionIndex: 2, committedOffset: -1n, committedLeaderEpoch: -1, metadata: "", errorCode: 0 },
          ],
        },
      ],
    });
    const all = coord.fetchOffsets({ groupId: "g", topics: null });
    expect(all.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset])])).toEqual([
      ["t", [[0, 10n], [1, 20n]]],
      ["u", [[0, 5n]]],
    ]);
    expect(coord.fetchOffsets({ groupId: "unknown", topics: null })).toEqual({ errorCode: 0, topics: [] });
  });

  it("answers ILLEGAL_GENERATION for a generation ≥ 0 on an unknown group", async () => {
    const { coord } = await coordinator();
    expect(codes(await coord.commitOffsets(commit({ generationId: 3, memberId: "m" })))).toEqual([Err.ILLEGAL_GENERATION]);
    expect(coord.listGroups()).toEqual([]);
  });

  it("checks member and generation in an active group, as Kafka does", async () => {
    const { coord, clock } = await coordinator();
    const [a, b] = await stableGroup(coord, clock, 2);
    expect(codes(await coord.commitOffsets(commit({ generationId: 1, memberId: a!.memberId })))).toEqual([Err.NONE]);
    expect(codes(await coord.commitOffsets(commit({ generationId: 0, memberId: a!.memberId })))).toEqual([Err.ILLEGAL_GENERATION]);
    expect(codes(await coord.commitOffsets(commit({ generationId: 1, memberId: "ghost" })))).toEqual([Err.UNKNOWN_MEMBER_ID]);
    expect(codes(await coord.commitOffsets(commit({})))).toEqual([Err.UNKNOWN_MEMBER_ID]); // standalone, group has members
    // PreparingRebalance: members may still commit (before they rejoin).
    const c = coord.joinGroup(join());
    expect(codes(await coord.commitOffsets(commit({ generationId: 1, memberId: b!.memberId })))).toEqual([Err.NONE]);
    coord.joinGroup(join({ memberId: a!.memberId }));
    coord.joinGroup(join({ memberId: b!.memberId }));
    await c;
    // CompletingRebalance: the new generation is known but not its assignment.
    expect(codes(await coord.commitOffsets(commit({ generationId: 2, memberId: b!.memberId })))).toEqual([Err.REBALANCE_IN_PROGRESS]);
    // A stale generation after the rebalance.
    expect(codes(await coord.commitOffsets(commit({ generationId: 1, memberId: b!.memberId })))).toEqual([Err.ILLEGAL_GENERATION]);
  });

  it("a commit keeps a member's session alive", async () => {
    const { coord, clock } = await coordinator();
    const [a] = await stableGroup(coord, clock, 1);
    for (let i = 0; i < 5; i++) {
      clock.advance(900);
      expect(codes(await coord.commitOffsets(commit({ generationId: 1, memberId: a!.memberId })))).toEqual([0]);
    }
    expect(coord.listGroups()[0]!.state).toBe("Stable");
  });

  it("rejects over-long metadata and unknown partitions per partition", async () => {
    const { coord } = await coordinator({ partitionsFor: (t) => (t === "t" ? 2 : 0), config: { offsetMetadataMaxBytes: 4 } });
    const res = await coord.commitOffsets(commit({ offsets: [["t", 0, 1n, "long!"], ["t", 1, 1n, "ok"], ["t", 2, 1n], ["nope", 0, 1n]] }));
    expect(codes(res)).toEqual([Err.OFFSET_METADATA_TOO_LARGE, Err.NONE, Err.UNKNOWN_TOPIC_OR_PARTITION, Err.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(coord.fetchOffsets({ groupId: "g", topics: null }).topics).toHaveLength(1);
  });

  it("maps a failed append as Kafka does and stores nothing", async () => {
    const log = new InMemoryOffsetLog();
    const { coord } = await coordinator({ offsetLog: log });
    for (const [error, code] of [
      [new KafkaProtocolError("NOT_ENOUGH_REPLICAS", "x"), Err.COORDINATOR_NOT_AVAILABLE],
      [new StorageError("disk full", { errno: "ENOSPC" }), Err.NOT_COORDINATOR],
      [new KafkaProtocolError("MESSAGE_TOO_LARGE", "x"), Err.INVALID_COMMIT_OFFSET_SIZE],
      [new KafkaProtocolError("REQUEST_TIMED_OUT", "x"), Err.REQUEST_TIMED_OUT],
    ] as const) {
      log.failNextAppend = error;
      expect(codes(await coord.commitOffsets(commit({})))).toEqual([code]);
    }
    expect(coord.fetchOffsets({ groupId: "g", topics: null }).topics).toEqual([]);
  });

  it("survives a restart through the offset log; the group comes back Empty", async () => {
    const log = new InMemoryOffsetLog();
    const { coord } = await coordinator({ offsetLog: log });
    await coord.commitOffsets(commit({ offsets: [["t", 0, 10n, "m"], ["t", 1, 11n]] }));
    await coord.commitOffsets(commit({ offsets: [["t", 0, 12n]] }));
    await coord.deleteGroupOffsets("g", [{ topic: "t", partition: 1 }]);
    coord.close();
    const { coord: again } = await coordinator({ offsetLog: log });
    expect(again.listGroups()).toEqual([{ groupId: "g", protocolType: "", state: "Empty", type: "classic" }]);
    const t = again.fetchOffsets({ groupId: "g", topics: null }).topics;
    expect(t).toEqual([{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 12n, committedLeaderEpoch: -1, metadata: "", errorCode: 0 }] }]);
  });

  it("keeps the later-issued of two commits in flight, whichever finishes first", async () => {
    const appends: Array<{ records: OffsetLogRecord[]; release: () => void }> = [];
    const log: OffsetLog = {
      replay: async () => {},
      append: (_g, records) => new Promise<void>((release) => appends.push({ records, release })),
    };
    const { coord } = await coordinator({ offsetLog: log });
    const first = coord.commitOffsets(commit({ offsets: [["t", 0, 1n]] }));
    const second = coord.commitOffsets(commit({ offsets: [["t", 0, 2n]] }));
    await flush();
    appends[1]!.release();
    await second;
    appends[0]!.release();
    await first;
    expect(coord.fetchOffsets({ groupId: "g", topics: [{ name: "t", partitionIndexes: [0] }] }).topics[0]!.partitions[0]!.committedOffset).toBe(2n);
  });
});

describe("__consumer_offsets record format", () => {
  it("writes Kafka's OffsetCommitKey v1 and OffsetCommitValue v3 byte for byte", () => {
    const key = encodeOffsetKey({ group: "g1", topic: "t", partition: 7 });
    expect([...key]).toEqual([0, 1, 0, 2, 0x67, 0x31, 0, 1, 0x74, 0, 0, 0, 7]);
    const value = encodeOffsetValue({ offset: 258n, leaderEpoch: -1, metadata: "m", commitTimestamp: 1 });
    expect([...value]).toEqual([0, 3, 0, 0, 0, 0, 0, 0, 1, 2, 0xff, 0xff, 0xff, 0xff, 0, 1, 0x6d, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(decodeOffsetKey(key)).toEqual({ group: "g1", topic: "t", partition: 7 });
    expect(decodeOffsetValue(value)).toEqual({ offset: 258n, leaderEpoch: -1, metadata: "m", commitTimestamp: 1 });
  });

  it("reads older value versions and ignores group-metadata keys", () => {
    // v1: offset, metadata, commitTimestamp, expireTimestamp
    const v1 = new Uint8Array([0, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(decodeOffsetValue(v1)).toEqual({ offset: 5n, leaderEpoch: -1, metadata: "", commitTimestamp: 9 });
    expect(decodeOffsetKey(new Uint8Array([0, 2, 0, 1, 0x67]))).toBeUndefined();
    expect(() => decodeOffsetKey(new Uint8Array([0, 1, 0, 9]))).toThrow(/truncated/);
  });
});
