// KIP-848 online migration over the Kafka wire: kafkajs consumers (classic JoinGroup/SyncGroup/Heartbeat)
// and an @platformatic/kafka consumer with groupProtocol "consumer" (ConsumerGroupHeartbeat) in one group.
// Upgrade when the KIP-848 member joins, downgrade when it leaves; with consumerMigrationPolicy "disabled"
// the KIP-848 member is refused as before.

import { Consumer as P848Consumer, stringDeserializers } from "@platformatic/kafka";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { describe, expect, it } from "vitest";
import { dispatch } from "../../src/frontends/kafka/handlers/index.js";
import { ApiKey, concat, decodeResponseFrame } from "../../src/protocol/kafka/index.js";
import { eventually, kafkaServers, type KafkaTestServer } from "./helpers.js";
import { handlerContext } from "./handler-context.js";

const servers = kafkaServers();
const groups = { consumerHeartbeatIntervalMs: 200, consumerSessionTimeoutMs: 6000, initialRebalanceDelayMs: 0 };
const TOPIC = "mig-orders";

/** Every partition's owner as the coordinator sees it; fails if a partition is held twice. */
function owners(s: KafkaTestServer, groupId: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of s.server.coordinator.describeConsumerGroup(groupId).members) {
    for (const tp of m.assignment) {
      expect(out.has(tp.partition), `partition ${tp.partition} owned twice`).toBe(false);
      out.set(tp.partition, m.memberId);
    }
  }
  return out;
}

async function kafkajsMember(kafka: Kafka, groupId: string, who: string, got: Map<string, string>): Promise<Consumer> {
  const c = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 200, rebalanceTimeout: 6000, maxWaitTimeInMs: 100 });
  await c.connect();
  await c.subscribe({ topic: TOPIC, fromBeginning: true });
  await c.run({ eachMessage: async ({ message }) => void got.set(message.value!.toString(), who) });
  return c;
}

