// Consumer groups end to end over WebSocket: real sockets, a real broker, GroupConsumers on their own
// connections. What must hold (issue 6): sticky rebalances move only the partitions they must; a member
// whose socket dies loses its partitions at once; delivery is at-least-once and in order per partition
// through every rebalance (exactly once across graceful moves, since a revoked member commits before the
// next owner starts); committed offsets decide where a restarted group resumes; a silent member is removed
// after its session timeout. Also regressions found here: a grant withdrawn before its ASSIGNED went out,
// two memberships of one group on one connection, close() racing records still arriving. Group
// administration and durability are in groups-admin.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import type { RivuletClient } from "../../src/client/index.js";
import { FrameType, StartKind } from "../../src/protocol/ws/index.js";
import { take } from "../helpers/consume.js";
import { sleep, wsServers, type TestServer } from "../helpers/ws-server.js";
import {
  closeMember,
  orderViolations,
  owners,
  produceContinuously,
  produceEach,
  range,
  settled,
  startMember,
  union,
  waitUntil,
  type Member,
} from "./groups-helpers.js";

const env = wsServers();
const SESSION_TIMEOUT_MS = 6000;
let srv: TestServer;
let admin: RivuletClient["admin"];
let producerClient: RivuletClient;

beforeAll(async () => {
  // A short initial rebalance delay (Kafka's default 3 s would only slow the tests down).
  srv = await env.start({ groups: { initialRebalanceDelayMs: 200 } });
  admin = (await env.client(srv.url)).admin;
  producerClient = await env.client(srv.url);
});

const byPartition = (rows: Array<{ partition: number; offset: bigint }>) => rows.map((r) => [r.partition, r.offset]);
const describeOwners = (members: Member[]) => () => JSON.stringify(Object.fromEntries(owners(members)));

