// Topic administration and offset queries over the WebSocket protocol.
//
// Reads (metadata, offsets, descriptions, committed offsets) are retried when the socket drops under them,
// as Kafka's admin client retries retriable errors within default.api.timeout.ms: here within one
// requestTimeoutMs from the call (a request made while the broker is away already waits for it). Writes
// (create, delete, commit, reset) are not: a retry could apply them twice; their ConnectionError says so.

import { offsetSpecToTimestamp, type OffsetSpec } from "../protocol/offset-spec.js";
import { FrameType, startPosition, type GroupDescriptionFrame, type PartitionRange, type ServerFrame } from "../protocol/ws/index.js";
import type { Connection } from "./connection.js";
import { ConnectionError, errorFromCode } from "./errors.js";
import { aclResultsOf, bindingWire, filterWire, saltPassword, throwFirst, usersOf, type AclBindingInput, type AclFilterInput, type ScramMechanismName, type UserCredentials } from "./security-admin.js";
import type { AclBindingWire } from "../protocol/ws/index.js";

export interface TopicMetadata {
  name: string;
  partitions: PartitionRange[];
}

export interface TopicInfo extends TopicMetadata {
  /** With `sizes`: each partition's bytes on disk (segments, as the broker's status reports them). */
  partitions: Array<PartitionRange & { sizeBytes?: number }>;
  id: string;
  configs: { name: string; value: string; isDefault: boolean }[];
}

export type OffsetQuery = OffsetSpec;

function expect<T extends ServerFrame["type"]>(frame: ServerFrame, type: T): Extract<ServerFrame, { type: T }> {
  if (frame.type !== type) throw new Error(`unexpected response frame 0x${frame.type.toString(16)}`);
  return frame as Extract<ServerFrame, { type: T }>;
}

export class Admin {
  constructor(private readonly connection: Connection) {}

