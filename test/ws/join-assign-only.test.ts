// JOIN_GROUP's assignment-only flag (docs/protocol.md §5.1), which the cluster client uses to manage a
// membership at the coordinator while reading partitions from their leaders: the member is assigned and
// revoked as any other, commits through its membership, but receives no CHUNK; a partition without a
// committed offset is announced with startOffset -1. Hostile input: reserved flag bits close only that
// connection (4000); the old frame without the byte still streams.

import { describe, expect, it } from "vitest";
import { encodeClientFrame, FrameType, StartKind, type ClientFrame, type JoinGroupFrame } from "../../src/protocol/ws/index.js";
import { decodeClientFrame } from "../../src/protocol/ws/index.js";
import { sleep, wsServers } from "../helpers/ws-server.js";

const env = wsServers();

const join = (groupId: string, topic: string, assignOnly: boolean): Omit<JoinGroupFrame, "requestId"> => ({
  type: FrameType.JOIN_GROUP, groupId, topic, sessionTimeoutMs: 6000, assignor: "sticky", credit: 1 << 20, maxChunkBytes: 1 << 16,
  reset: { kind: StartKind.EARLIEST, value: 0n }, ...(assignOnly ? { assignOnly: true } : {}),
});

describe("JOIN_GROUP assignment only", () => {
  it("round-trips the flag, and frames without it keep their original bytes", () => {
    const plain = encodeClientFrame({ ...join("g", "t", false), requestId: 7 } as ClientFrame);
    const flagged = encodeClientFrame({ ...join("g", "t", true), requestId: 7 } as ClientFrame);
    expect(flagged.length).toBe(plain.length + 1);
    expect(decodeClientFrame(plain)).not.toHaveProperty("assignOnly");
    expect(decodeClientFrame(flagged)).toMatchObject({ assignOnly: true, groupId: "g", topic: "t" });
    const reserved = Uint8Array.from(flagged);
    reserved[reserved.length - 1] = 0x03;
    expect(() => decodeClientFrame(reserved)).toThrow(/reserved/);
  });

  it("assigns and commits without streaming; a rejoin starts from the commit", async () => {
    const srv = await env.start({ groups: { initialRebalanceDelayMs: 100 } });
    const client = await env.client(srv.url);
    await client.admin.createTopic("ao", { partitions: 2 });
    const producer = client.producer({ acks: "all" });
    for (let i = 0; i < 6; i++) await producer.send({ topic: "ao", partition: i % 2, value: `r${i}` });

    const member = await env.raw(srv.url);
    const joined = await member.request({ ...join("ao-readers", "ao", true), requestId: 1 } as never);
    expect(joined.type).toBe(FrameType.GROUP_JOINED);
    const assigned = await member.waitFor((f) => f.type === FrameType.ASSIGNED, 5000);
    if (assigned.type !== FrameType.ASSIGNED) throw new Error("no ASSIGNED");
    // Nothing committed yet: -1, the member applies its reset at the leader itself.
    expect(assigned.partitions.map((p) => [p.partition, p.startOffset]).sort()).toEqual([[0, -1n], [1, -1n]]);
    await sleep(300);
    expect(member.frames.filter((f) => f.type === FrameType.CHUNK)).toEqual([]);
    // Commits go through the membership (it owns both partitions).
    const commit = await member.request({ type: FrameType.COMMIT, groupId: "ao-readers", offsets: [{ topic: "ao", partition: 0, offset: 2n, metadata: "" }, { topic: "ao", partition: 1, offset: 1n, metadata: "" }] } as never);
    expect(commit).toMatchObject({ type: FrameType.COMMIT_RESULT, items: [{ errorCode: 0 }, { errorCode: 0 }] });
    member.send({ type: FrameType.LEAVE_GROUP, subscriptionId: 1 } as never);
    await sleep(100);

    // A second assignment-only member starts from the commits; a streaming member still streams.
    const again = await env.raw(srv.url);
    expect((await again.request({ ...join("ao-readers", "ao", true), requestId: 1 } as never)).type).toBe(FrameType.GROUP_JOINED);
    const resumed = await again.waitFor((f) => f.type === FrameType.ASSIGNED, 5000);
    if (resumed.type !== FrameType.ASSIGNED) throw new Error("no ASSIGNED");
    expect(resumed.partitions.map((p) => [p.partition, p.startOffset]).sort()).toEqual([[0, 2n], [1, 1n]]);
    const streaming = await env.raw(srv.url);
    expect((await streaming.request({ ...join("ao-stream", "ao", false), requestId: 1 } as never)).type).toBe(FrameType.GROUP_JOINED);
    await streaming.waitFor((f) => f.type === FrameType.CHUNK, 5000);
    expect(again.frames.filter((f) => f.type === FrameType.CHUNK)).toEqual([]);
  });

  it("reserved flag bits are a protocol error on that connection only", async () => {
    const srv = await env.start();
    const client = await env.client(srv.url);
    await client.admin.createTopic("ao-bad", { partitions: 1 });
    const hostile = await env.raw(srv.url);
    const bytes = encodeClientFrame({ ...join("bad", "ao-bad", true), requestId: 9 } as ClientFrame);
    bytes[bytes.length - 1] = 0x80;
    hostile.sendBytes(bytes);
    expect(await hostile.closeCodeWithin(5000)).toBe(4000);
    // Two trailing bytes (flags and garbage) too.
    const trailing = await env.raw(srv.url);
    trailing.sendBytes(Uint8Array.from([...encodeClientFrame({ ...join("bad", "ao-bad", true), requestId: 9 } as ClientFrame), 0]));
    expect(await trailing.closeCodeWithin(5000)).toBe(4000);
    expect((await client.admin.listTopics()).includes("ao-bad")).toBe(true);
  });
});
