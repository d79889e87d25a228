// KIP-848 over the Kafka wire: @platformatic/kafka 1.x with groupProtocol "consumer" (ConsumerGroupHeartbeat
// v1, OffsetCommit/OffsetFetch v9 with member epochs) against an in-process broker, and raw frames through
// the handlers for what the client does not exercise: ConsumerGroupDescribe, ListGroups types, the classic
// APIs refused on a consumer group, and a broker restart (membership and committed offsets are both durable).
// With RIVULET_CAPTURE=1 the client's request frames go to test/fixtures/kafka/platformatic-848/.

import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { beforeAll, describe, expect, it } from "vitest";
import { dispatch, type KafkaBrokerContext } from "../../src/frontends/kafka/handlers/index.js";
import { topicIdBytes } from "../../src/frontends/kafka/handlers/topic-ids.js";
import { ApiKey, concat, decodeRequestFrame, decodeResponseFrame, type ApiKeyValue, type DecodedRequest, type RequestOf, type ResponseOf } from "../../src/protocol/kafka/index.js";
import { eventually, kafkaServers, type KafkaTestServer } from "./helpers.js";
import { handlerContext } from "./handler-context.js";
import { loadFrames } from "../protocol/kafka/fixtures.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let ctx: KafkaBrokerContext;
const groups = { consumerHeartbeatIntervalMs: 200, consumerSessionTimeoutMs: 3000, initialRebalanceDelayMs: 0 };

beforeAll(async () => {
  s = await servers.start({ capture: "platformatic-848", groups });
  ctx = handlerContext(s);
}, 30_000);

async function call<K extends ApiKeyValue>(apiKey: K, version: number, request: RequestOf<K>): Promise<ResponseOf<K>> {
  const header = { apiKey, apiVersion: version, correlationId: 1, clientId: "raw-848" };
  const decoded = { apiKey, header, request } as DecodedRequest;
  const parts = await dispatch(ctx, decoded, { header, clientHost: "/127.0.0.1", signal: new AbortController().signal });
  return decodeResponseFrame(apiKey, version, concat(parts!).subarray(4)).response;
}

const described = (groupId: string) => s.server.coordinator.describeConsumerGroup(groupId);
const counts = (groupId: string) => described(groupId).members.map((m) => m.assignment.length).sort();