describe("classic <-> consumer group online migration (kafkajs + KIP-848 client)", () => {
  it("upgrade: a KIP-848 consumer joins a kafkajs group, partitions move without overlap, consumption continues; downgrade when it leaves", async () => {
    const s = await servers.start({ groups });
    const kafka = new Kafka({ brokers: [s.bootstrap], clientId: "mig", logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
    const producer = kafka.producer();
    await producer.connect();
    await s.server.broker.createTopic(TOPIC, { partitions: 4 });
    const send = (prefix: string, n: number) => producer.send({ topic: TOPIC, messages: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `${prefix}-${i}` })) });
    const count = (prefix: string) => [...got.keys()].filter((k) => k.startsWith(`${prefix}-`)).length;
    const got = new Map<string, string>();
    const a = await kafkajsMember(kafka, "mig", "a", got);
    const b = await kafkajsMember(kafka, "mig", "b", got);
    const c = new P848Consumer({ clientId: "mig-c", groupId: "mig", groupProtocol: "consumer", bootstrapBrokers: [s.bootstrap], deserializers: stringDeserializers, maxWaitTime: 100 });
    try {
      await send("first", 20);
      await eventually(() => count("first") === 20, 20_000, "the kafkajs members read the first 20");
      expect(s.server.coordinator.listGroups().find((g) => g.groupId === "mig")?.type).toBe("classic");

      const stream = await c.consume({ autocommit: true, topics: [TOPIC], mode: "earliest" });
      const reading = (async () => {
        try {
          for await (const m of stream as AsyncIterable<{ value: string }>) got.set(m.value, "c");
        } catch {
          // ends with a network error once the consumer has closed
        }
      })();
      // Upgraded: every member stays, and the group settles with each of the three owning something.
      let overlapChecks = 0;
      await eventually(() => {
        if (s.server.coordinator.listGroups().find((g) => g.groupId === "mig")?.type !== "consumer") return false;
        const o = owners(s, "mig");
        overlapChecks++;
        const d = s.server.coordinator.describeConsumerGroup("mig");
        return d.state === "Stable" && d.members.length === 3 && o.size === 4 && new Set(o.values()).size === 3;
      }, 30_000, "the upgraded group settles with three members over four partitions");
      expect(overlapChecks).toBeGreaterThan(0);
      // ConsumerGroupDescribe v1: the kafkajs members are classic members (type 0), the KIP-848 one type 1.
      const header = { apiKey: ApiKey.ConsumerGroupDescribe, apiVersion: 1, correlationId: 1, clientId: "raw" };
      const request = { groupIds: ["mig"], includeAuthorizedOperations: false };
      const parts = await dispatch(handlerContext(s), { apiKey: ApiKey.ConsumerGroupDescribe, header, request } as never, { header, clientHost: "/127.0.0.1", signal: new AbortController().signal });
      const describedGroup = (decodeResponseFrame(ApiKey.ConsumerGroupDescribe, 1, concat(parts!).subarray(4)).response as { groups: Array<{ members: Array<{ clientId: string; memberType: number }> }> }).groups[0]!;
      expect(describedGroup.members.map((m) => m.memberType).sort()).toEqual([0, 0, 1]);
      await send("second", 40);
      await eventually(() => count("second") === 40, 20_000, "all 40 records after the upgrade are read");
      const readers = new Set([...got].filter(([k]) => k.startsWith("second-")).map(([, who]) => who));
      expect(readers.has("c"), "the KIP-848 member reads its partitions").toBe(true);
      expect(readers.has("a") || readers.has("b"), "the classic members keep reading").toBe(true);

      // Downgrade: the KIP-848 member leaves; the kafkajs members rejoin a classic group that has everything.
      await c.close(true);
      void reading;
      await eventually(() => s.server.coordinator.listGroups().find((g) => g.groupId === "mig")?.type === "classic", 15_000, "the group turns classic");
      await eventually(async () => (await s.server.coordinator.describeGroup("mig")).state === "Stable", 30_000, "the classic group rebalances to Stable");
      await send("third", 20);
      await eventually(() => count("third") === 20, 20_000, "the kafkajs members read everything after the downgrade");
      const third = new Set([...got].filter(([k]) => k.startsWith("third-")).map(([, who]) => who));
      expect(third.has("c")).toBe(false);
      const said = (msg: string) => s.logger.entries.filter((e) => e.msg.startsWith(msg)).length;
      expect(said("classic group upgraded to a consumer group")).toBe(1);
      expect(said("consumer group downgraded to a classic group")).toBe(1);
      expect(said("classic member joined a consumer group"), "the kafkajs members rejoined into the consumer group").toBeGreaterThanOrEqual(2);
    } finally {
      await Promise.resolve(c.close(true)).catch(() => {});
      await a.disconnect().catch(() => {});
      await b.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
    }
  }, 120_000);

  it("a broker restart after the upgrade: the mixed group comes back as it was and consumption continues", async () => {
    const s = await servers.start({ groups });
    const kafka = new Kafka({ brokers: [s.bootstrap], clientId: "mig-r", logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
    await s.server.broker.createTopic(TOPIC, { partitions: 4 });
    const got = new Map<string, string>();
    const count = (prefix: string) => [...got.keys()].filter((k) => k.startsWith(`${prefix}-`)).length;
    const send = async (prefix: string, n: number) => {
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: TOPIC, messages: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `${prefix}-${i}` })) });
      await producer.disconnect();
    };
    const a = await kafkajsMember(kafka, "mig-r", "a", got);
    const b = await kafkajsMember(kafka, "mig-r", "b", got);
    const c = new P848Consumer({ clientId: "mig-r-c", groupId: "mig-r", groupProtocol: "consumer", bootstrapBrokers: [s.bootstrap], deserializers: stringDeserializers, maxWaitTime: 100 });
    try {
      await eventually(async () => (await s.server.coordinator.describeGroup("mig-r")).state === "Stable", 20_000, "the kafkajs group is Stable");
      const stream = await c.consume({ autocommit: true, topics: [TOPIC], mode: "earliest" });
      void (async () => {
        try {
          for await (const m of stream as AsyncIterable<{ value: string }>) got.set(m.value, "c");
        } catch {
          // ends with a network error once the consumer has closed
        }
      })();
      const settled = () => {
        const d = s.server.coordinator.describeConsumerGroup("mig-r");
        const o = owners(s, "mig-r");
        return d.errorCode === 0 && d.state === "Stable" && d.members.length === 3 && o.size === 4 && new Set(o.values()).size === 3;
      };
      await eventually(settled, 30_000, "the upgraded group settles");
      const before = s.server.coordinator.describeConsumerGroup("mig-r");
      await s.restart();
      const after = s.server.coordinator.describeConsumerGroup("mig-r");
      expect(after.members.map((m) => [m.memberId, m.memberEpoch, m.assignment])).toEqual(before.members.map((m) => [m.memberId, m.memberEpoch, m.assignment]));
      await send("after-restart", 40);
      await eventually(() => count("after-restart") === 40, 30_000, "all 40 records produced after the restart are read");
      owners(s, "mig-r"); // still no partition held twice
    } finally {
      await Promise.resolve(c.close(true)).catch(() => {});
      await a.disconnect().catch(() => {});
      await b.disconnect().catch(() => {});
    }
  }, 120_000);

  it("policy disabled: ConsumerGroupHeartbeat to a kafkajs group with members is refused (GROUP_ID_NOT_FOUND)", async () => {
    const s = await servers.start({ groups: { ...groups, consumerMigrationPolicy: "disabled" } });
    const kafka = new Kafka({ brokers: [s.bootstrap], clientId: "mig-off", logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
    await s.server.broker.createTopic(TOPIC, { partitions: 2 });
    const got = new Map<string, string>();
    const a = await kafkajsMember(kafka, "off", "a", got);
    try {
      await eventually(async () => (await s.server.coordinator.describeGroup("off")).state === "Stable", 20_000, "the kafkajs group is Stable");
      const ctx = handlerContext(s);
      const header = { apiKey: ApiKey.ConsumerGroupHeartbeat, apiVersion: 1, correlationId: 1, clientId: "raw-848" };
      const request = { groupId: "off", memberId: "m-848", memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: [TOPIC], topicPartitions: [] };
      const parts = await dispatch(ctx, { apiKey: ApiKey.ConsumerGroupHeartbeat, header, request } as never, { header, clientHost: "/127.0.0.1", signal: new AbortController().signal });
      const response = decodeResponseFrame(ApiKey.ConsumerGroupHeartbeat, 1, concat(parts!).subarray(4)).response as { errorCode: number };
      expect(response.errorCode).toBe(69); // GROUP_ID_NOT_FOUND
      expect(s.server.coordinator.listGroups().find((g) => g.groupId === "off")?.type).toBe("classic");
    } finally {
      await a.disconnect().catch(() => {});
    }
  }, 60_000);
});
