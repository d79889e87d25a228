// Transactional offsets across brokers (docs/cluster.md "Transactions in cluster mode"). Kafka clients send
// TxnOffsetCommit to the GROUP's coordinator (the leader of the group's __consumer_offsets partition),
// while the transaction's state lives at the transactional id's coordinator (the leader of its
// __transaction_state partition), and at commit the offsets must reach the group's coordinator again. Two
// requests on the replication listener (beside "marker", txn-markers.ts) carry them:
//
//   txnOffsets    group coordinator → id's coordinator: a TxnOffsetCommit whose group the sender checked
//                 (generation, member); answered with the per-partition codes (or one code)
//   groupOffsets  id's coordinator → group coordinator: a committing transaction's offsets of one group,
//                 written to __consumer_offsets there; an error fails the commit step, which the
//                 coordinator retries (the transaction stays PrepareCommit until it succeeds)
//
// Either side may be this broker: then nothing crosses the network.

import { KafkaErrors, KafkaProtocolError } from "../errors/index.js";
import type { Broker } from "../broker/broker.js";
import type { GroupCoordinator } from "../groups/coordinator.js";
import { OFFSETS_TOPIC } from "../groups/broker-offset-log.js";
import { TRANSACTION_STATE_TOPIC, type TransactionCoordinator } from "../transactions/index.js";
import { kafkaPartitionFor, type GroupOffsetTopics, type TxnOffsetCommitRequest, type TxnRouting } from "../transactions/support.js";
import type { MarkerRouter } from "./txn-markers.js";
import type { Frame } from "./wire.js";

type Codes = number | Map<string, Map<number, number>>;

export function transactionRouting(broker: Broker, markers: MarkerRouter, transactions: TransactionCoordinator, groups: GroupCoordinator): TxnRouting {
  const leaderFor = (topic: string, key: string) => {
    const partitions = broker.topic(topic)?.partitions ?? 0;
    const leader = partitions > 0 ? markers.leaderOf(topic, kafkaPartitionFor(key, partitions)) : -1;
    if (leader < 0) throw new KafkaProtocolError("COORDINATOR_NOT_AVAILABLE", `no leader for ${key}'s ${topic} partition`, { retriable: true });
    return leader;
  };
  const commitHere = async (group: string, topics: GroupOffsetTopics) => {
    const response = await groups.commitTransactionalOffsets(group, topics);
    const failed = response.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== KafkaErrors.NONE.code && p.errorCode !== KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code);
    if (failed) throw new KafkaProtocolError("COORDINATOR_NOT_AVAILABLE", `transactional offsets for group ${group} not written (code ${failed.errorCode})`, { retriable: true });
  };
  markers.others = async (h: Frame["header"]) => {
    if (h.type === "txnOffsets" && typeof h.request === "object" && h.request !== null) {
      return { codes: encodeCodes(await transactions.txnOffsetCommit(h.request as TxnOffsetCommitRequest, true)) };
    }
    if (h.type === "groupOffsets" && typeof h.group === "string" && Array.isArray(h.topics)) {
      await commitHere(h.group, h.topics as GroupOffsetTopics);
      return { ok: true };
    }
    throw new KafkaProtocolError("INVALID_REQUEST", `malformed ${String(h.type)} request`);
  };
  return {
    async txnOffsetCommit(request) {
      try {
        const leader = leaderFor(TRANSACTION_STATE_TOPIC, request.transactionalId);
        if (leader === markers.selfId) return KafkaErrors.NOT_COORDINATOR.code; // we are it, but not loaded: retry
        return decodeCodes((await markers.request(leader, { type: "txnOffsets", request })).codes);
      } catch (error) {
        return (error as { code?: string }).code === "COORDINATOR_NOT_AVAILABLE" ? KafkaErrors.COORDINATOR_NOT_AVAILABLE.code : KafkaErrors.COORDINATOR_LOAD_IN_PROGRESS.code;
      }
    },
    async commitGroupOffsets(group, topics) {
      const leader = leaderFor(OFFSETS_TOPIC, group);
      if (leader === markers.selfId) return commitHere(group, topics);
      await markers.request(leader, { type: "groupOffsets", group, topics });
    },
  };
}

function encodeCodes(codes: Codes): number | [string, [number, number][]][] {
  return typeof codes === "number" ? codes : [...codes].map(([topic, byPartition]) => [topic, [...byPartition]]);
}

function decodeCodes(wire: unknown): Codes {
  if (typeof wire === "number") return wire;
  if (!Array.isArray(wire)) return KafkaErrors.UNKNOWN_SERVER_ERROR.code;
  return new Map((wire as [string, [number, number][]][]).map(([topic, pairs]) => [topic, new Map(pairs)]));
}
