// The transaction coordinator (Kafka's TransactionCoordinator for one node): transactional ids, their
// producer id and epoch, the partitions and offsets of the open transaction, and the two-phase end that
// writes commit/abort markers to every partition. State lives in the compacted `__transaction_state` topic
// (state-records.ts), one record per change, written (acks=all) before the change is acted upon.
//
// Behavior:
// - InitProducerId(id): a new id gets a fresh producer id, epoch 0, state Empty. A known id gets its epoch
//   bumped (a new producer id once the epoch would pass 32766), which fences the previous instance; an
//   Ongoing transaction of the old epoch is aborted first (markers written at the bumped epoch). v3+
//   requests naming a producer id/epoch that is not the current one get PRODUCER_FENCED.
//   transaction.timeout.ms above maxTimeoutMs (Kafka's transaction.max.timeout.ms) or <= 0 gets
//   INVALID_TRANSACTION_TIMEOUT.
// - Every other request checks the id (unknown: INVALID_PRODUCER_ID_MAPPING), the producer id (another:
//   INVALID_PRODUCER_ID_MAPPING) and the epoch (another: PRODUCER_FENCED; the handlers answer
//   INVALID_PRODUCER_EPOCH to versions that predate it). While an end is in progress (Prepare*):
//   CONCURRENT_TRANSACTIONS (retriable).
// - AddPartitionsToTxn / AddOffsetsToTxn move the id to Ongoing (start time = now) and add the partitions
//   (the group's __consumer_offsets partition for AddOffsets). Unknown partitions fail the whole request:
//   UNKNOWN_TOPIC_OR_PARTITION on them, OPERATION_NOT_ATTEMPTED on the rest, as Kafka answers.
// - TxnOffsetCommit needs an Ongoing transaction (else INVALID_TXN_STATE); the offsets are held in the
//   transaction's state (durably) and written to __consumer_offsets only when it commits.
// - EndTxn: Ongoing → PrepareCommit/PrepareAbort (durable) → markers on every partition (fsynced) →
//   offsets to __consumer_offsets (commit only) → CompleteCommit/CompleteAbort (durable). The answer is
//   sent after the Complete record, so a client's next transaction never races its previous markers. A
//   failed marker write leaves the transaction Prepare*; the timer retries it, the answer is still NONE
//   (the outcome is decided once Prepare* is durable). Retrying an end that already completed the same
//   way answers NONE; the other way, or an end with nothing open, INVALID_TXN_STATE.
// - Restart: the topic is replayed; Prepare* transactions are finished (markers again: a duplicate marker
//   is harmless), Ongoing ones keep running until they end or time out.
// - Ongoing transactions older than their timeout are aborted with the epoch bumped (the producer is
//   fenced, as Kafka does), checked every abortCheckMs.
// - Produce: a transactional batch is accepted only from the current epoch of an Ongoing transaction that
//   holds the partition (KIP-890 style verification): an older epoch gets INVALID_PRODUCER_EPOCH, anything
//   else INVALID_TXN_STATE. That verification is in produce-verifier.ts.
// The two-phase end itself (Prepare → markers → Complete, and the fencing abort) is in end.ts.
// Transactions v2 (KIP-890 part 2): EndTxn v5 bumps the epoch at every end (end-v2.ts); Produce v12+ and
// TxnOffsetCommit v5 add the partition / the group's offsets partition themselves (produce-verifier.ts's
// addForProduce, implicitAdd here).

import { KafkaErrors } from "../errors/index.js";
import { createLogger, type Logger } from "../log.js";
import { BrokerOffsetLog } from "../groups/broker-offset-log.js";
import type { GroupCoordinator } from "../groups/coordinator.js";
import type { MarkerItem, MarkerOk } from "../shard/protocol.js";
import { TxnOwnership } from "./ownership.js";
import type { Result } from "../broker/router.js";
import { type TxnStatusName } from "./state-records.js";
import { describeTransactions, listTransactions, pendingOffsetsAfter, replayStateRecord, type TxnMeta, type TxnOffsetCommitRequest, type TxnRouting } from "./support.js";
import type { TransactionBroker } from "./broker-slice.js";
import { TxnRegistry } from "./txn-registry.js";
import { abortFenced, MAX_EPOCH, retryEnds, tryComplete, type EndContext } from "./end.js";
import { endTxnV2, type EndV2Result } from "./end-v2.js";
import { ProduceVerifier } from "./produce-verifier.js";

