// The transaction coordinator's helpers that need none of its state: the Describe/ListTransactions views,
// committing a transaction's offsets through the group coordinator, the per-id lock, Kafka's partitionFor,
// the replay of one __transaction_state record, and the partitions a request adds to a transaction.

import { KafkaErrors, KafkaProtocolError } from "../errors/index.js";
import type { GroupCoordinator } from "../groups/coordinator.js";
import type { Logger } from "../log.js";
import { decodeTxnKey, decodeTxnValue, type PendingOffset, type TxnStateRecord } from "./state-records.js";

export interface TxnMeta extends TxnStateRecord {
  readonly transactionalId: string;
}

export interface TxnOffsetCommitRequest {
  transactionalId: string;
  groupId: string;
  producerId: bigint;
  producerEpoch: number;
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
  topics: readonly { name: string; partitions: readonly { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch?: number; committedMetadata: string | null }[] }[];
}

export type GroupOffsetTopics = { name: string; partitions: { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }[] }[];

/** A partition a transactional Produce writes to. */
export interface ProduceTarget {
  topic: string;
  partition: number;
}

/** A partition leader's question to the id's coordinator before appending (KIP-890; `add`: transactions v2). */
export interface ProduceCheck {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  items: readonly ProduceTarget[];
  add: boolean;
}

/** Cluster mode (src/cluster/txn-routing.ts): what crosses brokers besides markers. */
export interface TxnRouting {
  /** A TxnOffsetCommit the group's coordinator checked, to the transactional id's coordinator (`implicitAdd`: v5). */
  txnOffsetCommit(request: TxnOffsetCommitRequest, implicitAdd?: boolean): Promise<number | Map<string, Map<number, number>>>;
  /** A leader's ProduceCheck, to the id's coordinator: a code per item (coordinator errors as they are). */
  checkProduce?(request: ProduceCheck): Promise<number[]>;
  /** A committing transaction's offsets of one group, at that group's coordinator (maybe this broker). */
  commitGroupOffsets(group: string, topics: GroupOffsetTopics): Promise<void>;
}

const STATES = new Set<string>(["Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence"]);

/** DescribeTransactions: one state per id; TRANSACTIONAL_ID_NOT_FOUND for unknown ids, `notReady` for all while loading or closed. */
export function describeTransactions(txns: ReadonlyMap<string, TxnMeta>, ids: readonly string[], notReady: number | undefined) {
  return ids.map((id) => {
    const meta = txns.get(id);
    const base = { transactionalId: id, transactionState: "", transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] as { topic: string; partitions: number[] }[] };
    if (notReady) return { ...base, errorCode: notReady };
    if (!meta) return { ...base, errorCode: KafkaErrors.TRANSACTIONAL_ID_NOT_FOUND.code };
    return {
      errorCode: KafkaErrors.NONE.code,
      transactionalId: id,
      transactionState: meta.status,
      transactionTimeoutMs: meta.timeoutMs,
      transactionStartTimeMs: BigInt(meta.startMs),
      producerId: meta.producerId,
      producerEpoch: meta.producerEpoch,
      topics: [...meta.partitions].map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) })),
    };
  });
}

/** ListTransactions: by state names (unknown ones echoed), producer ids and, v1+, Ongoing for longer than `durationFilterMs`. */
export function listTransactions(
  txns: Iterable<TxnMeta>,
  stateFilters: readonly string[],
  producerIdFilters: readonly bigint[],
  durationFilterMs: bigint,
  now: number,
  notReady: number | undefined,
) {
  const unknownStateFilters = stateFilters.filter((s) => !STATES.has(s));
  const transactionStates = [...txns]
    .filter((m) => stateFilters.length === 0 || stateFilters.includes(m.status))
    .filter((m) => producerIdFilters.length === 0 || producerIdFilters.includes(m.producerId))
    .filter((m) => durationFilterMs < 0n || (m.status === "Ongoing" && BigInt(now - m.startMs) > durationFilterMs))
    .map((m) => ({ transactionalId: m.transactionalId, producerId: m.producerId, transactionState: m.status }));
  return { errorCode: notReady ?? KafkaErrors.NONE.code, unknownStateFilters, transactionStates };
}

/** Writes a committing transaction's offsets to __consumer_offsets, group by group; throws if any is refused. */
export async function commitPendingOffsets(groups: GroupCoordinator | undefined, pending: readonly PendingOffset[], routing?: TxnRouting): Promise<void> {
  if (!groups && !routing) throw new KafkaProtocolError("COORDINATOR_NOT_AVAILABLE", "no group coordinator for the transaction's offsets");
  const byGroup = new Map<string, Map<string, { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }[]>>();
  for (const o of pending) {
    let topics = byGroup.get(o.group);
    if (!topics) byGroup.set(o.group, (topics = new Map()));
    let list = topics.get(o.topic);
    if (!list) topics.set(o.topic, (list = []));
    list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, committedMetadata: o.metadata });
  }
  for (const [group, topics] of byGroup) {
    if (routing) {
      await routing.commitGroupOffsets(group, [...topics].map(([name, partitions]) => ({ name, partitions })));
      continue;
    }
    const response = await groups!.commitTransactionalOffsets(group, [...topics].map(([name, partitions]) => ({ name, partitions })));
    // A partition deleted meanwhile has nothing to commit to.
    const failed = response.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== KafkaErrors.NONE.code && p.errorCode !== KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code);
    if (failed) throw new KafkaProtocolError("COORDINATOR_NOT_AVAILABLE", `transactional offsets for group ${group} not written (code ${failed.errorCode})`);
  }
}