describe("a group of WebSocket consumers", () => {
  it("3 → 4 members moves one partition (sticky), a killed member's partitions move at once, every record arrives in order, and a restarted group resumes from the commits", async () => {
    const topic = "orders";
    const group = "orders-readers";
    const P = 6;
    await admin.createTopic(topic, { partitions: P });
    const producer = produceContinuously(producerClient, topic, P, 5);
    const opts = { autoCommitIntervalMs: 250 };

    const members: Member[] = [];
    for (const name of ["a", "b", "c"]) members.push(await startMember(srv.url, name, topic, group, opts));
    await waitUntil("3 members with 2 partitions each", () => settled(members, P, [2, 2, 2]), 10_000, describeOwners(members));
    await waitUntil("every member reading", () => members.every((m) => m.seen.length > 0));
    expect((await admin.describeGroup(group)).state).toBe("Stable");

    // A fourth member: 6 partitions over 4 is 2, 2, 1, 1, so sticky moves exactly one partition.
    const before = new Map([...owners(members)].map(([p, names]) => [p, names[0]!]));
    const joinedAt = performance.now();
    const d = await startMember(srv.url, "d", topic, group, opts);
    members.push(d);
    await waitUntil("4 members with 2, 2, 1, 1 partitions", () => settled(members, P, [1, 1, 2, 2]), 10_000, describeOwners(members));
    const afterJoin = new Map([...owners(members)].map(([p, names]) => [p, names[0]!]));
    const moved = [...before].filter(([p, name]) => afterJoin.get(p) !== name).map(([p]) => p);
    expect(moved).toHaveLength(1);
    expect(d.consumer.assignment()).toEqual(moved);
    const revocations = members.flatMap((m) => m.events.filter((e) => e.kind === "revoke" && e.at >= joinedAt).map((e) => ({ name: m.name, partitions: e.partitions })));
    expect(revocations).toEqual([{ name: before.get(moved[0]!)!, partitions: moved }]);
    // The server's view agrees with the members' own.
    await waitUntil("the group stable on the server", async () => (await admin.describeGroup(group)).state === "Stable");
    const described = await admin.describeGroup(group);
    for (const m of members) {
      const row = described.members.find((x) => x.memberId === m.consumer.memberId)!;
      expect(row.assignment.map((tp) => tp.partition)).toEqual(m.consumer.assignment());
    }

    // Kill a member that owns two partitions: the server sees the socket close and moves them now, not after
    // the session timeout; sticky again: the survivors keep what they had.
    const victim = members.find((m) => m !== d && m.consumer.assignment().length === 2)!;
    const survivors = members.filter((m) => m !== victim);
    const victimPartitions = victim.consumer.assignment();
    const keptBefore = new Map(survivors.map((m) => [m.name, m.consumer.assignment()]));
    victim.kill();
    const tookMs = await waitUntil("the survivors to own all partitions", () => settled(survivors, P, [2, 2, 2]), SESSION_TIMEOUT_MS, describeOwners(survivors));
    expect(tookMs).toBeLessThan(SESSION_TIMEOUT_MS);
    for (const m of survivors) expect(m.consumer.assignment()).toEqual(expect.arrayContaining(keptBefore.get(m.name)!));
    await victim.loop;
    expect(victim.error).toBeDefined(); // its iteration ended with the connection error

    await sleep(300);
    await producer.stop();
    const end = (p: number) => BigInt(producer.count(p));
    for (let p = 0; p < P; p++) expect(producer.produced.get(p)).toEqual(range(0n, end(p)));
    await waitUntil("every produced record delivered", () => Array.from({ length: P }, (_, p) => union(members, p).size === producer.count(p)).every(Boolean), 10_000, () =>
      Array.from({ length: P }, (_, p) => `p${p} ${union(members, p).size}/${producer.count(p)}`).join(", "),
    );
    expect(orderViolations(members, P)).toEqual([]);
    // Graceful moves (the join) lose and repeat nothing; only the killed member's uncommitted tail may repeat.
    const everVictims = new Set(victim.events.filter((e) => e.kind === "assign").flatMap((e) => e.partitions));
    expect([...everVictims]).toEqual(expect.arrayContaining(victimPartitions));
    for (let p = 0; p < P; p++) {
      if (everVictims.has(p)) continue;
      const deliveries = members.reduce((n, m) => n + m.offsets(p).length, 0);
      expect(deliveries, `partition ${p} delivered exactly once`).toBe(producer.count(p));
    }

    // close() commits what each survivor consumed, then leaves.
    for (const m of survivors) await closeMember(m);
    const committed = await admin.committedOffsets(group, [topic]);
    expect(committed.map((c) => [c.partition, c.offset])).toEqual(Array.from({ length: P }, (_, p) => [p, end(p)]));

    // A restarted group (new members, same id) reads only what was produced after.
    await produceEach(producerClient, topic, P, 5);
    const restarted = [await startMember(srv.url, "e", topic, group, opts), await startMember(srv.url, "f", topic, group, opts)];
    await waitUntil("the restarted group reads the new records", () => Array.from({ length: P }, (_, p) => union(restarted, p).size >= 5).every(Boolean), 10_000);
    await sleep(200);
    for (let p = 0; p < P; p++) {
      const seen = restarted.flatMap((m) => m.offsets(p)).sort((x, y) => (x < y ? -1 : 1));
      expect(seen, `partition ${p}`).toEqual(range(end(p), end(p) + 5n));
    }
    for (const m of restarted) await closeMember(m);
  }, 40_000);

  it("revocation before reassignment: the new member starts a revoked partition only after the old one's onRevoke committed, so no record goes to both", async () => {
    const topic = "revoke";
    const group = "revoke-readers";
    const P = 4;
    await admin.createTopic(topic, { partitions: P });
    const producer = produceContinuously(producerClient, topic, P, 5);
    const window = { started: 0, committed: 0, countsAtStart: [] as number[], countsAtCommit: [] as number[] };
    const a = await startMember(srv.url, "a", topic, group, {
      autoCommit: false,
      onRevokeHook: async (m, partitions) => {
        window.started = performance.now();
        window.countsAtStart = partitions.map((p) => producer.count(p));
        await sleep(300);
        await m.consumer.commit(partitions);
        window.countsAtCommit = partitions.map((p) => producer.count(p));
        window.committed = performance.now();
      },
    });
    // a must have read every partition, so "b starts right after a's last record" is checkable for each.
    await waitUntil("a owns every partition and has read from each", () => a.consumer.assignment().length === P && Array.from({ length: P }, (_, p) => a.offsets(p).length > 0).every(Boolean));
    const b = await startMember(srv.url, "b", topic, group, { autoCommit: false });

    // While a's onRevoke runs, the partitions are still a's and b has none.
    await waitUntil("a's revocation to start", () => window.started > 0);
    const during = await admin.describeGroup(group);
    expect(during.state).toBe("Reconciling");
    expect(during.members.find((m) => m.memberId === b.consumer.memberId)!.assignment).toEqual([]);
    expect(during.members.find((m) => m.memberId === a.consumer.memberId)!.assignment).toHaveLength(P);

    await waitUntil("a and b with two partitions each", () => settled([a, b], P, [2, 2]), 10_000, describeOwners([a, b]));
    const moved = b.consumer.assignment();
    expect(b.events[0]!.at).toBeGreaterThanOrEqual(window.committed);
    // Records kept arriving on the moved partitions during the 300 ms (else the test would prove nothing).
    window.countsAtCommit.forEach((n, i) => expect(n).toBeGreaterThan(window.countsAtStart[i]!));

    await sleep(300);
    await producer.stop();
    await waitUntil("every produced record delivered", () => Array.from({ length: P }, (_, p) => union([a, b], p).size === producer.count(p)).every(Boolean));
    expect(orderViolations([a, b], P)).toEqual([]);
    for (let p = 0; p < P; p++) {
      const inA = new Set(a.offsets(p));
      expect(b.offsets(p).filter((o) => inA.has(o)), `partition ${p}: records delivered to both`).toEqual([]);
    }
    for (const p of moved) {
      // b starts exactly after the last record a was handed: nothing skipped, nothing repeated.
      expect(b.offsets(p)[0], `partition ${p}`).toBe(a.offsets(p).at(-1)! + 1n);
      expect(a.seen.filter((s) => s.partition === p).every((s) => s.at <= window.started)).toBe(true);
    }
    await closeMember(a);
    await closeMember(b);
  }, 20_000);

  it("a member that goes silent (socket open, no frames) is removed when its session times out, and its partitions move", async () => {
    // A server that accepts a 1 s session (group.min.session.timeout.ms lowered) so the test is quick.
    const quick = await env.start({ groups: { initialRebalanceDelayMs: 100, minSessionTimeoutMs: 1000 } });
    const topic = "silent";
    const group = "silent-readers";
    await (await env.client(quick.url)).admin.createTopic(topic, { partitions: 4 });
    const live = await startMember(quick.url, "live", topic, group, { sessionTimeoutMs: 1000 });
    // A raw member: JOIN_GROUP, then not one frame more (no PING, no CREDIT, no REVOKE_DONE).
    const raw = await env.raw(quick.url);
    const joined = await raw.request({ type: FrameType.JOIN_GROUP, groupId: group, topic, sessionTimeoutMs: 1000, assignor: "sticky", credit: 1 << 20, maxChunkBytes: 1 << 16, reset: { kind: StartKind.EARLIEST, value: 0n } });
    const lastFrameAt = performance.now();
    expect(joined.type).toBe(FrameType.GROUP_JOINED);
    await raw.waitFor((f) => f.type === FrameType.ASSIGNED, 5000);
    await waitUntil("live and raw with two partitions each", () => live.consumer.assignment().length === 2);
    const liveId = live.consumer.memberId;

    const fenced = await raw.waitFor((f) => f.type === FrameType.ERROR, 5000);
    const fencedAfter = performance.now() - lastFrameAt;
    expect(fenced).toMatchObject({ errorCode: 25, code: "UNKNOWN_MEMBER_ID" });
    expect(fencedAfter).toBeGreaterThanOrEqual(900);
    expect(fencedAfter).toBeLessThan(3000);
    await waitUntil("the live member to own every partition", () => live.consumer.assignment().length === 4, 2000);
    // The live member, pinging every session/3, kept its membership all along.
    expect(live.consumer.memberId).toBe(liveId);
    expect(raw.isOpen).toBe(true);
    await closeMember(live);
    await quick.stop();
  }, 15_000);

  it("a partition granted and revoked again before its ASSIGNED went out is never streamed to the old member", async () => {
    // The server looks up a start offset (a shard round trip when nothing is committed) before it sends
    // ASSIGNED. A member that leaves (its partition goes to `a`) and a member that joins in the same moment
    // (the partition is taken back from `a` for it) race with that lookup.
    const topic = "regrant";
    const group = "regrant-readers";
    await admin.createTopic(topic, { partitions: 2 });
    const join = { type: FrameType.JOIN_GROUP, groupId: group, topic, sessionTimeoutMs: 6000, assignor: "sticky", credit: 1 << 20, maxChunkBytes: 1 << 16, reset: { kind: StartKind.EARLIEST, value: 0n }, requestId: 1 } as const;
    const first = await env.raw(srv.url);
    const second = await env.raw(srv.url);
    expect((await first.request(join)).type).toBe(FrameType.GROUP_JOINED);
    expect((await second.request(join)).type).toBe(FrameType.GROUP_JOINED);
    const initial = await Promise.all([first, second].map((s) => s.waitFor((f) => f.type === FrameType.ASSIGNED)));
    const partitionsOf = (f: (typeof initial)[number]) => (f.type === FrameType.ASSIGNED ? f.partitions.map((p) => p.partition) : []);
    // `a` keeps partition 0; `b`, which holds 1, leaves as `c` joins: 1 goes to `a`, then to `c`.
    const [a, b] = partitionsOf(initial[0]!)[0] === 0 ? [first, second] : [second, first];
    const c = await env.raw(srv.url);
    b.send({ type: FrameType.LEAVE_GROUP, subscriptionId: 1 });
    c.send(join);
    // `a` acknowledges a revocation, as a client does (the frames stay in a.frames, in order).
    const revokedOf = () => a.frames.find((f) => f.type === FrameType.REVOKED);
    await waitUntil("a revocation for a, or c's assignment", () => revokedOf() !== undefined || c.frames.some((f) => f.type === FrameType.ASSIGNED), 5000);
    const revoked = revokedOf();
    if (revoked?.type === FrameType.REVOKED) a.send({ type: FrameType.REVOKE_DONE, subscriptionId: 1, generation: revoked.generation });
    expect(partitionsOf(await c.waitFor((f) => f.type === FrameType.ASSIGNED, 5000))).toEqual([1]);
    await sleep(100);
    // What `a` heard about partition 1: nothing, or ASSIGNED then REVOKED; never a REVOKED first.
    const about1 = a.frames
      .filter((f) => (f.type === FrameType.ASSIGNED && partitionsOf(f).includes(1)) || (f.type === FrameType.REVOKED && f.partitions.includes(1)))
      .map((f) => (f.type === FrameType.ASSIGNED ? "ASSIGNED" : "REVOKED"));
    expect([[], ["ASSIGNED", "REVOKED"]]).toContainEqual(about1);
    // Records produced now on partition 1 go to `c` only.
    a.frames.length = 0;
    await produceEach(producerClient, topic, 2, 3);
    await c.waitFor((f) => f.type === FrameType.CHUNK && f.partition === 1, 5000);
    await sleep(100);
    expect(a.frames.filter((f) => f.type === FrameType.CHUNK && f.partition === 1)).toEqual([]);
    expect(a.frames.some((f) => f.type === FrameType.CHUNK && f.partition === 0)).toBe(true);
  });

  it("two members of one group on one connection each commit their own partitions", async () => {
    const topic = "shared-connection";
    const group = "shared-connection-readers";
    await admin.createTopic(topic, { partitions: 2 });
    await produceEach(producerClient, topic, 2, 5);
    const client = await env.client(srv.url);
    const [x, y] = [0, 1].map(() => client.consumer({ topic, group, from: "earliest", autoCommit: false }));
    await Promise.all([x!.start(), y!.start()]);
    await Promise.all([take(x!, 5), take(y!, 5)]);
    expect([...x!.assignment(), ...y!.assignment()].sort()).toEqual([0, 1]);
    // COMMIT names the group, not the membership: the server must find the member that owns each partition.
    await Promise.all([x!.commit(), y!.commit()]);
    expect(byPartition(await admin.committedOffsets(group, [topic]))).toEqual([
      [0, 5n],
      [1, 5n],
    ]);
    await Promise.all([x!.close(), y!.close()]);
  });

  it("close() commits exactly what the application was handed, while records keep arriving: the next member continues right after it", async () => {
    const topic = "handover";
    const group = "handover-readers";
    const P = 6;
    await admin.createTopic(topic, { partitions: P });
    const producer = produceContinuously(producerClient, topic, P, 1);
    // Each member reads under load and closes mid-stream; the next one (same group, alone) must start every
    // partition at the previous member's last record + 1. Several rounds: the race is in close()'s commit.
    let previous: Member | undefined;
    const all: Member[] = [];
    for (let round = 0; round < 4; round++) {
      const m = await startMember(srv.url, `m${round}`, topic, group, { autoCommitIntervalMs: 60_000 });
      all.push(m);
      await waitUntil(`m${round} reading every partition`, () => Array.from({ length: P }, (_, p) => m.offsets(p).length > 3).every(Boolean));
      if (previous) {
        for (let p = 0; p < P; p++) expect(m.offsets(p)[0], `round ${round}, partition ${p}`).toBe(previous.offsets(p).at(-1)! + 1n);
      }
      await sleep(100);
      await closeMember(m);
      previous = m;
    }
    await producer.stop();
    expect(orderViolations(all, P)).toEqual([]);
  }, 20_000);
});
