// Failure tests for group metadata in __consumer_offsets (src/groups/persist/), against a broker child
// process (dist/), with KIP-848 members over raw ConsumerGroupHeartbeat v1 frames:
// - A full disk (a real tmpfs, test/helpers/tmpfs.ts): a member whose join cannot be written gets the
//   retriable NOT_COORDINATOR, and the join is rolled back: the member already in keeps its epoch and
//   partitions; once space returns the join goes through, and after a kill -9 both members come back with
//   their epochs and partitions.
// - The same for a classic group (kafkajs over the Kafka port) and a WebSocket group consumer: while the
//   generation cannot be written nobody is told an assignment (SyncGroup fails, the client retries); once
//   space returns both groups form and read everything (restarts: the KIP-848 case above and
//   test/kafka/group-persistence.test.ts).
// - kill -9 mid-write: the last batch of the offsets partition is cut in half (a torn write). The broker
//   starts, drops the torn tail, and loads everything before it: another group in the same partition is
//   whole, the torn group is back at its previous state (its member is fenced to rejoin, and does), and
//   writes after the cut survive a second kill -9.

import { readdirSync, readFileSync, statSync, truncateSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { ApiKey, type RequestOf, type ResponseOf } from "../../src/protocol/kafka/index.js";
import { brokerChildren, type BrokerChild } from "../helpers/broker-child.js";
import { ask } from "../helpers/kafka-wire.js";
import { tmpfsMounts, tmpfsSkipReason } from "../helpers/tmpfs.js";

const brokers = brokerChildren();
const tmpfs = tmpfsMounts();

type Heartbeat = ResponseOf<typeof ApiKey.ConsumerGroupHeartbeat>;
type Owned = NonNullable<Heartbeat["assignment"]>["topicPartitions"];
interface Held {
  memberId: string;
  epoch: number;
  owned: Owned;
}

/** A KIP-848 group on one broker: join, heartbeat, settle, as librdkafka sends them. */
function members(bootstrap: () => string, groupId: string, topic: string) {
  const settledCode = (r: Heartbeat) => r.errorCode !== 14 && r.errorCode !== 15; // not while loading
  const hb = (body: Partial<RequestOf<typeof ApiKey.ConsumerGroupHeartbeat>>) =>
    ask(bootstrap(), ApiKey.ConsumerGroupHeartbeat, 1, { groupId, memberId: "", memberEpoch: 0, ...body }, settledCode);
  const owned = (r: Heartbeat): Owned => r.assignment?.topicPartitions.map((t) => ({ topicId: t.topicId, partitions: [...t.partitions] })) ?? [];
  return {
    join: (memberId: string) => hb({ memberId, memberEpoch: 0, rebalanceTimeoutMs: 10_000, subscribedTopicNames: [topic], topicPartitions: [] }),
    beat: (h: Held) => hb({ memberId: h.memberId, memberEpoch: h.epoch, topicPartitions: h.owned }),
    /** The full heartbeat a client sends after an error: it gets its whole assignment back. */
    full: (h: Held) => hb({ memberId: h.memberId, memberEpoch: h.epoch, rebalanceTimeoutMs: 10_000, subscribedTopicNames: [topic], topicPartitions: h.owned }),
    owned,
    count: (h: Held) => h.owned.reduce((n, t) => n + t.partitions.length, 0),
    /** Heartbeats until reconciled; every answer must be NONE. */
    async settle(h: Held): Promise<Held> {
      for (let i = 0; i < 8; i++) {
        const r = await this.beat(h);
        expect(r.errorCode, r.errorMessage ?? "").toBe(0);
        h = { ...h, epoch: r.memberEpoch, owned: r.assignment ? owned(r) : h.owned };
      }
      return h;
    },
  };
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function createTopic(bootstrap: string, name: string, numPartitions: number): Promise<void> {
  const r = await ask(bootstrap, ApiKey.CreateTopics, 4, { topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  expect(r.topics[0]!.errorCode).toBe(0);
}

const bootstrapOf = (b: BrokerChild) => `127.0.0.1:${b.kafkaPort}`;

async function killHard(b: BrokerChild): Promise<void> {
  b.child.kill("SIGKILL");
  await new Promise<void>((resolve) => (b.child.exitCode !== null || b.child.signalCode !== null ? resolve() : b.child.once("exit", () => resolve())));
}

/** The __consumer_offsets segment files that mention `text`. */
function offsetsSegmentsWith(dataDir: string, text: string): string[] {
  return readdirSync(dataDir)
    .filter((d) => d.startsWith("__consumer_offsets-"))
    .flatMap((d) => readdirSync(join(dataDir, d)).filter((f) => f.endsWith(".log")).map((f) => join(dataDir, d, f)))
    .filter((f) => readFileSync(f).includes(Buffer.from(text)));
}

/** Byte ranges of the record batches in a segment file. */
function batchesOf(file: string): { start: number; size: number }[] {
  const bytes = readFileSync(file);
  const out: { start: number; size: number }[] = [];
  for (let at = 0; at + 12 <= bytes.length; ) {
    const size = bytes.readInt32BE(at + 8) + 12;
    out.push({ start: at, size });
    at += size;
  }
  return out;
}

describe("group metadata on a full disk", () => {
  it("a join that cannot be written gets NOT_COORDINATOR, the member already in keeps going; after space returns both survive kill -9", async (ctx) => {
    if (tmpfsSkipReason) {
      console.warn(`persist-faults skipped: ${tmpfsSkipReason}`);
      return ctx.skip();
    }
    const dataDir = brokers.dataDir("group-full");
    tmpfs.mount(dataDir, "24m");
    let broker = await brokers.start(dataDir, undefined, { shards: 1 });
    // Every record of this group is bigger than a tmpfs page, so none fits in a free page end.
    const groupId = `gfull-${"g".repeat(5000)}`;
    const g = members(() => bootstrapOf(broker), groupId, "gfull");
    await createTopic(bootstrapOf(broker), "gfull", 4);
    const a1 = await g.join("member-a");
    expect(a1.errorCode, a1.errorMessage ?? "").toBe(0);
    let a = await g.settle({ memberId: "member-a", epoch: a1.memberEpoch, owned: g.owned(a1) });
    expect(g.count(a)).toBe(4);

    const filler = tmpfs.fill(dataDir);
    const refused = await g.join("member-b");
    expect(refused).toMatchObject({ errorCode: 16, memberEpoch: -1 }); // NOT_COORDINATOR: retriable, look again
    expect(refused.errorMessage).toMatch(/could not be written/);
    // b's join was rolled back (src/groups/consumer/rollback.ts). a keeps heartbeating: while the disk is
    // full it may be told NOT_COORDINATOR too (the group's next write repeats the records the failed one
    // carried, in case they landed), never a new assignment.
    const during = await g.beat(a);
    expect([0, 16]).toContain(during.errorCode);
    if (during.errorCode === 0) expect(during).toMatchObject({ memberEpoch: a.epoch, assignment: null });

    unlinkSync(filler);
    // Space is back: a finds the group as it was before b's attempt: same epoch, all four partitions still
    // its own (a full heartbeat answers with the whole assignment).
    const after = await g.full(a);
    expect(after, after.errorMessage ?? "").toMatchObject({ errorCode: 0, memberEpoch: a.epoch });
    expect(g.count({ ...a, owned: g.owned(after) })).toBe(4);
    const b1 = await g.join("member-b");
    expect(b1.errorCode, b1.errorMessage ?? "").toBe(0);
    let b = { memberId: "member-b", epoch: b1.memberEpoch, owned: g.owned(b1) };
    // a full heartbeat (what a client sends after reconnecting) tells a what to give up.
    const aFull = await g.full(a);
    expect(aFull.errorCode, aFull.errorMessage ?? "").toBe(0);
    a = { ...a, epoch: aFull.memberEpoch, owned: g.owned(aFull) };
    for (let round = 0; round < 3; round++) {
      a = await g.settle(a);
      b = await g.settle(b);
    }
    expect([g.count(a), g.count(b)]).toEqual([2, 2]);

    await killHard(broker);
    broker = await brokers.start(dataDir, undefined, { shards: 1 });
    for (const h of [a, b]) {
      const back = await g.beat(h);
      expect(back, h.memberId).toMatchObject({ errorCode: 0, memberEpoch: h.epoch, assignment: null });
    }
  }, 90_000);
});

describe("classic and WebSocket groups on a full disk", () => {
  it("no assignment is handed out while the generation cannot be written; after space returns both groups form and read everything", async (ctx) => {
    if (tmpfsSkipReason) {
      console.warn(`persist-faults skipped: ${tmpfsSkipReason}`);
      return ctx.skip();
    }
    const dataDir = brokers.dataDir("group-classic-full");
    tmpfs.mount(dataDir, "24m");
    const broker = await brokers.start(dataDir, undefined, { shards: 1 });
    await createTopic(bootstrapOf(broker), "cfull", 2);
    const kafka = new Kafka({ clientId: "cfull", brokers: [bootstrapOf(broker)], logLevel: logLevel.NOTHING, retry: { retries: 100, initialRetryTime: 100, maxRetryTime: 500 } });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "cfull", messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `a${i}` })) });
    await producer.disconnect();

    const filler = tmpfs.fill(dataDir);
    // Group ids longer than a tmpfs page: none of their records fits in a free page end.
    const consumer = kafka.consumer({ groupId: `cfull-${"c".repeat(5000)}`, sessionTimeout: 30_000, heartbeatInterval: 300, maxWaitTimeInMs: 100, retry: { retries: 100, initialRetryTime: 100, maxRetryTime: 500 } });
    const joins: string[] = [];
    consumer.on(consumer.events.GROUP_JOIN, (e) => void joins.push(e.payload.memberId));
    const seen = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic: "cfull", fromBeginning: true });
    // run() joins in the background (kafkajs retries the failing SyncGroup meanwhile).
    const running = consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) }).catch((error: unknown) => error);
    const ws = await connect({ url: `ws://127.0.0.1:${broker.port}/ws`, reconnect: false } as never);
    const wsSeen = new Set<string>();
    const wsConsumer = ws.consumer({ group: `wsfull-${"w".repeat(5000)}`, topic: "cfull", from: "earliest" } as never);
    const wsError: unknown[] = [];
    const wsReading = (async () => {
      for await (const record of wsConsumer) wsSeen.add(new TextDecoder().decode(record.value!));
    })().catch((error: unknown) => void wsError.push(error));
    try {
      await new Promise((r) => setTimeout(r, 3000));
      expect(joins, "no generation was handed out while it could not be written").toEqual([]);
      expect(seen.size).toBe(0);
      expect(wsSeen.size).toBe(0);
      expect(broker.child.exitCode).toBeNull();

      unlinkSync(filler);
      await until("kafkajs read all 10 records", () => seen.size >= 10, 30_000);
      await until("the WebSocket group member read all 10 records", () => wsSeen.size >= 10 || wsError.length > 0, 30_000);
      expect(wsError).toEqual([]);
      expect(joins).toHaveLength(1);
      expect(broker.stderr()).not.toMatch(/"level":"error"/);
    } finally {
      await running;
      await consumer.disconnect().catch(() => undefined);
      await (wsConsumer as unknown as { close(): Promise<void> }).close().catch(() => undefined);
      ws.close();
      await wsReading;
    }
  }, 120_000);
});

