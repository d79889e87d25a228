// Administration through the cluster client: each call goes to a broker that can answer it, and to another
// one when that broker goes away.
//
//   const cluster = await connectCluster({ urls });
//   await cluster.admin.createTopic("orders", { partitions: 6 });
//   await cluster.admin.describeGroup("billing");
//
// Behavior:
// - Topic calls (create, delete, alter configs, add partitions, describe, list, metadata): any live
//   broker (the cluster turns them into etcd requests to the controller). Offsets and delete-records: the
//   partition's leader. Group calls (describe, committed offsets, reset, delete, standalone commit): the
//   group's coordinator. listGroups: every live broker (each lists the groups it coordinates), merged.
// - A lost connection, a request timeout, NOT_LEADER_OR_FOLLOWER, NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE
//   or COORDINATOR_LOAD_IN_PROGRESS: the metadata is refreshed and the call runs again (on the broker the
//   metadata now names), with capped backoff, until `timeoutMs` (default 30 s). Other errors are the caller's.
// - A create or delete whose first answer was lost may have happened: when its retry then finds the topic
//   already there (create) or already gone (delete), it resolves as done instead of failing, since this
//   client cannot tell its own lost success from someone else's change (Kafka's admin client reports
//   TopicExistsException in that case).

import { RivuletError } from "../errors/index.js";
import type { Admin, ClusterMetadata, OffsetQuery, TopicInfo, TopicMetadata } from "./admin.js";
import type { ClusterHandle } from "./cluster-types.js";
import { ConnectionError, TimeoutError } from "./errors.js";
import type { RivuletClient } from "./index.js";

const MOVED = new Set(["NOT_LEADER_OR_FOLLOWER", "LEADER_NOT_AVAILABLE", "NOT_COORDINATOR", "COORDINATOR_NOT_AVAILABLE", "COORDINATOR_LOAD_IN_PROGRESS", "NOT_CONTROLLER", "REQUEST_TIMED_OUT", "NETWORK_EXCEPTION"]);

/** Whether an admin call should run again elsewhere (the broker went away, or is not the right one now). */
export function retryElsewhere(error: unknown): boolean {
  if (error instanceof ConnectionError || error instanceof TimeoutError) return true;
  return error instanceof RivuletError && MOVED.has(error.code);
}

/** The Admin calls this class routes (same names and signatures as Admin's). */
export const ROUTED_ADMIN_CALLS: ReadonlySet<string> = new Set([
  "createTopic", "deleteTopic", "alterTopicConfigs", "addPartitions", "describeTopic", "listTopics", "metadata", "clusterMetadata",
  "listOffsets", "deleteRecords", "listGroups", "describeGroup", "committedOffsets", "resetOffsets", "deleteGroup", "commitOffsets",
] satisfies (keyof Admin & keyof ClusterAdmin)[]);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const codeOf = (error: unknown) => (error as { code?: unknown }).code;

export class ClusterAdmin {
  /** How long one call keeps retrying other brokers. */
  timeoutMs = 30_000;

  constructor(private readonly cluster: ClusterHandle) {}

