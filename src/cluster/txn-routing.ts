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
//   produceTxn    partition leader → id's coordinator, before a transactional batch is appended (KIP-890,
//                 Kafka's AddPartitionsToTxn v4+ between brokers, batched per Produce request): `add`
//                 (Produce v12+, transactions v2) adds the partitions to the transaction; else (v1) verifies
//                 that they are in it, so a hanging or zombie write cannot land outside its transaction. The
//                 answer is a code per partition. An unreachable or moved coordinator answers the producer
//                 with a retriable code (never a hung request: the wait is bounded by PRODUCE_CHECK_TIMEOUT_MS).
//
// Either side may be this broker: then nothing crosses the network.

import { KafkaErrors, KafkaProtocolError } from "../errors/index.js";
import type { Broker } from "../broker/broker.js";
import type { GroupCoordinator } from "../groups/coordinator.js";
import { OFFSETS_TOPIC } from "../groups/broker-offset-log.js";
import { TRANSACTION_STATE_TOPIC, type TransactionCoordinator } from "../transactions/index.js";
import { kafkaPartitionFor, type GroupOffsetTopics, type ProduceCheck, type TxnOffsetCommitRequest, type TxnRouting } from "../transactions/support.js";
import type { MarkerRouter } from "./txn-markers.js";
import type { Frame } from "./wire.js";

type Codes = number | Map<string, Map<number, number>>;

/** How long a leader waits for the id's coordinator before answering the producer with a retriable code. */
const PRODUCE_CHECK_TIMEOUT_MS = 5_000;

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
      return { codes: encodeCodes(await transactions.txnOffsetCommit(h.request as TxnOffsetCommitRequest, true, h.implicitAdd === true)) };
    }
    if (h.type === "produceTxn") return { codes: await transactions.produceVerifier.answerProduceCheck(produceCheckOf(h)) };
    if (h.type === "groupOffsets" && typeof h.group === "string" && Array.isArray(h.topics)) {
      await commitHere(h.group, h.topics as GroupOffsetTopics);
      return { ok: true };
    }
    throw new KafkaProtocolError("INVALID_REQUEST", `malformed ${String(h.type)} request`);
  };
  return {
    async txnOffsetCommit(request, implicitAdd = false) {
      try {
        const leader = leaderFor(TRANSACTION_STATE_TOPIC, request.transactionalId);
        if (leader === markers.selfId) return KafkaErrors.NOT_COORDINATOR.code; // we are it, but not loaded: retry
        return decodeCodes((await markers.request(leader, { type: "txnOffsets", request, implicitAdd })).codes);
      } catch (error) {
        return (error as { code?: string }).code === "COORDINATOR_NOT_AVAILABLE" ? KafkaErrors.COORDINATOR_NOT_AVAILABLE.code : KafkaErrors.COORDINATOR_LOAD_IN_PROGRESS.code;
      }
    },
    async checkProduce(request) {
      const all = (code: number) => request.items.map(() => code);
      try {
        const leader = leaderFor(TRANSACTION_STATE_TOPIC, request.transactionalId);
        if (leader === markers.selfId) return all(KafkaErrors.NOT_COORDINATOR.code); // we are it, but not loaded yet
        const { transactionalId, producerId, producerEpoch, add } = request;
        const items = request.items.map((i) => [i.topic, i.partition]);
        const h = await markers.request(leader, { type: "produceTxn", transactionalId, producerId, producerEpoch, items, add }, PRODUCE_CHECK_TIMEOUT_MS);
        const codes = h.codes;
        const valid = Array.isArray(codes) && codes.length === request.items.length && codes.every((c) => Number.isInteger(c));
        return valid ? (codes as number[]) : all(KafkaErrors.UNKNOWN_SERVER_ERROR.code);
      } catch (error) {
        // Down (connection refused, timed out), moved (NOT_COORDINATOR from the old leader) or unknown.
        const code = (error as { code?: string }).code;
        return all(code === "NOT_COORDINATOR" ? KafkaErrors.NOT_COORDINATOR.code : KafkaErrors.COORDINATOR_NOT_AVAILABLE.code);
      }
    },
    async commitGroupOffsets(group, topics) {
      const leader = leaderFor(OFFSETS_TOPIC, group);
      if (leader === markers.selfId) return commitHere(group, topics);
      await markers.request(leader, { type: "groupOffsets", group, topics });
    },
  };
}

/** A produceTxn request's fields, checked: anything else is INVALID_REQUEST (a hostile or garbled frame). */
function produceCheckOf(h: Frame["header"]): ProduceCheck {
  const { transactionalId, producerId, producerEpoch, items, add } = h;
  const valid = typeof transactionalId === "string" && transactionalId.length > 0 && typeof producerId === "bigint" && producerId >= 0n
    && Number.isInteger(producerEpoch) && (producerEpoch as number) >= 0 && (producerEpoch as number) <= 32767 && typeof add === "boolean"
    && Array.isArray(items) && items.length > 0 && items.length <= 100_000
    && items.every((i) => Array.isArray(i) && typeof i[0] === "string" && Number.isInteger(i[1]) && (i[1] as number) >= 0);
  if (!valid) throw new KafkaProtocolError("INVALID_REQUEST", "malformed produceTxn request");
  const targets = (items as [string, number][]).map(([topic, partition]) => ({ topic, partition }));
  return { transactionalId, producerId, producerEpoch: producerEpoch as number, items: targets, add };
}

function encodeCodes(codes: Codes): number | [string, [number, number][]][] {
  return typeof codes === "number" ? codes : [...codes].map(([topic, byPartition]) => [topic, [...byPartition]]);
}

function decodeCodes(wire: unknown): Codes {
  if (typeof wire === "number") return wire;
  if (!Array.isArray(wire)) return KafkaErrors.UNKNOWN_SERVER_ERROR.code;
  return new Map((wire as [string, [number, number][]][]).map(([topic, pairs]) => [topic, new Map(pairs)]));
}
