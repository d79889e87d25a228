// Transactions in cluster mode (docs/transactions.md "Cluster mode"): the transaction coordinator of a
// transactional id is the leader of its `__transaction_state` partition and moves with it, as the group
// coordinator moves with `__consumer_offsets` (node.ts followOffsetsLeadership); and its commit/abort
// markers go to each partition's LEADER, wherever it is.
//
// Markers travel over the replication listener (a "marker" request, wire.ts framing), not the Kafka port:
// every broker already serves it, knows every other broker's replication port from etcd, and proves its
// identity there with the cluster secret (replica-auth.ts), whereas a Kafka-port path would need a
// broker-to-broker SASL user and Kafka's WriteTxnMarkers API, which Rivulet's Kafka front end does not serve.
//
// Behavior:
// - write (the coordinator's side): each marker goes to the partition's leader per the etcd snapshot; to
//   itself when this broker leads it. Errors come back typed per item (NOT_LEADER_OR_FOLLOWER,
//   LEADER_NOT_AVAILABLE, a lost connection as NETWORK_EXCEPTION), and the coordinator's end stays
//   Prepare* and is retried by its timer (end.ts) until every leader has its marker.
// - handle (the leader's side): refuses unless this broker leads the partition (NOT_LEADER_OR_FOLLOWER),
//   appends the marker stamped with its leader epoch, and answers once the high watermark passed it (every
//   ISR member has it), so an acknowledged marker survives the leader's death. With no open transaction of
//   the producer there (a retry after an earlier attempt wrote it) nothing is appended and the answer waits
//   for the high watermark to reach the current log end, which covers that earlier marker. Markers carry
//   the coordinator epoch (the leader epoch of the id's __transaction_state partition in the coordinator's
//   snapshot): a leader that already has a marker of the producer from a newer epoch answers
//   TRANSACTION_COORDINATOR_FENCED, so a deposed coordinator cannot end a transaction its successor ended.
// - Leadership of __transaction_state: leader → load the partition once its high watermark covers the log
//   end it had when elected (every state change acknowledged under the old leader is read), finishing any
//   Prepare* end found there (so a coordinator killed -9 mid-commit is completed by the next one); anything
//   else → unload (its ids answer NOT_COORDINATOR and clients run FindCoordinator again).

import { asRivuletError, KafkaProtocolError, type RivuletError } from "../errors/index.js";
import type { Broker } from "../broker/broker.js";
import type { Result } from "../broker/router.js";
import { withTimeout } from "../broker/with-timeout.js";
import type { Logger } from "../log.js";
import type { MarkerItem, MarkerOk, ProduceOk } from "../shard/protocol.js";
import { TRANSACTION_STATE_TOPIC, type TransactionCoordinator } from "../transactions/index.js";
import type { TxnRouting } from "../transactions/support.js";
import type { EtcdSession } from "./etcd-session.js";
import { pkey } from "./layout.js";
import type { ReplicaManager } from "./replica-manager.js";
import { ReplicaClient, type ReplicaCredentials } from "./replica-transport.js";
import type { Frame } from "./wire.js";

const MARKER_TIMEOUT_MS = 15_000;

export class MarkerRouter {
  private readonly clients = new Map<number, ReplicaClient>();

  constructor(private readonly broker: Broker, private readonly session: EtcdSession, private readonly replicas: ReplicaManager, private readonly brokerId: number, private readonly credentials: ReplicaCredentials) {}

  /** The coordinator's side: every marker to its partition's leader. */
  write(items: MarkerItem[]): Promise<Result<MarkerOk>[]> {
    return Promise.all(items.map(async (item): Promise<Result<MarkerOk>> => {
      try {
        const state = this.session.snapshot.partitions.get(pkey(item.topic, item.partition));
        if (!state) throw new KafkaProtocolError("UNKNOWN_TOPIC_OR_PARTITION", `${item.topic}-${item.partition} is not in the cluster metadata`);
        if (state.leader < 0) throw new KafkaProtocolError("LEADER_NOT_AVAILABLE", `${item.topic}-${item.partition} has no leader`, { retriable: true });
        if (state.leader === this.brokerId) return { ok: await this.writeLocal(item) };
        const { topic, partition, producerId, producerEpoch, commit, coordinatorEpoch } = item;
        const h = await this.request(state.leader, { type: "marker", topic, partition, producerId, producerEpoch, commit, coordinatorEpoch });
        return { ok: { offset: h.offset as bigint, logEndOffset: h.logEndOffset as bigint, lastStableOffset: h.lastStableOffset as bigint } };
      } catch (error) {
        if (error instanceof KafkaProtocolError) return { error };
        return { error: new KafkaProtocolError("NETWORK_EXCEPTION", `marker for ${item.topic}-${item.partition}: ${String((error as Error)?.message ?? error)}`, { retriable: true }) as RivuletError };
      }
    }));
  }

  /** A request to another broker's replication listener; its answer header, or the typed error it names. */
  async request(brokerId: number, header: Record<string, unknown>, timeoutMs = MARKER_TIMEOUT_MS): Promise<Record<string, unknown>> {
    const info = this.session.snapshot.brokers.get(brokerId);
    if (!info) throw new KafkaProtocolError("LEADER_NOT_AVAILABLE", `broker ${brokerId} is not registered`, { retriable: true });
    let client = this.clients.get(info.id);
    if (!client || client.host !== info.host || client.port !== info.replicationPort || client.tls !== (info.replicationTls === true)) {
      client?.close();
      this.clients.set(info.id, (client = new ReplicaClient(info.host, info.replicationPort, info.id, this.credentials, info.replicationTls === true)));
    }
    const h = (await client.request(header, timeoutMs)).header as Record<string, unknown>;
    if (typeof h.error === "string") throw new KafkaProtocolError(h.error as never, String(h.message ?? h.error), { retriable: true });
    return h;
  }