export const TRANSACTION_STATE_TOPIC = "__transaction_state";
const OPERATION_NOT_ATTEMPTED = 55;

export type { TransactionBroker } from "./broker-slice.js";

export interface TransactionCoordinatorOptions {
  logger?: Logger;
  /** Partitions of __transaction_state when it is created. Default 4 (Kafka: 50). */
  partitions?: number;
  /** Kafka's transaction.max.timeout.ms. Default 900000. */
  maxTimeoutMs?: number;
  /** How often timed-out transactions are aborted and unfinished ends retried. Default 1000 ms. */
  abortCheckMs?: number;
  clock?: () => number;
  /**
   * Fault injection for the crash tests: called at each step of an end ("prepared", "markers-written");
   * the tests' child broker kills itself there (RIVULET_TXN_CRASH_AT).
   */
  onStep?: (step: "prepared" | "markers-written", transactionalId: string) => void;
  /**
   * Cluster mode: start owning nothing (no interrupted end is finished from the local copy); the cluster
   * layer loads the __transaction_state partitions this broker leads (loadPartition, ownership.ts).
   */
  partitioned?: boolean;
}

export type TxnResult = { errorCode: number };

export class TransactionCoordinator extends TxnRegistry {
  private readonly maxTimeoutMs: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** What the two-phase end (end.ts) needs of this coordinator. */
  private readonly ending: EndContext;
  /** Where markers go: the local shards, or (cluster mode) each partition's leader. */
  private markerWriter: (items: MarkerItem[]) => Promise<Result<MarkerOk>[]>;
  /** Cluster mode: TxnOffsetCommit forwarding and offsets to other brokers' groups. */
  private routing: TxnRouting | undefined;
  /**
   * Transactional Produce (KIP-890): the partition leader's check (produce-check.ts asks it), the answer to
   * a leader on another broker (txn-routing.ts), the verified partitions markers end (txn-markers.ts).
   */
  readonly produceVerifier: ProduceVerifier;
  /** Transactions v2: the producer id an id had before its epoch overflowed (EndTxn v5 retries; memory only). */
  private readonly previousProducerIds = new Map<string, bigint>();

  constructor(
    broker: TransactionBroker,
    private readonly groups: GroupCoordinator | undefined,
    private readonly options: TransactionCoordinatorOptions = {},
  ) {
    const logger = options.logger ?? createLogger();
    super(broker, new BrokerOffsetLog(broker, { topic: TRANSACTION_STATE_TOPIC, partitions: options.partitions ?? 4, logger }), logger, options.clock ?? Date.now);
    this.maxTimeoutMs = options.maxTimeoutMs ?? 900_000;
    this.markerWriter = (items) => broker.writeMarkers(items);
    this.ending = {
      broker: { initProducerId: () => broker.initProducerId(), writeMarkers: (items) => this.markerWriter(items) },
      groups,
      logger: this.logger,
      onStep: options.onStep,
      transition: (meta, changes) => this.transition(meta, changes),
      forgetProducer: (producerId) => this.byProducer.delete(producerId),
    };
    this.produceVerifier = new ProduceVerifier({
      broker,
      txns: this.txns,
      byProducer: this.byProducer,
      locks: this.locks,
      statusError: (transactionalId) => this.statusError(transactionalId),
      partitioned: () => this.ownership !== undefined,
      routing: () => this.routing,
      checkNotEnding: (meta) => this.checkNotEnding(meta),
      addToTransaction: (meta, topics) => this.addToTransaction(meta, topics),
    });
  }

  get isActive(): boolean {
    return this.status === "active";
  }