describe("@platformatic/kafka with group.protocol=consumer (KIP-848)", () => {
  it("two consumers share the partitions the broker assigns, hand them over on leave, and commit with epochs", async () => {
    const brokers = [s.bootstrap];
    const admin = new Admin({ clientId: "p848-admin", bootstrapBrokers: brokers });
    const producer = new Producer({ clientId: "p848-producer", bootstrapBrokers: brokers, serializers: stringSerializers });
    const options = { groupId: "p848", groupProtocol: "consumer" as const, bootstrapBrokers: brokers, deserializers: stringDeserializers, maxWaitTime: 100 };
    const a = new Consumer({ ...options, clientId: "p848-a" });
    const b = new Consumer({ ...options, clientId: "p848-b" });
    const got = new Map<string, string>();
    /** Commit and stream errors, with who met them: printed if a wait below times out. */
    const trouble: string[] = [];
    const note = (who: string, error: unknown) => trouble.push(`${who}: ${(error as Error)?.message ?? String(error)}`);
    // A commit racing the heartbeat that bumps the member's epoch is refused (STALE_MEMBER_EPOCH, as in Kafka);
    // an application retries it once the client has the new epoch, as Kafka's own consumer does.
    const commit = async (m: { commit(): unknown }, who: string) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await m.commit();
        } catch (error) {
          note(who, error);
          if (attempt === 5) throw error;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };
    // Reads until the stream ends or fails (it fails with a network error once its consumer has closed).
    const read = async (stream: AsyncIterable<{ value: string; commit(): unknown }>, who: string) => {
      try {
        for await (const m of stream) {
          await commit(m, who);
          got.set(m.value, who); // after the commit: the totals below count committed records
        }
      } catch (error) {
        note(`${who} (stream ended)`, error); // checked through `got` and the coordinator instead
      }
    };
    const explained = async (wait: Promise<unknown>) => {
      try {
        await wait;
      } catch (error) {
        const read = [...got].filter(([k]) => !k.startsWith("first-")).map(([k, who]) => `${k}@${who}`);
        throw new Error(`${(error as Error).message}; read: ${read.join(" ")}; errors: ${trouble.join(" | ") || "none"}; group: ${JSON.stringify(described("p848").members.map((m) => [m.memberEpoch, m.assignment]))}`);
      }
    };
    try {
      await admin.createTopics({ topics: ["p848-orders"], partitions: 4, replicas: 1 });
      await producer.send({ messages: Array.from({ length: 20 }, (_, i) => ({ topic: "p848-orders", key: `k${i}`, value: `first-${i}` })) });
      const streamA = await a.consume({ autocommit: false, topics: ["p848-orders"], mode: "earliest" });
      const doneA = read(streamA as never, "a");
      await eventually(() => got.size === 20, 15_000, "consumer a reads the first 20 records");
      expect(described("p848")).toMatchObject({ state: "Stable", assignor: "uniform" });
      expect(counts("p848")).toEqual([4]);

      const streamB = await b.consume({ autocommit: false, topics: ["p848-orders"], mode: "earliest" });
      const doneB = read(streamB as never, "b");
      await eventually(() => described("p848").state === "Stable" && counts("p848").join() === "2,2", 15_000, "a hands two partitions to b");
      // A fetch a sent before its revocation (long poll, maxWaitTime 100 ms) still names all four partitions,
      // and the client delivers what it returns: under load one came back holding the records produced
      // next, so a read them all (CI, once). Let such fetches finish before producing.
      await new Promise((r) => setTimeout(r, 1000));
      await producer.send({ messages: Array.from({ length: 20 }, (_, i) => ({ topic: "p848-orders", key: `k${i}`, value: `second-${i}` })) });
      await explained(eventually(() => [...got.keys()].filter((k) => k.startsWith("second-")).length === 20, 15_000, "both read the second 20"));
      const second = [...got].filter(([k]) => k.startsWith("second-")).map(([, who]) => who);
      expect(new Set(second)).toEqual(new Set(["a", "b"]));

      await b.close(true);
      await eventually(() => described("p848").members.length === 1 && counts("p848").join() === "4", 15_000, "b's partitions go back to a");
      await producer.send({ messages: Array.from({ length: 8 }, (_, i) => ({ topic: "p848-orders", key: `k${i}`, value: `third-${i}` })) });
      await explained(eventually(() => [...got.keys()].filter((k) => k.startsWith("third-")).length === 8, 15_000, "a reads everything again"));

      // Every record was committed by whoever read it, with its member epoch (OffsetCommit v9).
      const total = async () => {
        const committed = await admin.listConsumerGroupOffsets({ groups: ["p848"] });
        return committed[0]!.topics.flatMap((t) => t.partitions).reduce((n, p) => n + Number(p.committedOffset), 0);
      };
      await eventually(async () => (await total()) === 48, 10_000, "48 committed records");
      await streamA.close();
      void doneA;
      void doneB;
    } finally {
      await Promise.resolve(a.close(true)).catch(() => {});
      await Promise.resolve(b.close(true)).catch(() => {});
      await producer.close().catch(() => {});
      await admin.close().catch(() => {});
    }
    // a left with epoch -1: the group is Empty, and still a consumer group.
    await eventually(() => described("p848").state === "Empty", 10_000, "the group empties");
    const listed = await call(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: ["consumer"] });
    expect(listed.groups.find((g) => g.groupId === "p848")).toMatchObject({ groupType: "consumer", groupState: "Empty", protocolType: "consumer" });
  }, 90_000);
});