describe("group metadata after kill -9 mid-write", () => {
  it("a torn last batch is dropped; the rest of the partition loads, and the torn group recovers", async () => {
    const dataDir = brokers.dataDir("group-torn");
    let broker = await brokers.start(dataDir, undefined, { shards: 1 });
    await createTopic(bootstrapOf(broker), "torn", 4);
    // Two groups in the same __consumer_offsets partition: find a second name that lands with the first.
    const keep = members(() => bootstrapOf(broker), "keep-group", "torn");
    const k1 = await keep.join("keeper");
    const kept = await keep.settle({ memberId: "keeper", epoch: k1.memberEpoch, owned: keep.owned(k1) });
    const [segment] = offsetsSegmentsWith(dataDir, "keep-group");
    expect(segment).toBeDefined();
    let tornId = "";
    let probe: Heartbeat | undefined;
    for (let i = 0; i < 500 && !tornId; i++) {
      const candidate = `torn-group-${i}`;
      probe = await members(() => bootstrapOf(broker), candidate, "torn").join("probe");
      expect(probe.errorCode).toBe(0);
      if (offsetsSegmentsWith(dataDir, candidate)[0] === segment) tornId = candidate;
    }
    expect(tornId, "a group in keep-group's offsets partition").not.toBe("");
    // The torn group's writes are the partition's last ones, after keep-group's.
    const torn = members(() => bootstrapOf(broker), tornId, "torn");
    let held = await torn.settle({ memberId: "probe", epoch: probe!.memberEpoch, owned: torn.owned(probe!) });
    expect(torn.count(held)).toBe(4);
    // A second member: more batches for the group (epoch bump, revocation), the last of them torn below.
    const s1 = await torn.join("second");
    expect(s1.errorCode).toBe(0);
    let second: Held = { memberId: "second", epoch: s1.memberEpoch, owned: torn.owned(s1) };
    for (let round = 0; round < 3; round++) {
      held = await torn.settle(held);
      second = await torn.settle(second);
    }
    expect([torn.count(held), torn.count(second)]).toEqual([2, 2]);
    await killHard(broker);

    // Cut the segment in the middle of its last batch, as a write interrupted by the kill would leave it.
    const batches = batchesOf(segment!);
    const last = batches.at(-1)!;
    const bytes = readFileSync(segment!);
    expect(bytes.subarray(last.start, last.start + last.size).includes(Buffer.from(tornId))).toBe(true);
    expect(batches.filter((b) => bytes.subarray(b.start, b.start + b.size).includes(Buffer.from(tornId))).length).toBeGreaterThan(2);
    truncateSync(segment!, last.start + Math.floor(last.size / 2));

    broker = await brokers.start(dataDir, undefined, { shards: 1 });
    expect(statSync(segment!).size, "the torn tail is dropped at load").toBe(last.start);
    // keep-group's records were whole: its member is back exactly as it was.
    expect(await keep.beat(kept)).toMatchObject({ errorCode: 0, memberEpoch: kept.epoch, assignment: null });
    // The torn group's earlier batches loaded: its members are known (NONE, or fenced back to the epoch of
    // the last whole record: FENCED_MEMBER_EPOCH, never UNKNOWN_MEMBER_ID); a full heartbeat, as a client
    // sends after an error, or a rejoin settles them again.
    const after = await torn.beat(held);
    expect([0, 110]).toContain(after.errorCode);
    const recover = async (h: Held): Promise<Held> => {
      const r = await torn.full(h);
      if (r.errorCode === 0) return { ...h, epoch: r.memberEpoch, owned: torn.owned(r) };
      expect(r.errorCode).toBe(110);
      const rejoin = await torn.join(h.memberId);
      expect(rejoin.errorCode, rejoin.errorMessage ?? "").toBe(0);
      return { ...h, epoch: rejoin.memberEpoch, owned: torn.owned(rejoin) };
    };
    let again = await recover(held);
    second = await recover(second);
    for (let round = 0; round < 3; round++) {
      again = await torn.settle(again);
      second = await torn.settle(second);
    }
    expect([torn.count(again), torn.count(second)]).toEqual([2, 2]);
    console.log(`persist-faults: torn group after the cut answered ${after.errorCode}; settled again at epoch ${again.epoch} (was ${held.epoch})`);

    // Writes after the cut are whole: a second kill -9 keeps them.
    await killHard(broker);
    broker = await brokers.start(dataDir, undefined, { shards: 1 });
    expect(await torn.beat(again)).toMatchObject({ errorCode: 0, memberEpoch: again.epoch, assignment: null });
    expect(await keep.beat(kept)).toMatchObject({ errorCode: 0, memberEpoch: kept.epoch });
  }, 90_000);
});