  /** Replays __transaction_state, finishes interrupted ends, starts the timeout timer. */
  async start(): Promise<void> {
    await this.log.replay(({ key, value }) => replayStateRecord(this.txns, this.byProducer, key, value, this.logger));
    this.broker.setTransactionalWriteCheck((topic, partition, producerId, producerEpoch) => this.produceVerifier.checkWrite(topic, partition, producerId, producerEpoch));
    this.status = "active";
    if (this.options.partitioned) return this.partitioned();
    const unfinished = [...this.txns.values()].filter((m) => m.status === "PrepareCommit" || m.status === "PrepareAbort");
    for (const meta of unfinished) {
      this.logger.info("finishing a transaction interrupted by a restart", { transactionalId: meta.transactionalId, status: meta.status });
      await this.locks.run(meta.transactionalId, () => tryComplete(this.ending, meta));
    }
    this.timer = setInterval(() => void this.tick(), this.options.abortCheckMs ?? 1000);
    this.timer.unref?.();
  }

  // ---- cluster mode (src/cluster/txn-markers.ts drives these; ownership.ts) -----------------------------

  /** Answers only for ids of loaded partitions; forgets what the local replay found. */
  partitioned(markerWriter?: (items: MarkerItem[]) => Promise<Result<MarkerOk>[]>, routing?: TxnRouting, stateLeaderEpoch?: (partition: number) => number): void {
    if (markerWriter) this.markerWriter = markerWriter;
    if (stateLeaderEpoch) this.ending.coordinatorEpoch = (transactionalId) => stateLeaderEpoch(this.log.partitionFor(transactionalId));
    if (routing) this.routing = this.ending.routing = routing;
    this.ownership ??= new TxnOwnership({
      txns: this.txns,
      byProducer: this.byProducer,
      log: this.log,
      locks: this.locks,
      logger: this.logger,
      finish: (meta) => tryComplete(this.ending, meta),
      closed: () => this.status === "closed",
    });
    this.timer ??= setInterval(() => void this.tick(), this.options.abortCheckMs ?? 1000);
    this.timer.unref?.();
  }

  ownedPartitions(): number[] | undefined {
    return this.ownership?.partitions();
  }

  /** This broker now leads `partition`: replay its ids (after `ready`), answer for them, finish their ends. */
  loadPartition(partition: number, ready?: () => Promise<void>): Promise<void> {
    return this.ownership?.load(partition, ready) ?? Promise.resolve();
  }

  unloadPartition(partition: number): void {
    this.ownership?.unload(partition);
  }

  close(): void {
    this.status = "closed";
    if (this.timer) clearInterval(this.timer);
    this.broker.setTransactionalWriteCheck(undefined);
  }

  // ---- Kafka requests ------------------------------------------------------------------------------------