describe("KIP-848 through the Kafka handlers", () => {
  it("ConsumerGroupDescribe reports epochs and assignments by topic id; classic APIs are refused", async () => {
    await s.server.broker.createTopic("raw848", { partitions: 3 });
    const topicId = topicIdBytes(s.server.broker.topic("raw848")!);
    const joined = await call(ApiKey.ConsumerGroupHeartbeat, 1, {
      groupId: "raw848-g",
      memberId: "member-one",
      memberEpoch: 0,
      rebalanceTimeoutMs: 10_000,
      subscribedTopicNames: ["raw848"],
      topicPartitions: [],
    });
    expect(joined).toMatchObject({ errorCode: 0, memberId: "member-one", memberEpoch: 1, heartbeatIntervalMs: 200 });
    expect(joined.assignment?.topicPartitions).toEqual([{ topicId, partitions: [0, 1, 2] }]);
    // v1: the client must name itself.
    const anonymous = await call(ApiKey.ConsumerGroupHeartbeat, 1, { groupId: "raw848-g", memberId: "", memberEpoch: 0, rebalanceTimeoutMs: 1, subscribedTopicNames: ["raw848"], topicPartitions: [] });
    expect(anonymous).toMatchObject({ errorCode: 42, errorMessage: "MemberId can't be empty." });
    // v0: the broker names it.
    const v0 = await call(ApiKey.ConsumerGroupHeartbeat, 0, { groupId: "raw848-v0", memberId: "", memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicNames: ["raw848"], topicPartitions: [] });
    expect(v0.memberId).toMatch(/^[0-9a-f-]{36}$/);

    const d = await call(ApiKey.ConsumerGroupDescribe, 0, { groupIds: ["raw848-g", "missing"], includeAuthorizedOperations: false });
    expect(d.groups[0]).toMatchObject({ errorCode: 0, groupState: "Stable", groupEpoch: 1, assignmentEpoch: 1, assignorName: "uniform" });
    expect(d.groups[0]!.members[0]).toMatchObject({
      memberId: "member-one",
      memberEpoch: 1,
      clientId: "raw-848",
      clientHost: "/127.0.0.1",
      subscribedTopicNames: ["raw848"],
      assignment: { topicPartitions: [{ topicId, topicName: "raw848", partitions: [0, 1, 2] }] },
    });
    expect(d.groups[1]).toMatchObject({ errorCode: 69, groupId: "missing" });

    const classicJoin = await call(ApiKey.JoinGroup, 9, {
      groupId: "raw848-g",
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: "",
      groupInstanceId: null,
      protocolType: "consumer",
      protocols: [{ name: "range", metadata: new Uint8Array() }],
      reason: null,
    });
    expect(classicJoin.errorCode).toBe(23); // INCONSISTENT_GROUP_PROTOCOL
    const classicBeat = await call(ApiKey.Heartbeat, 4, { groupId: "raw848-g", generationId: 1, memberId: "member-one", groupInstanceId: null });
    expect(classicBeat.errorCode).toBe(25); // UNKNOWN_MEMBER_ID

    // Offsets with the member epoch: a stale epoch is refused, the current one stored.
    const commit = (epoch: number) =>
      call(ApiKey.OffsetCommit, 9, {
        groupId: "raw848-g",
        generationIdOrMemberEpoch: epoch,
        memberId: "member-one",
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [{ name: "raw848", partitions: [{ partitionIndex: 1, committedOffset: 7n, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
    expect((await commit(9)).topics[0]!.partitions[0]!.errorCode).toBe(113); // STALE_MEMBER_EPOCH
    expect((await commit(1)).topics[0]!.partitions[0]!.errorCode).toBe(0);
    const v8 = await call(ApiKey.OffsetCommit, 8, {
      groupId: "raw848-g",
      generationIdOrMemberEpoch: 1,
      memberId: "member-one",
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [{ name: "raw848", partitions: [{ partitionIndex: 1, committedOffset: 8n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(v8.topics[0]!.partitions[0]!.errorCode).toBe(35); // UNSUPPORTED_VERSION
    const fetched = await call(ApiKey.OffsetFetch, 9, {
      groupId: "",
      topics: [],
      groups: [
        { groupId: "raw848-g", memberId: "member-one", memberEpoch: 1, topics: [{ name: "raw848", partitionIndexes: [1] }] },
        { groupId: "raw848-g", memberId: "member-one", memberEpoch: 4, topics: null },
      ],
      requireStable: false,
    });
    expect(fetched.groups![0]!.topics[0]!.partitions[0]!.committedOffset).toBe(7n);
    expect(fetched.groups![1]!.errorCode).toBe(113);
  });

  it("librdkafka 2.12's join (its captured frame) carries SubscribedTopicRegex \"\", which is no regex", async () => {
    const frame = loadFrames("rdkafka-848").find((f) => f.name === "consumer_group_heartbeat_request_v1_000")!;
    const decoded = decodeRequestFrame(frame.bytes.subarray(4));
    const request = decoded.request as RequestOf<typeof ApiKey.ConsumerGroupHeartbeat>;
    expect(request).toMatchObject({ memberEpoch: 0, subscribedTopicNames: ["rd-smoke"], subscribedTopicRegex: "", topicPartitions: [] });
    await s.server.broker.createTopic("rd-smoke", { partitions: 2 });
    const joined = await call(ApiKey.ConsumerGroupHeartbeat, 1, request);
    expect(joined).toMatchObject({ errorCode: 0, memberId: request.memberId, memberEpoch: 1 });
    expect(joined.assignment?.topicPartitions[0]?.partitions).toEqual([0, 1]);
    // A regex subscription (v1) is resolved by the broker against its topics' whole names.
    const regex = await call(ApiKey.ConsumerGroupHeartbeat, 1, { ...request, groupId: "rd-regex", subscribedTopicNames: null, subscribedTopicRegex: "rd-sm.*" });
    expect(regex).toMatchObject({ errorCode: 0, memberEpoch: 1 });
    expect(regex.assignment?.topicPartitions).toEqual([{ topicId: topicIdBytes(s.server.broker.topic("rd-smoke")!), partitions: [0, 1] }]);
    const lookahead = await call(ApiKey.ConsumerGroupHeartbeat, 1, { ...request, groupId: "rd-regex2", subscribedTopicRegex: "rd-(?=smoke)" });
    expect(lookahead).toMatchObject({ errorCode: 128, memberEpoch: -1 });
    expect(lookahead.errorMessage).toContain("lookahead is not supported");
  });

  it("Kafka 4.0 versions: DescribeGroups v6 names an unknown group; Produce v12, Metadata v13, DescribeCluster v2 are served", async () => {
    const v6 = await call(ApiKey.DescribeGroups, 6, { groups: ["no-such-group"], includeAuthorizedOperations: false });
    expect(v6.groups[0]).toMatchObject({ errorCode: 69, errorMessage: "Group no-such-group not found.", groupState: "Dead" });
    const v5 = await call(ApiKey.DescribeGroups, 5, { groups: ["no-such-group"], includeAuthorizedOperations: false });
    expect(v5.groups[0]).toMatchObject({ errorCode: 0, groupState: "Dead", members: [] });
    const known = await call(ApiKey.DescribeGroups, 6, { groups: ["raw848-g"], includeAuthorizedOperations: false });
    expect(known.groups[0]).toMatchObject({ errorCode: 0, errorMessage: null, protocolType: "consumer" });
    const meta = await call(ApiKey.Metadata, 13, { topics: [{ name: "raw848", topicId: new Uint8Array(16) }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(meta).toMatchObject({ errorCode: 0, brokers: [{ nodeId: 1 }] });
    expect(meta.topics[0]).toMatchObject({ errorCode: 0, name: "raw848" });
    const cluster = await call(ApiKey.DescribeCluster, 2, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: true });
    expect(cluster).toMatchObject({ errorCode: 0, brokers: [{ brokerId: 1, isFenced: false }] });
    const produced = await call(ApiKey.Produce, 12, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: "raw848", partitionData: [{ index: 0, records: null }] }] });
    expect(produced.responses[0]!.name).toBe("raw848");
  });

  it("Kafka 4.1 OffsetCommit/OffsetFetch v10 name topics by id; an unknown id is UNKNOWN_TOPIC_ID", async () => {
    await s.server.broker.createTopic("ids848", { partitions: 2 });
    const topicId = topicIdBytes(s.server.broker.topic("ids848")!);
    const stranger = new Uint8Array(16).fill(9);
    const committed = await call(ApiKey.OffsetCommit, 10, {
      groupId: "ids848-g",
      generationIdOrMemberEpoch: -1,
      memberId: "",
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [
        { name: "", topicId, partitions: [{ partitionIndex: 1, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: "m" }] },
        { name: "", topicId: stranger, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] },
      ],
    });
    expect(committed.topics).toEqual([
      { name: "", topicId, partitions: [{ partitionIndex: 1, errorCode: 0 }] },
      { name: "", topicId: stranger, partitions: [{ partitionIndex: 0, errorCode: 100 }] },
    ]);
    const fetched = await call(ApiKey.OffsetFetch, 10, {
      groupId: "",
      topics: [],
      groups: [
        { groupId: "ids848-g", memberId: null, memberEpoch: -1, topics: [{ name: "", topicId, partitionIndexes: [1] }, { name: "", topicId: stranger, partitionIndexes: [0] }] },
        { groupId: "ids848-g", memberId: null, memberEpoch: -1, topics: null },
      ],
      requireStable: false,
    });
    expect(fetched.groups![0]!.topics).toEqual([
      { name: "", topicId, partitions: [{ partitionIndex: 1, committedOffset: 5n, committedLeaderEpoch: -1, metadata: "m", errorCode: 0 }] },
      { name: "", topicId: stranger, partitions: [{ partitionIndex: 0, committedOffset: -1n, committedLeaderEpoch: -1, metadata: "", errorCode: 100 }] },
    ]);
    expect(fetched.groups![1]!.topics).toEqual([{ name: "", topicId, partitions: [{ partitionIndex: 1, committedOffset: 5n, committedLeaderEpoch: -1, metadata: "m", errorCode: 0 }] }]);
  });

  it("after a broker restart the member keeps its epoch and partitions (group metadata is durable) and its committed offsets are there", async () => {
    await s.server.broker.createTopic("restart848", { partitions: 2 });
    const first = await call(ApiKey.ConsumerGroupHeartbeat, 1, { groupId: "restart848-g", memberId: "m-r", memberEpoch: 0, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ["restart848"], topicPartitions: [] });
    expect(first.errorCode).toBe(0);
    const stored = await call(ApiKey.OffsetCommit, 9, {
      groupId: "restart848-g",
      generationIdOrMemberEpoch: first.memberEpoch,
      memberId: "m-r",
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [{ name: "restart848", partitions: [{ partitionIndex: 0, committedOffset: 11n, committedLeaderEpoch: -1, committedMetadata: "x" }] }],
    });
    expect(stored.topics[0]!.partitions[0]!.errorCode).toBe(0);
    await s.restart();
    ctx = handlerContext(s);
    const topicId = topicIdBytes(s.server.broker.topic("restart848")!);
    const kept = await call(ApiKey.ConsumerGroupHeartbeat, 1, {
      groupId: "restart848-g",
      memberId: "m-r",
      memberEpoch: first.memberEpoch,
      topicPartitions: [{ topicId, partitions: [0, 1] }],
    });
    expect(kept).toMatchObject({ errorCode: 0, memberId: "m-r", memberEpoch: first.memberEpoch });
    expect(described("restart848-g")).toMatchObject({ state: "Stable", groupEpoch: 1, assignmentEpoch: 1 });
    const fetched = await call(ApiKey.OffsetFetch, 9, {
      groupId: "",
      topics: [],
      groups: [{ groupId: "restart848-g", memberId: "m-r", memberEpoch: first.memberEpoch, topics: [{ name: "restart848", partitionIndexes: [0] }] }],
      requireStable: false,
    });
    expect(fetched.groups![0]!.topics[0]!.partitions[0]).toMatchObject({ committedOffset: 11n, metadata: "x", errorCode: 0 });
  }, 30_000);
});
