// Dynamic configs (the replication throttle's) as a compare-and-swap on etcd + 2 broker processes: a change
// computed from a read that another writer overtook is applied again on top of that writer's value; one
// that keeps losing gives up with a retriable error and writes nothing; concurrent IncrementalAlterConfigs
// APPENDs to the same list through both brokers all end up in it.

import { describe, expect, it } from "vitest";
import { Etcd3 } from "etcd3";
import { Kafka, logLevel } from "kafkajs";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { Keys } from "../../src/cluster/layout.js";
import { updateDynamicConfigs } from "../../src/cluster/dynamic-configs.js";
import { ConcurrentUpdateError } from "../../src/errors/index.js";
import { ask } from "../helpers/kafka-wire.js";
import { clusterFixture, etcdGet, partitionState, until } from "./harness.js";

const fixture = clusterFixture({ ids: [1, 2], broker: { rf: 1 } });
const LEADER = "leader.replication.throttled.replicas";
const LISTS = [LEADER, "follower.replication.throttled.replicas"];

/**
 * A session on the fixture's etcd (what a broker or the CLI writes with) whose every read of configs is
 * followed, before the change sees it, by `interfere` with another client: another broker's write landing
 * between this one's read and its write.
 */
async function withSession<T>(interfere: (other: Etcd3, read: number) => Promise<void>, run: (session: { client: Etcd3; keys: Keys }) => Promise<T>): Promise<T> {
  const client = new Etcd3({ hosts: `http://127.0.0.1:${fixture.etcd.clientPort}` });
  const other = new Etcd3({ hosts: `http://127.0.0.1:${fixture.etcd.clientPort}` });
  let reads = 0;
  const interfered = new Proxy(client, {
    get(target, prop) {
      if (prop === "getAll") {
        return () => ({
          prefix: (prefix: string) => ({
            exec: async () => {
              const range = await target.getAll().prefix(prefix).exec();
              await interfere(other, ++reads);
              return range;
            },
          }),
        });
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  try {
    return await run({ client: interfered, keys: new Keys("/rivulet") });
  } finally {
    client.close();
    other.close();
  }
}

const append = (list: string | undefined, item: string) => [...(list ?? "").split(",").filter(Boolean), item].join(",");
const leaderKey = (topic: string) => `/rivulet/configs/topic/${topic}/${LEADER}`;

describe("dynamic configs: compare-and-swap", () => {
  it("a change overtaken by another writer between its read and its write is applied again on top: both items stay", async () => {
    const key = leaderKey("cas");
    let calls = 0;
    // The first time, another broker appends 0:2 between this read and this write.
    await withSession(async (other, read) => void (read === 1 && (await other.put(key).value("0:2"))), (session) =>
      updateDynamicConfigs(session, "topic", "cas", LISTS, (current) => {
        calls++;
        return { [LEADER]: append(current[LEADER], "0:1") };
      }),
    );
    expect(calls).toBe(2);
    expect((await etcdGet(fixture.etcd, key))[key]).toBe("0:2,0:1");
  });

  it("a change that keeps losing gives up after its attempts with a retriable ConcurrentUpdateError, having written nothing", async () => {
    const key = leaderKey("contended");
    let calls = 0;
    const failed = await withSession(async (other, read) => void (await other.put(key).value(`${read}:1`)), (session) =>
      updateDynamicConfigs(session, "topic", "contended", LISTS, (current) => {
        calls++;
        return { [LEADER]: append(current[LEADER], "9:9") };
      }, 3),
    ).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ConcurrentUpdateError);
    expect((failed as ConcurrentUpdateError).retriable).toBe(true);
    expect((failed as ConcurrentUpdateError).kafkaCode).toBe(7);
    expect(calls).toBe(3);
    expect((await etcdGet(fixture.etcd, key))[key]).toBe("3:1");
  });

  it("concurrent IncrementalAlterConfigs APPENDs to one list through both brokers all take effect", async () => {
    const kafka = new Kafka({ clientId: "cas", brokers: [fixture.brokers[0]!.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "appended", numPartitions: 1, replicationFactor: 1 }] });
    await admin.disconnect();
    await until("placed", async () => partitionState(fixture.etcd, "appended", 0));
    const items = Array.from({ length: 12 }, (_, i) => `${i}:${(i % 2) + 1}`);
    await Promise.all(
      items.map(async (item, i) => {
        // A retriable error (it lost every attempt) is sent again, as a client would.
        for (;;) {
          const via = fixture.brokers[i % 2]!.bootstrap;
          const r = await ask(via, ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: "appended", configs: [{ name: LEADER, configOperation: 2, value: item }] }], validateOnly: false });
          const code = r.responses[0]!.errorCode;
          if (code === 7) continue;
          expect(code).toBe(0);
          return;
        }
      }),
    );
    const key = leaderKey("appended");
    const stored = (await etcdGet(fixture.etcd, key))[key]!;
    expect(stored.split(",").sort()).toEqual([...items].sort());
  }, 60_000);
});