  /**
   * Runs `call` on the broker `target` picks, again on the next one after a retriable failure.
   * `afterLost` decides the outcome of a retry that follows an attempt whose answer was lost.
   */
  private async run<T>(target: () => Promise<RivuletClient>, call: (admin: Admin) => Promise<T>, afterLost?: (error: unknown) => { value: T } | undefined): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    let lostOne = false;
    for (let attempt = 0; ; attempt++) {
      let client: RivuletClient | undefined;
      try {
        client = await target();
        return await call(client.admin);
      } catch (error) {
        if (lostOne && afterLost) {
          const settled = afterLost(error);
          if (settled) return settled.value;
        }
        if (!retryElsewhere(error) || Date.now() >= deadline) throw error;
        // The answer was lost: the call may have happened (a closed connection leaves the cluster's pool by
        // itself; a live one that timed out stays, other streams use it).
        if (client && (error instanceof ConnectionError || error instanceof TimeoutError)) lostOne = true;
        await sleep(Math.min(50 * 2 ** Math.min(attempt, 5), 1000));
        await this.cluster.refresh([]).catch(() => undefined);
      }
    }
  }

  /** Any live broker: the first known one that answers. */
  private any = async (): Promise<RivuletClient> => {
    const urls = [...new Set([...this.cluster.metadata.brokers.map((b) => b.url)])];
    let last: unknown;
    for (const url of urls) {
      try {
        return await this.cluster.client(url);
      } catch (error) {
        last = error;
        this.cluster.drop(url);
      }
    }
    // None of the known brokers answered: the bootstrap list (refresh tries it) names the live ones again.
    await this.cluster.refresh([]);
    const first = this.cluster.metadata.brokers[0];
    if (!first) throw last instanceof Error ? last : new ConnectionError("no broker of the cluster answered");
    return this.cluster.client(first.url);
  };

  createTopic(name: string, options: { partitions?: number; configs?: Record<string, string>; ifNotExists?: boolean } = {}): Promise<boolean> {
    return this.run(this.any, (a) => a.createTopic(name, options), (e) => (codeOf(e) === "TOPIC_ALREADY_EXISTS" ? { value: true } : undefined));
  }

  deleteTopic(name: string): Promise<void> {
    return this.run(this.any, (a) => a.deleteTopic(name), (e) => (codeOf(e) === "UNKNOWN_TOPIC_OR_PARTITION" ? { value: undefined } : undefined));
  }

  alterTopicConfigs(name: string, change: { set?: Record<string, string>; remove?: string[] }): Promise<void> {
    return this.run(this.any, (a) => a.alterTopicConfigs(name, change));
  }

  addPartitions(name: string, total: number): Promise<void> {
    return this.run(this.any, (a) => a.addPartitions(name, total));
  }

  describeTopic(name: string, options: { sizes?: boolean } = {}): Promise<TopicInfo> {
    return this.run(this.any, (a) => a.describeTopic(name, options));
  }

  listTopics(): Promise<string[]> {
    return this.run(this.any, (a) => a.listTopics());
  }

  metadata(topics: string[] = []): Promise<TopicMetadata[]> {
    return this.run(this.any, (a) => a.metadata(topics));
  }

  clusterMetadata(topics: string[] = []): Promise<ClusterMetadata> {
    return this.cluster.refresh(topics);
  }

  listOffsets(topic: string, partition: number, query: OffsetQuery): Promise<{ offset: bigint; timestamp: bigint }> {
    return this.run(() => this.cluster.leaderFor(topic, partition), (a) => a.listOffsets(topic, partition, query));
  }

  /** Per partition at its leader; resolves the new log start offsets in `before`'s order. */
  async deleteRecords(topic: string, before: Array<{ partition: number; offset: bigint }>): Promise<Array<{ partition: number; lowWatermark: bigint }>> {
    const out = [];
    for (const item of before) out.push(...(await this.run(() => this.cluster.leaderFor(topic, item.partition), (a) => a.deleteRecords(topic, [item]))));
    return out;
  }

  /** The groups of every live broker's coordinator (each lists only the groups it coordinates). */
  async listGroups(): Promise<{ groupId: string; protocolType: string; state: string }[]> {
    const brokers = await this.cluster.everyBroker();
    const lists = await Promise.all(brokers.map((b) => b.admin.listGroups().catch(() => [])));
    const byId = new Map(lists.flat().map((g) => [g.groupId, g]));
    return [...byId.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  describeGroup(groupId: string): ReturnType<Admin["describeGroup"]> {
    return this.run(() => this.cluster.coordinatorFor(groupId), (a) => a.describeGroup(groupId));
  }

  committedOffsets(groupId: string, topics: string[] = []): ReturnType<Admin["committedOffsets"]> {
    return this.run(() => this.cluster.coordinatorFor(groupId), (a) => a.committedOffsets(groupId, topics));
  }

  resetOffsets(groupId: string, topic: string, to: Parameters<Admin["resetOffsets"]>[2]): ReturnType<Admin["resetOffsets"]> {
    return this.run(() => this.cluster.coordinatorFor(groupId), (a) => a.resetOffsets(groupId, topic, to));
  }

  deleteGroup(groupId: string): Promise<void> {
    return this.run(() => this.cluster.coordinatorFor(groupId), (a) => a.deleteGroup(groupId));
  }

  commitOffsets(groupId: string, offsets: Parameters<Admin["commitOffsets"]>[1]): Promise<void> {
    return this.run(() => this.cluster.coordinatorFor(groupId), (a) => a.commitOffsets(groupId, offsets));
  }
}