  /** The leader epoch of a partition per the etcd snapshot (0 when unknown). */
  leaderEpochOf(topic: string, partition: number): number {
    return this.session.snapshot.partitions.get(pkey(topic, partition))?.leaderEpoch ?? 0;
  }

  /** The leader of a partition per the etcd snapshot (-1: none). */
  leaderOf(topic: string, partition: number): number {
    return this.session.snapshot.partitions.get(pkey(topic, partition))?.leader ?? -1;
  }

  get selfId(): number {
    return this.brokerId;
  }

  /** Other transaction requests on the replication listener (txn-routing.ts), once installed. */
  others: ((h: Frame["header"]) => Promise<Record<string, unknown>>) | undefined;

  /** The leader's side of a "marker" request from a coordinator (and the other transaction requests). */
  async handle(h: Frame["header"]): Promise<{ header: Record<string, unknown> }> {
    try {
      if (h.type !== "marker") {
        if (!this.others) throw new KafkaProtocolError("COORDINATOR_NOT_AVAILABLE", "transactions are not routed on this broker yet");
        return { header: await this.others(h) };
      }
      const item = markerOf(h);
      const ok = await this.writeLocal(item);
      return { header: { offset: ok.offset, logEndOffset: ok.logEndOffset, lastStableOffset: ok.lastStableOffset } };
    } catch (error) {
      const typed = asRivuletError(error);
      return { header: { error: typed.code, message: typed.message } };
    }
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  /** Called before a marker is appended here (the transactional Produce check's cache, verified.ts). */
  onMarker: ((item: MarkerItem) => void) | undefined;

  /** Appends the marker as this partition's leader and waits until the ISR has it (see Behavior). */
  private async writeLocal(item: MarkerItem): Promise<MarkerOk> {
    const leaderEpoch = this.replicas.checkLeader(item.topic, item.partition);
    this.onMarker?.(item);
    const [result] = await this.broker.writeMarkers([{ ...item, leaderEpoch }]);
    if (!result || result.error) throw result?.error ?? new KafkaProtocolError("UNKNOWN_SERVER_ERROR", "no marker result");
    const ok = result.ok;
    // The marker itself, or (nothing appended) everything up to the current log end.
    const last = ok.offset >= 0n ? ok.offset : ok.logEndOffset - 1n;
    if (last >= 0n) {
      const appended = { lastOffset: last, logEndOffset: ok.logEndOffset } as ProduceOk;
      await withTimeout(this.replicas.appended(item.topic, item.partition, appended, -1), MARKER_TIMEOUT_MS, "marker replication");
    }
    return ok;
  }
}

/** A marker request's fields, checked: anything else is INVALID_REQUEST (a hostile or garbled frame). */
function markerOf(h: Frame["header"]): MarkerItem {
  const { topic, partition, producerId, producerEpoch, commit, coordinatorEpoch } = h;
  const valid = typeof topic === "string" && topic.length > 0 && Number.isInteger(partition) && (partition as number) >= 0
    && typeof producerId === "bigint" && producerId >= 0n && Number.isInteger(producerEpoch) && (producerEpoch as number) >= 0 && (producerEpoch as number) <= 32767
    && typeof commit === "boolean" && (coordinatorEpoch === undefined || Number.isInteger(coordinatorEpoch));
  if (!valid) throw new KafkaProtocolError("INVALID_REQUEST", "malformed marker request");
  return { topic, partition: partition as number, producerId, producerEpoch: producerEpoch as number, commit, coordinatorEpoch: (coordinatorEpoch as number | undefined) ?? 0 };
}

/** Makes `transactions` follow the leadership of __transaction_state partitions and route its markers. */
export function followTransactionLeadership(transactions: TransactionCoordinator, replicas: ReplicaManager, markers: MarkerRouter, logger: Logger, routing?: TxnRouting): void {
  transactions.partitioned((items) => markers.write(items), routing, (partition) => markers.leaderEpochOf(TRANSACTION_STATE_TOPIC, partition));
  markers.onMarker = (item) => transactions.produceVerifier.forgetVerified(item.topic, item.partition, item.producerId);
  const previous = replicas.onRoleChange;
  const onRole = (topic: string, partition: number, role: string) => {
    transactions.produceVerifier.forgetVerified(topic, partition);
    if (topic !== TRANSACTION_STATE_TOPIC) return;
    if (role !== "leader") return transactions.unloadPartition(partition);
    if (transactions.ownedPartitions()?.includes(partition)) return; // same leader, new epoch: still loaded
    const lp = replicas.parts.get(pkey(topic, partition));
    const target = lp?.leo ?? 0n;
    const ready = async () => {
      const deadline = Date.now() + 10_000;
      while (lp && lp.role === "leader" && lp.hw < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      if (lp && lp.hw < target) logger.warn("loading a __transaction_state partition before its high watermark reached the log end", { partition, hw: lp.hw, logEndOffset: target });
    };
    void transactions.loadPartition(partition, ready);
  };
  replicas.onRoleChange = (topic, partition, role, leaderEpoch) => {
    previous?.(topic, partition, role, leaderEpoch);
    onRole(topic, partition, role);
  };
  // Partitions this broker already leads (it joined before the hook was installed).
  for (const lp of replicas.parts.values()) if (lp.role === "leader") onRole(lp.topic, lp.partition, lp.role);
}
