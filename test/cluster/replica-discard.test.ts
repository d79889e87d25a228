// Which cluster snapshots make a broker delete a partition's local data (replica-manager.ts discard()),
// driven in process: a real broker with data on disk, and hand-made snapshots fed to its ReplicaManager as
// the etcd session would. Only a snapshot that has the topic, the partition's state, a non-empty replica
// set without this broker and no reassignment of it in progress deletes anything; then every data file
// goes (sizes checked on disk), the log end stays, the leader-epoch cache is emptied, and a restarted
// broker neither resurrects nor re-deletes anything.

import { EventEmitter } from "node:events";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Broker } from "../../src/broker/index.js";
import { EpochCache } from "../../src/cluster/epoch-cache.js";
import type { EtcdSession } from "../../src/cluster/etcd-session.js";
import { Keys, parseSnapshot, pkey, type ClusterSnapshot } from "../../src/cluster/layout.js";
import { ReplicaManager } from "../../src/cluster/replica-manager.js";
import { memoryLogger } from "../../src/log.js";
import { partitionDirName } from "../../src/shard/protocol.js";
import { batch, tempDataDirs } from "../broker/helpers.js";

const dirs = tempDataDirs();
const ME = 1;

class FakeSession extends EventEmitter {
  readonly keys = new Keys("/rivulet");
  registered = true;
  request = async () => {};
  queueReload(): void {}
}

function snapshot(build: (snap: ClusterSnapshot) => void): ClusterSnapshot {
  const snap = parseSnapshot(new Keys("/rivulet"), {});
  snap.brokers.set(2, { id: 2, host: "127.0.0.1", kafkaPort: 1, wsPort: 1, replicationPort: 1 } as never);
  build(snap);
  return snap;
}

const topicT = (replicas: number[][]) => ({ name: "t", partitions: 2, replicationFactor: 1, configs: {}, replicas });
const state = (leader: number, isr: number[]) => ({ leader, leaderEpoch: 3, isr, controllerEpoch: 1 });

/** Bytes of the partition's data files on disk (segments and their indexes). */
function dataBytes(dataDir: string, p: number): number {
  const dir = join(dataDir, partitionDirName("t", p));
  return readdirSync(dir)
    .filter((n) => /\.(log|index|timeindex|txnindex)$/.test(n))
    .reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);
}

async function feed(manager: ReplicaManager, session: FakeSession, snap: ClusterSnapshot): Promise<void> {
  session.emit("change", snap);
  await manager.settled();
}

async function start(dataDir?: string): Promise<{ broker: Broker; session: FakeSession; manager: ReplicaManager; logs: ReturnType<typeof memoryLogger> }> {
  const broker = await dirs.broker({ shards: 1, ...(dataDir ? { dataDir } : {}) });
  const session = new FakeSession();
  const logs = memoryLogger();
  const manager = new ReplicaManager(broker, session as unknown as EtcdSession, { brokerId: ME, replicaLagTimeMaxMs: 10_000, minInsyncReplicas: 1, logger: logs, credentials: { secret: Buffer.alloc(32), brokerId: ME } });
  return { broker, session, manager, logs };
}