  /** A request that changes nothing, retried when the socket drops under it, within one deadline. */
  private async read(frame: Parameters<Connection["request"]>[0]): Promise<ServerFrame> {
    const deadline = Date.now() + this.connection.requestTimeoutMs;
    for (;;) {
      try {
        return await this.connection.request(frame, undefined, undefined, { timeoutMs: Math.max(1, deadline - Date.now()) });
      } catch (error) {
        if (!(error instanceof ConnectionError) || this.connection.isClosed || Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /**
   * Creates a topic; resolves true. With ifNotExists, a topic of that name that already exists is not an
   * error (whatever its partitions and configs, as Kafka's --if-not-exists): resolves false.
   */
  async createTopic(name: string, options: { partitions?: number; configs?: Record<string, string>; ifNotExists?: boolean } = {}): Promise<boolean> {
    try {
      await this.connection.request({ type: FrameType.CREATE_TOPIC, name, partitions: options.partitions ?? 1, configs: options.configs ?? {} });
      return true;
    } catch (error) {
      if (options.ifNotExists && (error as { code?: unknown }).code === "TOPIC_ALREADY_EXISTS") return false;
      throw error;
    }
  }

  /**
   * Sets topic config overrides (`set`) and removes others (`remove`: back to the broker's default), keeping
   * the rest (Kafka's incremental alter). Invalid names or values fail with INVALID_CONFIG, changing nothing.
   */
  async alterTopicConfigs(name: string, change: { set?: Record<string, string>; remove?: string[] }): Promise<void> {
    await this.connection.request({ type: FrameType.ALTER_TOPIC_CONFIGS, name, set: change.set ?? {}, remove: change.remove ?? [] });
  }

  /**
   * Grows a topic to `total` partitions (Kafka's CreatePartitions). Partitions are never removed: a total not
   * larger than the current count fails with INVALID_PARTITIONS. Existing records stay where they are; keyed
   * records produced afterwards may hash to a new partition.
   */
  async addPartitions(name: string, total: number): Promise<void> {
    await this.connection.request({ type: FrameType.CREATE_PARTITIONS, name, total });
  }

  /**
   * Deletes the records below `before` in each partition (Kafka's DeleteRecords; -1n: everything up to the
   * high watermark) and resolves the new log start offsets. The change is durable; an offset beyond the log
   * end fails with OFFSET_OUT_OF_RANGE and changes nothing for that partition.
   */
  async deleteRecords(topic: string, before: Array<{ partition: number; offset: bigint }>): Promise<Array<{ partition: number; lowWatermark: bigint }>> {
    const items = before.map(({ partition, offset }) => ({ topic, partition, offset }));
    const frame = expect(await this.connection.request({ type: FrameType.DELETE_RECORDS, items }), FrameType.RECORDS_DELETED);
    const failed = frame.items.findIndex((i) => i.errorCode !== 0);
    if (failed >= 0) throw errorFromCode(frame.items[failed]!.errorCode, "", `delete-records of ${topic}-${before[failed]!.partition} failed`);
    return frame.items.map((i, n) => ({ partition: before[n]!.partition, lowWatermark: i.lowWatermark }));
  }

  async deleteTopic(name: string): Promise<void> {
    await this.connection.request({ type: FrameType.DELETE_TOPIC, name });
  }

  /** Every topic (or the named ones) with its partitions' offset ranges. Unknown names throw. */
  async metadata(topics: string[] = []): Promise<TopicMetadata[]> {
    const frame = expect(await this.read({ type: FrameType.METADATA, topics }), FrameType.METADATA_RESULT);
    return frame.topics.map((t) => {
      if (t.errorCode !== 0) throw errorFromCode(t.errorCode, "", `topic ${t.name}`);
      return { name: t.name, partitions: t.partitions };
    });
  }

  /**
   * Cluster mode: every live broker's WebSocket URL and each partition's leader and leader epoch (leader -1:
   * none right now). `brokers` is empty when the server is a single node (it sends no cluster block).
   */
  async clusterMetadata(topics: string[] = []): Promise<ClusterMetadata> {
    const frame = expect(await this.read({ type: FrameType.METADATA, topics, cluster: true }), FrameType.METADATA_RESULT);
    return {
      brokers: frame.brokers ?? [],
      topics: frame.topics.filter((t) => t.errorCode === 0).map((t) => ({ name: t.name, partitions: t.partitions.map((p, i) => ({ partition: p.partition, leader: t.leaders?.[i]?.leader ?? -1, leaderEpoch: t.leaders?.[i]?.leaderEpoch ?? -1 })) })),
    };
  }

  async listTopics(): Promise<string[]> {
    return (await this.metadata()).map((t) => t.name);
  }

  /**
   * Partitions with offsets, the topic id and configs. `sizes: true` also asks each partition's bytes on
   * disk: brokers before that flag existed refuse the request, so ask only a broker that has it (the
   * console, served by its broker, always may).
   */
  async describeTopic(name: string, options: { sizes?: boolean } = {}): Promise<TopicInfo> {
    const frame = expect(await this.read(options.sizes ? { type: FrameType.DESCRIBE_TOPIC, name, sizes: true } : { type: FrameType.DESCRIBE_TOPIC, name }), FrameType.TOPIC_DESCRIPTION);
    const sizes = frame.sizes;
    const partitions = sizes ? frame.partitions.map((p, i) => ({ ...p, sizeBytes: sizes[i] })) : frame.partitions;
    return { name: frame.name, id: frame.id, partitions, configs: frame.configs };
  }

  /** Offsets by position or timestamp; offset -1 when no record has a timestamp at or after the one asked. */
  async listOffsets(topic: string, partition: number, query: OffsetQuery): Promise<{ offset: bigint; timestamp: bigint }> {
    const timestamp = offsetSpecToTimestamp(query);
    const frame = expect(await this.read({ type: FrameType.LIST_OFFSETS, items: [{ topic, partition, timestamp }] }), FrameType.OFFSETS_RESULT);
    const item = frame.items[0]!;
    if (item.errorCode !== 0) throw errorFromCode(item.errorCode, "", `${topic}-${partition}`);
    return { offset: item.offset, timestamp: item.timestamp };
  }

  /** Partition count of a topic (used by the producer's partitioner). */
  async partitionCount(topic: string): Promise<number> {
    const [meta] = await this.metadata([topic]);
    return meta!.partitions.length;
  }

  // ---- consumer groups --------------------------------------------------------------------------------

  async listGroups(): Promise<{ groupId: string; protocolType: string; state: string }[]> {
    return expect(await this.read({ type: FrameType.LIST_GROUPS }), FrameType.GROUP_LIST).groups;
  }

  /** State, members with their partitions, and per-partition committed offset, log end and lag. */
  async describeGroup(groupId: string): Promise<Omit<GroupDescriptionFrame, "type" | "requestId">> {
    const { type: _t, requestId: _r, ...description } = expect(await this.read({ type: FrameType.DESCRIBE_GROUP, groupId }), FrameType.GROUP_DESCRIPTION);
    return description;
  }

  /** The group's committed offsets (all topics, or the named ones); offset -1 where none. */
  async committedOffsets(groupId: string, topics: string[] = []): Promise<{ topic: string; partition: number; offset: bigint; metadata: string }[]> {
    const frame = expect(await this.read({ type: FrameType.FETCH_COMMITTED, groupId, topics }), FrameType.COMMITTED);
    return frame.items.map(({ topic, partition, offset, metadata }) => ({ topic, partition, offset, metadata }));
  }

  /** Sets a group's offsets for a topic (refused with NON_EMPTY_GROUP while the group has members). */
  async resetOffsets(groupId: string, topic: string, to: "earliest" | "latest" | { offset: bigint } | { timestamp: number }): Promise<{ partition: number; offset: bigint }[]> {
    const frame = expect(await this.connection.request({ type: FrameType.RESET_OFFSETS, groupId, topic, start: startPosition(to) }), FrameType.COMMITTED);
    const failed = frame.items.find((i) => i.errorCode !== 0);
    if (failed) throw errorFromCode(failed.errorCode, "", `reset of ${failed.topic}-${failed.partition} failed`);
    return frame.items.map(({ partition, offset }) => ({ partition, offset }));
  }

  /** Deletes a group and its offsets (refused while it has members). */
  async deleteGroup(groupId: string): Promise<void> {
    await this.connection.request({ type: FrameType.DELETE_GROUP, groupId });
  }

  /** Commits offsets for a group with no members (a standalone commit, as Kafka allows). */
  async commitOffsets(groupId: string, offsets: { topic: string; partition: number; offset: bigint; metadata?: string }[]): Promise<void> {
    const frame = expect(await this.connection.request({ type: FrameType.COMMIT, groupId, offsets: offsets.map((o) => ({ ...o, metadata: o.metadata ?? "" })) }), FrameType.COMMIT_RESULT);
    const failed = frame.items.find((i) => i.errorCode !== 0);
    if (failed) throw errorFromCode(failed.errorCode, "", `commit of ${failed.topic}-${failed.partition} refused`);
  }

  // ---- users and ACLs (security-admin.ts; cluster DESCRIBE to read, ALTER to change) ------------------

  /** SCRAM users with their mechanisms and iteration counts (never salts or keys); all, or the named ones. */
  async describeUsers(users: string[] = []): Promise<UserCredentials[]> {
    const answer = usersOf(await this.read({ type: FrameType.DESCRIBE_USERS, users }));
    throwFirst(answer, (i) => `user ${answer[i]!.user}`);
    return answer.map(({ user, credentials }) => ({ user, credentials }));
  }

  /**
   * Adds or replaces a user's SCRAM credentials. The password is salted here (4096 iterations unless
   * given), so only salt, iterations and SaltedPassword reach the broker, as Kafka's AlterUserScramCredentials.
   */
  async upsertUser(name: string, password: string, options: { mechanisms?: ScramMechanismName[]; iterations?: number } = {}): Promise<void> {
    const iterations = options.iterations ?? 4096;
    const upsertions = [];
    for (const mechanism of options.mechanisms ?? ["SCRAM-SHA-256", "SCRAM-SHA-512"]) upsertions.push({ name, mechanism, iterations, ...(await saltPassword(mechanism, password, iterations)) });
    throwFirst(usersOf(await this.connection.request({ type: FrameType.ALTER_USERS, deletions: [], upsertions })), () => `user ${name}`);
  }

  /** Deletes a user's credentials for the given mechanisms (default: every one it has). */
  async deleteUser(name: string, mechanisms?: ScramMechanismName[]): Promise<void> {
    const which = mechanisms ?? (await this.describeUsers([name]))[0]!.credentials.map((c) => c.mechanism);
    throwFirst(usersOf(await this.connection.request({ type: FrameType.ALTER_USERS, deletions: which.map((mechanism) => ({ name, mechanism })), upsertions: [] })), () => `user ${name}`);
  }

  /** The ACL bindings a filter matches (omitted fields match everything; patternType "match" as Kafka's). */
  async describeAcls(filter: AclFilterInput = {}): Promise<AclBindingWire[]> {
    const [result] = aclResultsOf(await this.read({ type: FrameType.DESCRIBE_ACLS, filter: filterWire(filter) }));
    throwFirst([result!], () => "ACL filter");
    return result!.bindings;
  }

  /**
   * Stores ACL bindings (pattern LITERAL, host "*", permission ALLOW unless given). As Kafka's CreateAcls,
   * each is stored or refused on its own: the valid ones are stored and the first refused one is thrown.
   */
  async createAcls(bindings: AclBindingInput[]): Promise<void> {
    const wire = bindings.map(bindingWire);
    const results = aclResultsOf(await this.connection.request({ type: FrameType.CREATE_ACLS, bindings: wire }));
    throwFirst(results, (i) => `ACL ${i}`);
  }

  /** Deletes the bindings each filter matches; returns them, per filter. */
  async deleteAcls(filters: AclFilterInput[]): Promise<AclBindingWire[][]> {
    const results = aclResultsOf(await this.connection.request({ type: FrameType.DELETE_ACLS, filters: filters.map(filterWire) }));
    throwFirst(results, (i) => `ACL filter ${i}`);
    return results.map((r) => r.bindings);
  }
}

export interface ClusterMetadata {
  brokers: { id: number; url: string }[];
  topics: { name: string; partitions: { partition: number; leader: number; leaderEpoch: number }[] }[];
}
