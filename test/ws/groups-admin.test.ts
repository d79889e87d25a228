// Consumer-group offsets and administration end to end over WebSocket: groups on one topic are
// independent; committed offsets survive a broker restart; reset and delete are refused while a group has
// members (NON_EMPTY_GROUP, Kafka code 68) and work once it is empty; /metrics reports each group's lag.
import { describe, expect, it } from "vitest";
import { KafkaProtocolError } from "../../src/client/index.js";
import { sharedServer, sleep, wsServers } from "../helpers/ws-server.js";
import { closeMember, orderViolations, produceEach, range, startMember, union, waitUntil, type Member } from "./groups-helpers.js";

const env = wsServers();
const GROUPS = { initialRebalanceDelayMs: 100 };
const shared = sharedServer(env, { groups: GROUPS });

const covers = (members: Member[], partitions: number, n: number) => () => Array.from({ length: partitions }, (_, p) => union(members, p).size >= n).every(Boolean);
const byPartition = (rows: Array<{ partition: number; offset: bigint }>) => rows.map((r) => [r.partition, r.offset]);

async function expectRefused(promise: Promise<unknown>, code: string, kafkaCode: number): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KafkaProtocolError);
  expect(error).toMatchObject({ code, kafkaCode });
}

describe("consumer-group offsets and administration", () => {
  it("two groups on one topic read independently: each gets every record, commits are separate, describeGroup shows each group's offsets and lag", async () => {
    const topic = "two-groups";
    const P = 3;
    await shared.client.admin.createTopic(topic, { partitions: P });
    await produceEach(shared.client, topic, P, 50);
    const g1 = [await startMember(shared.srv.url, "x1", topic, "g1"), await startMember(shared.srv.url, "x2", topic, "g1")];
    const g2 = [await startMember(shared.srv.url, "y1", topic, "g2", { autoCommit: false })];
    await waitUntil("both groups read every record", () => covers(g1, P, 50)() && covers(g2, P, 50)());

    // g1 stops (committing 50 per partition); g2 has committed nothing.
    for (const m of g1) await closeMember(m);
    let d1 = await shared.client.admin.describeGroup("g1");
    let d2 = await shared.client.admin.describeGroup("g2");
    expect(d1.state).toBe("Empty");
    expect(d1.members).toEqual([]);
    expect(d1.offsets.map((o) => [o.partition, o.committed, o.logEndOffset, o.lag])).toEqual(Array.from({ length: P }, (_, p) => [p, 50n, 50n, 0n]));
    expect(d2.state).toBe("Stable");
    expect(d2.members.map((m) => m.assignment.map((tp) => tp.partition))).toEqual([[0, 1, 2]]);
    expect(d2.offsets.map((o) => [o.partition, o.committed, o.lag])).toEqual(Array.from({ length: P }, (_, p) => [p, -1n, -1n]));

    // More records: g2 reads and commits them; g1's lag grows, g2's is 0.
    await produceEach(shared.client, topic, P, 10);
    await waitUntil("g2 reads the new records", covers(g2, P, 60));
    await g2[0]!.consumer.commit();
    d1 = await shared.client.admin.describeGroup("g1");
    d2 = await shared.client.admin.describeGroup("g2");
    expect(d1.offsets.map((o) => [o.partition, o.committed, o.logEndOffset, o.lag])).toEqual(Array.from({ length: P }, (_, p) => [p, 50n, 60n, 10n]));
    expect(d2.offsets.map((o) => [o.partition, o.committed, o.logEndOffset, o.lag])).toEqual(Array.from({ length: P }, (_, p) => [p, 60n, 60n, 0n]));
    expect(byPartition(await shared.client.admin.committedOffsets("g1", [topic]))).toEqual(Array.from({ length: P }, (_, p) => [p, 50n]));
    expect(byPartition(await shared.client.admin.committedOffsets("g2", [topic]))).toEqual(Array.from({ length: P }, (_, p) => [p, 60n]));
    expect((await shared.client.admin.listGroups()).filter((g) => g.groupId.startsWith("g")).map((g) => [g.groupId, g.state])).toEqual([
      ["g1", "Empty"],
      ["g2", "Stable"],
    ]);

    // Each group got every record exactly once, in order.
    for (const members of [g1, g2]) {
      expect(orderViolations(members, P)).toEqual([]);
      for (let p = 0; p < P; p++) expect(members.flatMap((m) => m.offsets(p)).length).toBe(members === g1 ? 50 : 60);
    }
    await closeMember(g2[0]!);
  });

  it("/metrics shows rivulet_group_lag_records (and the committed offset) for an active group", async () => {
    const topic = "lagging";
    await shared.client.admin.createTopic(topic, { partitions: 2 });
    await produceEach(shared.client, topic, 2, 20);
    const m = await startMember(shared.srv.url, "m", topic, "lag-group", { autoCommit: false });
    await waitUntil("m reads 40 records", () => m.seen.length === 40);
    await m.consumer.commit();
    await produceEach(shared.client, topic, 2, 5); // read (maybe) but not committed: lag 5 per partition
    const metrics = await (await fetch(`http://127.0.0.1:${shared.srv.port}/metrics`)).text();
    for (const p of [0, 1]) {
      const labels = `{group="lag-group",topic="${topic}",partition="${p}"}`;
      expect(metrics).toContain(`rivulet_group_lag_records${labels} 5\n`);
      expect(metrics).toContain(`rivulet_group_committed_offset${labels} 20\n`);
    }
    expect(metrics).toContain("# TYPE rivulet_group_lag_records gauge");
    await closeMember(m);
  });

  it("committed offsets survive a broker restart, and a new member resumes from them", async () => {
    const own = await env.start({ groups: GROUPS });
    const topic = "durable";
    const first = await env.client(own.url, { reconnect: false });
    await first.admin.createTopic(topic, { partitions: 2 });
    await produceEach(first, topic, 2, 25);
    const m = await startMember(own.url, "m", topic, "durable-group");
    await waitUntil("m reads every record", covers([m], 2, 25));
    await closeMember(m);
    const before = await first.admin.committedOffsets("durable-group", [topic]);
    expect(byPartition(before)).toEqual([
      [0, 25n],
      [1, 25n],
    ]);
    first.close();

    // Same data dir, fresh port: uWS listens without SO_REUSEADDR, so the connections the old server closed
    // (TIME_WAIT on its side) can keep its port unavailable for a minute.
    await own.stop();
    const again = await env.start({ groups: GROUPS, dataDir: own.dataDir });
    const second = await env.client(again.url);
    expect(await second.admin.committedOffsets("durable-group", [topic])).toEqual(before);
    expect((await second.admin.listGroups()).find((g) => g.groupId === "durable-group")?.state).toBe("Empty");
    await produceEach(second, topic, 2, 5);
    const resumed = await startMember(again.url, "n", topic, "durable-group");
    await waitUntil("the new member reads the new records", covers([resumed], 2, 5));
    await sleep(100);
    for (const p of [0, 1]) expect(resumed.offsets(p)).toEqual(range(25n, 30n));
    await closeMember(resumed);
    await again.stop();
  });

  it("reset and delete are refused while the group has members (NON_EMPTY_GROUP, 68) and work once it is empty", async () => {
    const topic = "resettable";
    const group = "reset-group";
    const T0 = Date.now() - 60_000;
    await shared.client.admin.createTopic(topic, { partitions: 2 });
    await produceEach(shared.client, topic, 2, 10, (i) => T0 + i * 1000);
    const m = await startMember(shared.client.connection.url, "m", topic, group);
    await waitUntil("m reads every record", covers([m], 2, 10));
    await expectRefused(shared.client.admin.resetOffsets(group, topic, "earliest"), "NON_EMPTY_GROUP", 68);
    await expectRefused(shared.client.admin.deleteGroup(group), "NON_EMPTY_GROUP", 68);
    await closeMember(m);
    expect(byPartition(await shared.client.admin.committedOffsets(group, [topic]))).toEqual([
      [0, 10n],
      [1, 10n],
    ]);

    const offsets = async () => byPartition(await shared.client.admin.committedOffsets(group, [topic]));
    expect(await shared.client.admin.resetOffsets(group, topic, "earliest")).toEqual([{ partition: 0, offset: 0n }, { partition: 1, offset: 0n }]);
    expect(await offsets()).toEqual([[0, 0n], [1, 0n]]);
    expect(await shared.client.admin.resetOffsets(group, topic, "latest")).toEqual([{ partition: 0, offset: 10n }, { partition: 1, offset: 10n }]);
    expect(await offsets()).toEqual([[0, 10n], [1, 10n]]);
    // The first record at or after the timestamp; past the last record: the log end.
    expect(await shared.client.admin.resetOffsets(group, topic, { timestamp: T0 + 3500 })).toEqual([{ partition: 0, offset: 4n }, { partition: 1, offset: 4n }]);
    expect(await offsets()).toEqual([[0, 4n], [1, 4n]]);
    expect(await shared.client.admin.resetOffsets(group, topic, { timestamp: T0 + 3_600_000 })).toEqual([{ partition: 0, offset: 10n }, { partition: 1, offset: 10n }]);
    await shared.client.admin.resetOffsets(group, topic, { timestamp: T0 + 7000 });

    // A member joining after the reset starts there.
    const n = await startMember(shared.client.connection.url, "n", topic, group, { autoCommit: false });
    await waitUntil("n reads from the reset position", covers([n], 2, 3));
    for (const p of [0, 1]) expect(n.offsets(p)).toEqual([7n, 8n, 9n]);
    await closeMember(n);

    await shared.client.admin.deleteGroup(group);
    expect((await shared.client.admin.listGroups()).map((g) => g.groupId)).not.toContain(group);
    expect(await offsets()).toEqual([[0, -1n], [1, -1n]]);
    await expectRefused(shared.client.admin.deleteGroup(group), "GROUP_ID_NOT_FOUND", 69);
  });
});