describe("deleting a moved-away partition's local data", () => {
  it("only a complete snapshot whose finished replica set excludes this broker deletes; a restart resurrects nothing", async () => {
    const { broker, session, manager, logs } = await start();
    const dataDir = broker.config.dataDir;
    await broker.createTopic("t", { partitions: 2 });
    for (let i = 0; i < 20; i++) for (const p of [0, 1]) await broker.produce("t", p, batch([`v${i}-${"x".repeat(500)}`], { producerId: 7n, producerEpoch: 0, baseSequence: i }), { acks: 1 });
    // This broker leads both partitions first (its leader-epoch cache gets an entry, as in a real cluster).
    await feed(manager, session, snapshot((s) => {
      s.topics.set("t", topicT([[ME], [ME]]));
      s.partitions.set(pkey("t", 0), state(ME, [ME]));
      s.partitions.set(pkey("t", 1), state(ME, [ME]));
    }));
    const full = dataBytes(dataDir, 0);
    expect(full).toBeGreaterThan(10_000);
    expect(EpochCache.forPartition(dataDir, "t", 0).latestEpoch).toBe(3);

    // An empty or partial etcd view: keep everything.
    await feed(manager, session, snapshot(() => {}));
    // The topic without partition 0's state (a topic being created, a partial read).
    await feed(manager, session, snapshot((s) => {
      s.topics.set("t", topicT([[2], [ME]]));
      s.partitions.set(pkey("t", 1), state(ME, [ME]));
    }));
    // No replica list for partition 0.
    await feed(manager, session, snapshot((s) => {
      s.topics.set("t", topicT([[], [ME]]));
      s.partitions.set(pkey("t", 0), state(2, [2]));
      s.partitions.set(pkey("t", 1), state(ME, [ME]));
    }));
    // A reassignment of partition 0 still in progress (the final set excludes this broker, but not done).
    await feed(manager, session, snapshot((s) => {
      s.topics.set("t", topicT([[2], [ME]]));
      s.partitions.set(pkey("t", 0), state(2, [2]));
      s.partitions.set(pkey("t", 1), state(ME, [ME]));
      s.reassignments.set(pkey("t", 0), { target: [2], original: [ME] } as never);
    }));
    expect(dataBytes(dataDir, 0)).toBe(full);
    expect((await broker.replica.status("t", 0)).sizeBytes).toBeGreaterThan(10_000);
    expect(logs.entries.some((r) => String(r.msg).includes("deleted the local data"))).toBe(false);

    // The move has finished: partition 0 lives on broker 2 only. Its data goes; partition 1 stays.
    const done = snapshot((s) => {
      s.topics.set("t", topicT([[2], [ME]]));
      s.partitions.set(pkey("t", 0), state(2, [2]));
      s.partitions.set(pkey("t", 1), state(ME, [ME]));
    });
    await feed(manager, session, done);
    expect(dataBytes(dataDir, 0)).toBe(0);
    const status = await broker.replica.status("t", 0);
    expect([status.sizeBytes, status.logStartOffset, status.logEndOffset]).toEqual([0, 20n, 20n]);
    expect(EpochCache.forPartition(dataDir, "t", 0).latestEpoch).toBe(-1);
    const producers = async (b: Broker, p: number) => (await b.describeProducers([{ topic: "t", partition: p }]))[0]!;
    expect(await producers(broker, 0)).toEqual({ ok: [] });
    expect((await producers(broker, 1)).ok).toHaveLength(1);
    expect(dataBytes(dataDir, 1)).toBeGreaterThan(10_000);
    const line = logs.entries.find((r) => String(r.msg).includes("deleted the local data"));
    expect(line).toMatchObject({ level: "info", topic: "t", partition: 0 });
    expect(line?.bytesFreed).toBeGreaterThanOrEqual(full - 2048);
    expect(broker.topic("t")?.partitions).toBe(2); // the topic stays known here

    // Restarted while the partition is away: nothing comes back, nothing more is deleted or logged.
    manager.close();
    await broker.close();
    const again = await start(dataDir);
    // First, a snapshot without the topic at all (another topic, and "t" being created again): nothing goes.
    await feed(again.manager, again.session, snapshot((s) => {
      s.topics.set("u", { name: "u", partitions: 1, replicationFactor: 1, configs: {}, replicas: [[2]] });
      s.partitions.set(pkey("u", 0), state(2, [2]));
      s.createRequests.set("t", { partitions: 2, configs: {} });
    }));
    expect(dataBytes(dataDir, 1)).toBeGreaterThan(10_000);
    await feed(again.manager, again.session, done);
    expect(dataBytes(dataDir, 0)).toBe(0);
    expect(dataBytes(dataDir, 1)).toBeGreaterThan(10_000);
    expect((await again.broker.replica.status("t", 0)).logEndOffset).toBe(20n);
    expect(await producers(again.broker, 0)).toEqual({ ok: [] });
    expect(again.logs.entries.some((r) => String(r.msg).includes("deleted the local data"))).toBe(false);
    again.manager.close();
  }, 60_000);
});