/**
 * KIP-890 style verification of a transactional Produce: the producer's current epoch and a partition of
 * its Ongoing transaction; else INVALID_PRODUCER_EPOCH (an older epoch: a zombie) or INVALID_TXN_STATE.
 */
export function verifyTransactionalWrite(meta: TxnMeta | undefined, topic: string, partition: number, producerId: bigint, producerEpoch: number): Error | undefined {
  if (!meta || meta.producerId !== producerId) return new KafkaProtocolError("INVALID_TXN_STATE", `producer ${producerId} has no transaction`);
  if (producerEpoch < meta.producerEpoch) {
    return new KafkaProtocolError("INVALID_PRODUCER_EPOCH", `producer ${producerId} epoch ${producerEpoch} is fenced by epoch ${meta.producerEpoch}`);
  }
  if (producerEpoch !== meta.producerEpoch || meta.status !== "Ongoing" || !meta.partitions.get(topic)?.has(partition)) {
    return new KafkaProtocolError("INVALID_TXN_STATE", `${topic}-${partition} is not in an ongoing transaction of producer ${producerId} epoch ${producerEpoch}`);
  }
  return undefined;
}

/** Runs operations one at a time per key, in arrival order (a failed one does not block the next). */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }
}

/** Kafka's partitionFor of a group or transactional id: abs(String#hashCode) % partitions. */
export function kafkaPartitionFor(id: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (Math.imul(31, h) + id.charCodeAt(i)) | 0;
  return (h === -0x80000000 ? 0 : Math.abs(h)) % partitions;
}

/** Applies one __transaction_state record (replay): the latest record per id is its state; null deletes it. */
export function replayStateRecord(txns: Map<string, TxnMeta>, byProducer: Map<bigint, string>, key: Uint8Array, value: Uint8Array | null, logger: Logger): void {
  let id: string;
  try {
    id = decodeTxnKey(key);
  } catch (error) {
    logger.warn("skipping an unreadable __transaction_state key", { error });
    return;
  }
  const old = txns.get(id);
  if (old) byProducer.delete(old.producerId);
  if (value === null) {
    txns.delete(id);
    return;
  }
  try {
    const meta: TxnMeta = { transactionalId: id, ...decodeTxnValue(value) };
    txns.set(id, meta);
    byProducer.set(meta.producerId, id);
  } catch (error) {
    logger.warn("skipping an unreadable __transaction_state value", { transactionalId: id, error });
  }
}

/**
 * The state change that adds `topics` to the transaction (AddPartitions/AddOffsets): a transaction not yet
 * Ongoing starts now with exactly them; an Ongoing one gains the new ones. Undefined when nothing changes.
 */
export function partitionsAdded(meta: TxnMeta, topics: readonly { name: string; partitions: readonly number[] }[], now: number): Partial<TxnStateRecord> | undefined {
  const starting = meta.status !== "Ongoing";
  const partitions = starting ? new Map<string, Set<number>>() : new Map([...meta.partitions].map(([t, s]) => [t, new Set(s)]));
  let added = starting;
  for (const t of topics) {
    let set = partitions.get(t.name);
    if (!set) partitions.set(t.name, (set = new Set()));
    for (const p of t.partitions) {
      if (!set.has(p)) {
        set.add(p);
        added = true;
      }
    }
  }
  if (!added) return undefined;
  return starting ? { status: "Ongoing", partitions, startMs: now, pendingOffsets: [] } : { partitions };
}

/**
 * TxnOffsetCommit's effect: the transaction's pending offsets with the request's replacing earlier ones of
 * the same group and partitions, and an error code per requested partition (unknown ones are not kept).
 */
export function pendingOffsetsAfter(
  meta: TxnMeta,
  request: { groupId: string; topics: readonly { name: string; partitions: readonly { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch?: number; committedMetadata: string | null }[] }[] },
  partitionCount: (topic: string) => number,
): { codes: Map<string, Map<number, number>>; pending: PendingOffset[] } {
  const codes = new Map<string, Map<number, number>>();
  const pending = meta.pendingOffsets.filter((o) => !(o.group === request.groupId && request.topics.some((t) => t.name === o.topic && t.partitions.some((p) => p.partitionIndex === o.partition))));
  for (const t of request.topics) {
    const byPartition = new Map<number, number>();
    codes.set(t.name, byPartition);
    const count = partitionCount(t.name);
    for (const p of t.partitions) {
      if (!(p.partitionIndex >= 0 && p.partitionIndex < count)) {
        byPartition.set(p.partitionIndex, KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code);
        continue;
      }
      byPartition.set(p.partitionIndex, KafkaErrors.NONE.code);
      pending.push({ group: request.groupId, topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch ?? -1, metadata: p.committedMetadata });
    }
  }
  return { codes, pending };
}
