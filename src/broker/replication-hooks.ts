// The broker core's seam for cluster mode (src/cluster/ implements it; a single node has none). The core
// asks it who may serve a partition and how far readers may see; the cluster layer owns everything else
// (etcd metadata, elections, the replica fetchers).

import type { Acks, FetchOk, ProduceOk } from "../shard/protocol.js";

export interface ReplicationHooks {
  /**
   * Throws NOT_LEADER_OR_FOLLOWER unless this broker leads the partition (and, for acks=all, the typed
   * NOT_ENOUGH_REPLICAS while the ISR is below min.insync.replicas). Returns the leader epoch to stamp.
   */
  checkLeader(topic: string, partition: number, acks?: Acks): number;
  /** After a local append on the leader: resolves when the produce may be answered (acks=all: the ISR has it). */
  appended(topic: string, partition: number, ok: ProduceOk, acks: Acks): Promise<void>;
  /** The offset below which readers see records (the smallest log end in the ISR). */
  highWatermark(topic: string, partition: number): bigint;
  /**
   * After a DeleteRecords moved the leader's log start to `logStart`: resolves with the partition's low
   * watermark once every follower that could be elected has moved its log start as far.
   */
  logStartMoved(topic: string, partition: number, logStart: bigint): Promise<bigint>;
}

/** Cuts a fetch result to the batches wholly below `hw`, and reports `hw` as the visible end. */
export function capAtHighWatermark(result: FetchOk, hw: bigint): FetchOk {
  const records = result.records;
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  let at = 0;
  while (at + 61 <= records.byteLength) {
    const base = view.getBigInt64(at);
    const last = base + BigInt(view.getInt32(at + 23));
    if (last >= hw) break;
    at += 12 + view.getInt32(at + 8);
  }
  return {
    ...result,
    records: at >= records.byteLength ? records : records.subarray(0, at),
    highWatermark: hw,
    lastStableOffset: result.lastStableOffset < hw ? result.lastStableOffset : hw,
    logEndOffset: hw,
  };
}

/** Cluster mode: what the front ends tell clients (Metadata, FindCoordinator), and topic admin via etcd. */
export interface ClusterView {
  readonly brokerId: number;
  /** `wsUrl`: the broker's --advertised-ws-url, when it set one. */
  brokers(): Array<{ id: number; host: string; kafkaPort: number; wsPort: number; wsScheme?: string; wsUrl?: string }>;
  controllerId(): number;
  /** Leader, epoch, replicas and ISR of a partition; undefined when the metadata does not know it. */
  partition(topic: string, partition: number): { leader: number; leaderEpoch: number; replicas: number[]; isr: number[] } | undefined;
  /** Asks the controller to create the topic and resolves once this broker has it (or rejects). */
  createTopic(name: string, options: { partitions?: number; replicationFactor?: number; configs?: Record<string, string> }): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  /** Asks the controller to grow the topic to `total` partitions; resolves once this broker has them. */
  addPartitions(name: string, total: number): Promise<void>;
  /**
   * OffsetForLeaderEpoch from this leader's epoch cache: the largest epoch <= `epoch` and where it ends
   * (the next epoch's start, or the log end). undefined when this broker does not lead the partition.
   */
  epochEnd?(topic: string, partition: number, epoch: number): { epoch: number; endOffset: bigint } | undefined;
  /**
   * The topic's partition count in the cluster metadata (undefined: no such topic), whether or not this
   * broker hosts a replica of it (the group coordinator assigns from it, as Kafka's does).
   */
  partitionCount?(topic: string): number | undefined;
  /**
   * The partition's high watermark as its leader knows it (this broker's, or asked of the leader);
   * undefined when there is no leader or it did not answer (the group coordinator's log end and lag).
   */
  leaderHighWatermark?(topic: string, partition: number): Promise<bigint | undefined>;
  /**
   * Asks the controller to move a partition to `replicas` (null: cancel the reassignment in progress), as
   * Kafka's AlterPartitionReassignments; resolves once the request is recorded, not when the move is done.
   * Rejects with a KafkaProtocolError (INVALID_REPLICA_ASSIGNMENT, NO_REASSIGNMENT_IN_PROGRESS, ...).
   */
  reassign?(topic: string, partition: number, replicas: number[] | null, allowReplicationFactorChange: boolean): Promise<void>;
  /**
   * The reassignments in progress (ListPartitionReassignments), optionally only the partitions `only` keeps,
   * as the metadata store holds them now (a linearizable read, not this broker's possibly lagging copy).
   */
  reassignments?(only?: (topic: string, partition: number) => boolean): Promise<Array<{ topic: string; partition: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }>>;
  /**
   * The dynamic configs the cluster metadata holds for a broker (id, or "" for the cluster default) or a
   * topic: the replication throttles (throttle-configs.ts), read from the metadata store now.
   */
  dynamicConfigs?(kind: "broker" | "topic", name: string): Promise<Record<string, string>>;
  /** This broker's replication throttle now, per direction (/metrics). */
  replicationThrottle?(): ReplicationThrottleStats;
  /**
   * Sets those of the resource named in `names` to what `change` makes of the current ones (a name left
   * out is removed; undefined: nothing to change), at once and as a compare-and-swap: a concurrent writer
   * of the same configs makes it read and apply `change` again, so neither change is lost (a change may thus
   * run more than once; a throw from it changes nothing). Rejects with a retriable ConcurrentUpdateError if
   * it keeps losing. Resolves to what was written (undefined: nothing).
   */
  updateDynamicConfigs?(kind: "broker" | "topic", name: string, names: readonly string[], change: (current: Record<string, string>) => Record<string, string> | undefined): Promise<Record<string, string> | undefined>;
}

/** One direction of a broker's replication throttle (src/cluster/replication-quota.ts). */
export interface ThrottleDirectionStats {
  /** Bytes per second now; undefined: no limit. */
  rate: number | undefined;
  /** Bytes sent (leader) or fetched (follower) through the throttle since the broker started. */
  throttledBytes: number;
  /** Milliseconds replication waited for the throttle since the broker started. */
  delayedMs: number;
}

export interface ReplicationThrottleStats {
  leader: ThrottleDirectionStats;
  follower: ThrottleDirectionStats;
}