  async initProducerId(
    transactionalId: string,
    timeoutMs: number,
    expected: { producerId: bigint; producerEpoch: number } = { producerId: -1n, producerEpoch: -1 },
  ): Promise<{ errorCode: number; producerId: bigint; producerEpoch: number }> {
    const fail = (errorCode: number) => ({ errorCode, producerId: -1n, producerEpoch: -1 });
    const notReady = this.statusError(transactionalId);
    if (notReady) return fail(notReady);
    if (transactionalId === "") return fail(KafkaErrors.INVALID_REQUEST.code);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > this.maxTimeoutMs) return fail(KafkaErrors.INVALID_TRANSACTION_TIMEOUT.code);
    return this.locks.run(transactionalId, async () => {
      let meta = this.txns.get(transactionalId);
      const now = this.clock();
      if (!meta) {
        const { producerId } = this.broker.initProducerId();
        const next: TxnMeta = { transactionalId, producerId, producerEpoch: 0, timeoutMs, status: "Empty", partitions: new Map(), lastUpdateMs: now, startMs: -1, pendingOffsets: [] };
        await this.persist(next);
        this.txns.set(transactionalId, next);
        this.byProducer.set(producerId, transactionalId);
        return { errorCode: KafkaErrors.NONE.code, producerId, producerEpoch: 0 };
      }
      if (expected.producerId >= 0n && (expected.producerId !== meta.producerId || expected.producerEpoch !== meta.producerEpoch)) {
        return fail(KafkaErrors.PRODUCER_FENCED.code);
      }
      if (meta.status === "PrepareCommit" || meta.status === "PrepareAbort") {
        if (!(await tryComplete(this.ending, meta))) return fail(KafkaErrors.CONCURRENT_TRANSACTIONS.code);
      }
      if (meta.status === "Ongoing") {
        // Fence the old instance: abort its transaction at a bumped epoch.
        await abortFenced(this.ending, meta);
        if ((meta.status as TxnStatusName) !== "CompleteAbort") return fail(KafkaErrors.CONCURRENT_TRANSACTIONS.code);
      }
      meta = this.txns.get(transactionalId)!;
      let { producerId, producerEpoch } = meta;
      if (producerEpoch >= MAX_EPOCH) {
        producerId = this.broker.initProducerId().producerId;
        producerEpoch = 0;
      } else {
        producerEpoch++;
      }
      await this.transition(meta, { producerId, producerEpoch, timeoutMs, status: "Empty", partitions: new Map(), startMs: -1, pendingOffsets: [] });
      return { errorCode: KafkaErrors.NONE.code, producerId, producerEpoch };
    });
  }

  /** AddPartitionsToTxn: error code per requested partition. */
  async addPartitions(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    topics: readonly { name: string; partitions: readonly number[] }[],
  ): Promise<Map<string, Map<number, number>>> {
    const answer = (code: (topic: string, partition: number) => number) =>
      new Map(topics.map((t) => [t.name, new Map(t.partitions.map((p) => [p, code(t.name, p)]))]));
    const notReady = this.statusError(transactionalId);
    if (notReady) return answer(() => notReady);
    const unknown = (topic: string, partition: number) => {
      const count = this.broker.topic(topic)?.partitions ?? 0;
      return !(Number.isInteger(partition) && partition >= 0 && partition < count);
    };
    if (topics.some((t) => t.partitions.some((p) => unknown(t.name, p)))) {
      return answer((t, p) => (unknown(t, p) ? KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code : OPERATION_NOT_ATTEMPTED));
    }
    return this.locks.run(transactionalId, async () => {
      const meta = this.txns.get(transactionalId);
      const error = this.checkProducer(meta, producerId, producerEpoch) ?? this.checkNotEnding(meta!);
      if (error) return answer(() => error);
      await this.addToTransaction(meta!, topics);
      return answer(() => KafkaErrors.NONE.code);
    });
  }

  /** AddOffsetsToTxn: the group's __consumer_offsets partition joins the transaction. */
  async addOffsets(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string): Promise<number> {
    const notReady = this.statusError(transactionalId);
    if (notReady) return notReady;
    if (!this.groups?.isActive) return KafkaErrors.COORDINATOR_NOT_AVAILABLE.code;
    return this.locks.run(transactionalId, async () => {
      const meta = this.txns.get(transactionalId);
      const error = this.checkProducer(meta, producerId, producerEpoch) ?? this.checkNotEnding(meta!);
      if (error) return error;
      await this.addToTransaction(meta!, [{ name: "__consumer_offsets", partitions: [this.offsetsPartition(groupId)] }]);
      return KafkaErrors.NONE.code;
    });
  }

  /** TxnOffsetCommit: the offsets wait in the transaction until it commits. Error code per partition. */
  /** `validated`: the group's coordinator already checked the group (a request forwarded in cluster mode). */
  /** `implicitAdd` (v5, transactions v2): the group's offsets partition joins the transaction first, starting one if none is open. */
  async txnOffsetCommit(request: TxnOffsetCommitRequest, validated = false, implicitAdd = false): Promise<number | Map<string, Map<number, number>>> {
    const notReady = this.statusError(request.transactionalId);
    // Cluster mode: Kafka clients send TxnOffsetCommit to the GROUP's coordinator; it checks the group and
    // forwards to the id's coordinator (src/cluster/txn-routing.ts).
    const forward = notReady === KafkaErrors.NOT_COORDINATOR.code && !validated ? this.routing : undefined;
    if (notReady && !forward) return notReady;
    if (!this.groups) return KafkaErrors.COORDINATOR_NOT_AVAILABLE.code;
    const groupError = validated ? KafkaErrors.NONE.code : this.groups.validateTransactionalCommit({
      groupId: request.groupId,
      generationId: request.generationId ?? -1,
      memberId: request.memberId ?? "",
      groupInstanceId: request.groupInstanceId ?? null,
    });
    if (groupError !== KafkaErrors.NONE.code) return groupError;
    if (forward) return forward.txnOffsetCommit(request, implicitAdd);
    return this.locks.run(request.transactionalId, async () => {
      const meta = this.txns.get(request.transactionalId);
      const fenced = this.checkProducer(meta, request.producerId, request.producerEpoch);
      if (fenced) return fenced === KafkaErrors.PRODUCER_FENCED.code ? KafkaErrors.INVALID_PRODUCER_EPOCH.code : fenced;
      if (implicitAdd) {
        const ending = this.checkNotEnding(meta!);
        if (ending) return ending;
        await this.addToTransaction(meta!, [{ name: "__consumer_offsets", partitions: [this.offsetsPartition(request.groupId)] }]);
      }
      if (meta!.status !== "Ongoing") return KafkaErrors.INVALID_TXN_STATE.code;
      const { codes, pending } = pendingOffsetsAfter(meta!, request, (topic) => this.broker.topic(topic)?.partitions ?? 0);
      await this.transition(meta!, { pendingOffsets: pending });
      return codes;
    });
  }

  /** EndTxn: commit or abort the open transaction (see the Behavior block). */
  async endTxn(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean): Promise<number> {
    const notReady = this.statusError(transactionalId);
    if (notReady) return notReady;
    return this.locks.run(transactionalId, async () => {
      const meta = this.txns.get(transactionalId);
      const error = this.checkProducer(meta, producerId, producerEpoch);
      if (error) return error;
      switch (meta!.status) {
        case "Ongoing":
          break;
        case "PrepareCommit":
        case "PrepareAbort":
          return (meta!.status === "PrepareCommit") === commit ? KafkaErrors.CONCURRENT_TRANSACTIONS.code : KafkaErrors.INVALID_TXN_STATE.code;
        case "CompleteCommit":
        case "CompleteAbort":
          return (meta!.status === "CompleteCommit") === commit ? KafkaErrors.NONE.code : KafkaErrors.INVALID_TXN_STATE.code;
        default:
          return KafkaErrors.INVALID_TXN_STATE.code;
      }
      await this.transition(meta!, { status: commit ? "PrepareCommit" : "PrepareAbort" });
      this.options.onStep?.("prepared", transactionalId);
      await tryComplete(this.ending, meta!);
      return KafkaErrors.NONE.code;
    });
  }

  /** EndTxn v5 (transactions v2): the epoch bumps at every end; the answer carries the id/epoch to use next (end-v2.ts). */
  async endTxnV2(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean): Promise<EndV2Result> {
    const notReady = this.statusError(transactionalId);
    if (notReady) return { errorCode: notReady, producerId: -1n, producerEpoch: -1 };
    return this.locks.run(transactionalId, () =>
      endTxnV2(this.ending, this.txns.get(transactionalId), { producerId, producerEpoch, commit }, this.previousProducerIds, () =>
        this.options.onStep?.("prepared", transactionalId),
      ),
    );
  }

  /**
   * Transactions v2 is finalized (ApiVersions) on a single node, and in cluster mode once the implicit add
   * can reach the id's coordinator on another broker (routing installed: src/cluster/txn-routing.ts).
   */
  get supportsTransactionsV2(): boolean {
    return this.ownership === undefined || this.routing?.checkProduce !== undefined;
  }

  /** DescribeTransactions: one state per id (TRANSACTIONAL_ID_NOT_FOUND for unknown ones). */
  describe(transactionalIds: readonly string[]) {
    return describeTransactions(this.txns, transactionalIds, this.statusError());
  }

  /** ListTransactions: filtered by state names, producer ids and minimum running time (ms, -1 = any). */
  list(stateFilters: readonly string[], producerIdFilters: readonly bigint[], durationFilterMs = -1n) {
    return listTransactions(this.txns.values(), stateFilters, producerIdFilters, durationFilterMs, this.clock(), this.statusError());
  }

  /** Aborts timed-out transactions and retries unfinished ends. */
  private async tick(): Promise<void> {
    if (this.status === "active") await retryEnds(this.ending, this.txns.values(), this.locks, this.clock);
  }
}

export type { TxnStatusName };
