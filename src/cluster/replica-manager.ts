// Every broker's replication engine, driven by the cluster metadata (etcd-session.ts). Per partition it
// hosts, it is either
// - the leader: it stamps its leader epoch on appends, tracks each follower's fetch position, keeps the
//   high watermark (the smallest log end over the ISR and the followers proposed for it, never moving
//   back), answers acks=all once the HW passes the batch, and proposes ISR shrinks (a follower not caught
//   up within replica.lag.time.max.ms) and expansions (a follower caught up to the HW) to the controller
//   (that bookkeeping and the HW: isr-tracker.ts); or
// - a follower: a ReplicaFetcher (replica-fetcher.ts) truncates by leader epoch, then copies the leader's
//   batches verbatim.
// It implements the broker core's ReplicationHooks: only a leader serves produce and fetch, and readers
// see only below the HW.

import { KafkaProtocolError } from "../errors/index.js";
import type { Broker } from "../broker/broker.js";
import type { ReplicationHooks } from "../broker/replication-hooks.js";
import type { Acks, ProduceOk } from "../shard/protocol.js";
import type { Logger } from "../log.js";
import { EpochCache } from "./epoch-cache.js";
import type { EtcdSession } from "./etcd-session.js";
import { CommittedPush } from "./committed-push.js";
import { IsrTracker } from "./isr-tracker.js";
import { awaitFollowerLogStarts, failLogStartWaiters, settleLogStartWaiters } from "./log-start-sync.js";
import { pkey, type ClusterSnapshot } from "./layout.js";
import { ReplicaFetcher } from "./replica-fetcher.js";
import { serveFollowerFetch, type FollowerFetchContext } from "./follower-fetch.js";
import { ReplicationThrottle } from "./replication-quota.js";
import type { LocalPartition } from "./local-partition.js";
import { ReplicaClient, type ReplicaCredentials } from "./replica-transport.js";
import type { Frame } from "./wire.js";

export interface ReplicaManagerOptions {
  brokerId: number;
  replicaLagTimeMaxMs: number;
  minInsyncReplicas: number;
  logger: Logger;
  /** The cluster secret and this broker's id, proved to every leader it fetches from (replica-auth.ts). */
  credentials: ReplicaCredentials;
}

export class ReplicaManager implements ReplicationHooks {
  readonly parts = new Map<string, LocalPartition>();
  private readonly clients = new Map<number, ReplicaClient>();
  private readonly seenTopics = new Set<string>();
  /** Partitions not replicated here whose local data is known deleted in this run (discard()). */
  private readonly emptied = new Set<string>();
  /** The copy loops of demoted partitions, until they have stopped (discard() waits for them). */
  private readonly retiring = new Map<string, Promise<void>>();
  private fenced = false;
  /** Brokers registered in the latest cluster snapshot (alive). */
  private live = new Set<number>();
  /** A DeleteRecords waits for the log start of live followers only (log-start-sync.ts). */
  private readonly awaitedFollower = (id: number): boolean => id !== this.options.brokerId && this.live.has(id);
  private applying: Promise<void> = Promise.resolve();
  private readonly timer: ReturnType<typeof setInterval>;
  private closed = false;
  /** The leader's follower positions, ISR proposals and high watermark (isr-tracker.ts). */
  private readonly isrTracker: IsrTracker;
  /** Keeps the shards' high watermarks current for compaction (committed-push.ts). */
  private readonly committedPush: CommittedPush;
  /** The replication throttle rates and throttled replicas (replication-quota.ts). */
  readonly throttle: ReplicationThrottle;
  /** What serving a follower's fetch needs (follower-fetch.ts). */
  private readonly fetchContext: FollowerFetchContext;
  /** Told when this broker gains or loses the leadership of a hosted partition (the group coordinator). */
  onRoleChange: ((topic: string, partition: number, role: LocalPartition["role"], leaderEpoch: number) => void) | undefined;

  constructor(private readonly broker: Broker, private readonly session: EtcdSession, readonly options: ReplicaManagerOptions) {
    this.throttle = new ReplicationThrottle(options.brokerId, Date.now, options.logger);
    session.on("change", (snap: ClusterSnapshot) => {
      this.applying = this.applying.then(() => this.apply(snap)).catch((error) => options.logger.warn("applying cluster metadata failed", { error: String(error) }));
    });
    session.on("fenced", () => this.fence());
    this.isrTracker = new IsrTracker({
      brokerId: options.brokerId,
      replicaLagTimeMaxMs: options.replicaLagTimeMaxMs,
      logger: options.logger,
      propose: (topic, partition, request) => session.request(session.keys.isrRequest(topic, partition), request),
      publishHighWatermark: (topic, partition, hw) => broker.replica.publishHighWatermark(topic, partition, hw),
    });
    this.committedPush = new CommittedPush((items) => broker.replica.noteCommitted(items));
    this.fetchContext = { parts: this.parts, fenced: () => this.fenced, replica: broker.replica, isrTracker: this.isrTracker, throttle: this.throttle, awaitedFollower: this.awaitedFollower };
    const tick = () => {
      if (this.fenced || this.closed) return;
      this.isrTracker.checkIsr(this.parts.values());
      this.committedPush.tick(this.parts.values()).catch((error) => options.logger.debug("telling the shards the high watermarks failed", { error: String(error) }));
    };
    this.timer = setInterval(tick, Math.max(50, Math.floor(options.replicaLagTimeMaxMs / 4)));
  }

  /** Settles once every cluster snapshot received so far has been applied (tests, shutdown). */
  settled(): Promise<void> {
    return this.applying;
  }

  // ---- ReplicationHooks (called by the broker core) ---------------------------------------------------------

  checkLeader(topic: string, partition: number, acks?: Acks): number {
    const lp = this.parts.get(pkey(topic, partition));
    if (!lp || lp.role !== "leader" || this.fenced) {
      throw new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", `broker ${this.options.brokerId} is not the leader of ${topic}-${partition}`);
    }
    if (acks === -1 && lp.isr.length < lp.minIsr) {
      throw new KafkaProtocolError("NOT_ENOUGH_REPLICAS", `${topic}-${partition} has ${lp.isr.length} in-sync replicas, min.insync.replicas is ${lp.minIsr}`);
    }
    return lp.leaderEpoch;
  }

  appended(topic: string, partition: number, ok: ProduceOk, acks: Acks): Promise<void> {
    const lp = this.parts.get(pkey(topic, partition));
    if (!lp || lp.role !== "leader") return Promise.reject(new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", `lost leadership of ${topic}-${partition}`));
    if (ok.logEndOffset > lp.leo) lp.leo = ok.logEndOffset;
    for (const wake of [...lp.dataWaiters]) wake();
    this.isrTracker.advanceHw(lp);
    if (acks !== -1 || lp.hw > ok.lastOffset) return Promise.resolve();
    return new Promise((resolve, reject) => lp.acks.push({ needed: ok.lastOffset + 1n, resolve, reject }));
  }

  highWatermark(topic: string, partition: number): bigint {
    return this.parts.get(pkey(topic, partition))?.hw ?? 0n;
  }

  /** The high watermark as this partition's leader knows it; undefined unless this broker leads it (unfenced). */
  leaderHighWatermark(topic: string, partition: number): bigint | undefined {
    const lp = this.parts.get(pkey(topic, partition));
    return lp && lp.role === "leader" && !this.fenced ? lp.hw : undefined;
  }

  /**
   * After the leader's DeleteRecords moved its log start to `logStart`: resolves with the low watermark
   * once the electable followers have moved theirs as far (log-start-sync.ts).
   */
  logStartMoved(topic: string, partition: number, logStart: bigint): Promise<bigint> {
    const lp = this.parts.get(pkey(topic, partition));
    if (!lp || lp.role !== "leader" || this.fenced) return Promise.reject(new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", `lost leadership of ${topic}-${partition}`));
    if (logStart > lp.logStart) lp.logStart = logStart;
    return awaitFollowerLogStarts(lp, this.awaitedFollower, logStart);
  }

  // ---- leader side -------------------------------------------------------------------------------------

  /** A follower's fetch (over the replication wire): follower-fetch.ts. */
  handleFetch(h: Frame["header"]): Promise<{ header: Record<string, unknown>; body?: Uint8Array }> {
    return serveFollowerFetch(this.fetchContext, h);
  }

  /** OffsetForLeaderEpoch for clients (the Kafka port): undefined unless this broker leads the partition. */
  epochEnd(topic: string, partition: number, epoch: number): { epoch: number; endOffset: bigint } | undefined {
    const lp = this.parts.get(pkey(topic, partition));
    if (!lp || lp.role !== "leader" || this.fenced) return undefined;
    return lp.epochs.endOffsetFor(epoch, lp.leo);
  }

  /** OffsetForLeaderEpoch over the replication wire. */
  handleEpochEnd(h: Frame["header"]): { header: Record<string, unknown> } {
    if (!Number.isInteger(h.epoch) || !Number.isInteger(h.partition)) return { header: { error: "INVALID_REQUEST", message: "epochEnd needs integer partition and epoch" } };
    const lp = this.parts.get(pkey(String(h.topic), Number(h.partition)));
    if (!lp || lp.role !== "leader" || this.fenced) return { header: { error: "NOT_LEADER_OR_FOLLOWER" } };
    const answer = lp.epochs.endOffsetFor(Number(h.epoch), lp.leo);
    return { header: { epoch: answer.epoch, endOffset: answer.endOffset } };
  }

  // ---- metadata -> roles ----------------------------------------------------------------------------------

  private async apply(snap: ClusterSnapshot): Promise<void> {
    if (this.closed) return;
    const me = this.options.brokerId;
    this.live = new Set(snap.brokers.keys());
    this.throttle.apply(snap.configs);
    const discard: Array<[string, number]> = [];
    for (const topic of snap.topics.values()) {
      this.seenTopics.add(topic.name);
      const local = this.broker.topic(topic.name);
      try {
        if (!local) await this.broker.replica.createTopic(topic.name, { partitions: topic.partitions, configs: topic.configs, id: topic.id });
        else if (local.partitions < topic.partitions) await this.broker.replica.addPartitions(topic.name, topic.partitions);
      } catch (error) {
        this.options.logger.warn("local topic setup failed", { topic: topic.name, error: String(error) });
        continue;
      }
      for (let p = 0; p < topic.partitions; p++) {
        const state = snap.partitions.get(pkey(topic.name, p));
        const replicas = topic.replicas[p] ?? [];
        if (!state || !replicas.includes(me)) {
          this.demote(topic.name, p, "none");
          // Moved away for good: the topic is here with this partition's state, its replica set (non-empty)
          // excludes this broker and no reassignment of it is in progress. Anything less (a snapshot
          // without the topic or the state, a move still running) keeps the data.
          if (state && replicas.length > 0 && !snap.reassignments.has(pkey(topic.name, p))) discard.push([topic.name, p]);
          continue;
        }
        this.emptied.delete(pkey(topic.name, p));
        const lp = this.partitionState(topic.name, p, replicas);
        lp.replicas = replicas;
        lp.minIsr = Number(topic.configs["min.insync.replicas"] ?? this.options.minInsyncReplicas);
        const wasLeader = lp.role === "leader";
        if (state.leader === me && !this.fenced) {
          if (!wasLeader || lp.leaderEpoch !== state.leaderEpoch) await this.becomeLeader(lp, state.leaderEpoch);
          this.isrTracker.applyIsr(lp, state.isr);
          settleLogStartWaiters(lp, this.awaitedFollower);
        } else {
          lp.isr = state.isr;
          // Also (re)start the fetcher when the leader's registration appeared or moved (a restarted broker
          // listens for replication on a new port).
          const info = snap.brokers.get(state.leader);
          const moved = info !== undefined && (!lp.fetcher || lp.fetcher.endpoint !== `${info.replicationTls ? "tls://" : ""}${info.host}:${info.replicationPort}`);
          if (lp.role !== "follower" || lp.leader !== state.leader || lp.leaderEpoch !== state.leaderEpoch || moved) this.becomeFollower(lp, state.leader, state.leaderEpoch, snap);
        }
      }
    }
    for (const [topic, p] of discard) {
      await this.discard(topic, p).catch((error) => this.options.logger.warn("deleting the data of a moved partition failed; retried on the next metadata change", { topic, partition: p, error: String(error) }));
    }
    // Topics deleted through the controller (seen in etcd earlier in this run, now gone).
    for (const name of [...this.seenTopics]) {
      if (snap.topics.has(name) || snap.topics.size === 0) continue;
      this.seenTopics.delete(name);
      for (const lp of [...this.parts.values()]) if (lp.topic === name) this.demote(name, lp.partition, "none");
      for (const key of [...this.emptied]) if (key.startsWith(`${name}\u0000`)) this.emptied.delete(key);
      await this.broker.replica.deleteTopic(name).catch((error) => this.options.logger.warn("local topic delete failed", { topic: name, error: String(error) }));
    }
  }

  /**
   * Deletes the local data of a partition this broker no longer replicates (Kafka's StopReplica with
   * delete=true): every segment, index, the producer snapshot and the leader-epoch cache, leaving an empty
   * log at the same log end (storage/reset.ts). Idempotent, so a crash midway is finished by the next
   * metadata change or restart. If the broker becomes a replica again, its fetcher restarts the empty log
   * at the leader's log start.
   */
  private async discard(topic: string, partition: number): Promise<void> {
    const key = pkey(topic, partition);
    if (this.emptied.has(key) || this.closed) return;
    // A fetcher stopped by the demotion may still have an append in flight: let it land first.
    await this.retiring.get(key);
    this.retiring.delete(key);
    const lp = this.parts.get(key);
    if (lp && lp.role !== "none") return;
    const epochs = lp?.epochs ?? EpochCache.forPartition(this.broker.config.dataDir, topic, partition);
    const before = await this.broker.replica.status(topic, partition);
    if (before.sizeBytes > 0 || epochs.latestEpoch !== -1) {
      const after = await this.broker.replica.empty(topic, partition, before.logEndOffset);
      epochs.truncateFromEnd(0n);
      if (lp) {
        lp.hw = after.logEndOffset;
        lp.leo = after.logEndOffset;
        lp.followers.clear();
      }
      this.options.logger.info("deleted the local data of a partition no longer replicated here", { topic, partition, bytesFreed: before.sizeBytes, logStartOffset: before.logStartOffset, logEndOffset: before.logEndOffset });
    }
    this.emptied.add(key);
  }

  private partitionState(topic: string, partition: number, replicas: number[]): LocalPartition {
    const key = pkey(topic, partition);
    let lp = this.parts.get(key);
    if (!lp) {
      lp = {
        topic, partition, role: "none", leader: -1, leaderEpoch: -1, isr: [], replicas, minIsr: 1, hw: 0n, leo: 0n, logStart: 0n, leaderSince: Date.now(),
        followers: new Map(), acks: [], logStartWaiters: [], dataWaiters: new Set(), epochs: EpochCache.forPartition(this.broker.config.dataDir, topic, partition),
      };
      this.parts.set(key, lp);
    }
    return lp;
  }

  private async becomeLeader(lp: LocalPartition, leaderEpoch: number): Promise<void> {
    lp.fetcher?.stop();
    lp.fetcher = undefined;
    const status = await this.broker.replica.status(lp.topic, lp.partition);
    lp.leo = status.logEndOffset;
    lp.logStart = status.logStartOffset;
    if (lp.epochs.latestEpoch === -1 && lp.leo > status.logStartOffset) lp.epochs.assign(0, status.logStartOffset);
    lp.epochs.assign(leaderEpoch, lp.leo);
    lp.role = "leader";
    lp.leader = this.options.brokerId;
    lp.leaderEpoch = leaderEpoch;
    lp.leaderSince = Date.now();
    lp.followers.clear();
    lp.lastProposal = undefined;
    lp.pendingIsr = undefined;
    if (lp.hw < status.logStartOffset) lp.hw = status.logStartOffset;
    this.options.logger.info("became leader", { topic: lp.topic, partition: lp.partition, leaderEpoch, logEndOffset: lp.leo, highWatermark: lp.hw });
    this.onRoleChange?.(lp.topic, lp.partition, "leader", leaderEpoch);
  }

  private becomeFollower(lp: LocalPartition, leader: number, leaderEpoch: number, snap: ClusterSnapshot): void {
    this.failWaiters(lp);
    lp.fetcher?.stop();
    lp.fetcher = undefined;
    const was = lp.role;
    lp.role = "follower";
    lp.leader = leader;
    lp.leaderEpoch = leaderEpoch;
    if (was === "leader") this.onRoleChange?.(lp.topic, lp.partition, "follower", leaderEpoch);
    const info = snap.brokers.get(leader);
    if (leader === -1 || !info) return; // offline, or the leader's registration not seen yet: wait for metadata
    const fetcher = new ReplicaFetcher(this.broker, lp, this.client(leader, info.host, info.replicationPort, info.replicationTls === true), this.options.brokerId, this.options.logger, this.throttle);
    lp.fetcher = fetcher;
    fetcher.start();
  }

  private demote(topic: string, partition: number, role: "none"): void {
    const lp = this.parts.get(pkey(topic, partition));
    if (!lp) return;
    this.committedPush.forget(topic, partition);
    this.failWaiters(lp);
    if (lp.fetcher) this.retiring.set(pkey(topic, partition), lp.fetcher.done);
    lp.fetcher?.stop();
    lp.fetcher = undefined;
    const was = lp.role;
    lp.role = role;
    if (was === "leader") this.onRoleChange?.(topic, partition, role, lp.leaderEpoch);
  }

  private failWaiters(lp: LocalPartition): void {
    for (const w of lp.acks) w.reject(new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", `lost leadership of ${lp.topic}-${lp.partition} before the ISR had the batch`));
    lp.acks = [];
    failLogStartWaiters(lp, new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", `lost leadership of ${lp.topic}-${lp.partition} before the followers had moved their log start`));
    for (const wake of [...lp.dataWaiters]) wake();
  }

  private client(id: number, host: string, port: number, tls: boolean): ReplicaClient {
    let c = this.clients.get(id);
    if (c && (c.host !== host || c.port !== port || c.tls !== tls)) {
      c.close();
      c = undefined;
    }
    if (!c) this.clients.set(id, (c = new ReplicaClient(host, port, id, this.options.credentials, tls)));
    return c;
  }

  /** Lease lost: stop leading everything at once (the controller is electing others). */
  private fence(): void {
    this.fenced = true;
    for (const lp of this.parts.values()) {
      if (lp.role === "leader") {
        this.failWaiters(lp);
        lp.role = "none";
        lp.leaderEpoch = -1;
        this.onRoleChange?.(lp.topic, lp.partition, "none", -1);
      }
    }
    const unfence = () => {
      if (this.session.registered) {
        this.fenced = false;
        this.session.queueReload();
      } else if (!this.closed) setTimeout(unfence, 200).unref();
    };
    setTimeout(unfence, 200).unref();
  }

  /** Per-partition numbers for /metrics and `cluster status`. */
  stats(): Array<{ topic: string; partition: number; role: string; leaderEpoch: number; isrSize: number; highWatermark: bigint; logEndOffset: bigint; maxFollowerLag: bigint }> {
    return [...this.parts.values()].map((lp) => {
      let lag = 0n;
      if (lp.role === "leader") for (const id of lp.replicas) {
        if (id === this.options.brokerId) continue;
        const d = lp.leo - (lp.followers.get(id)?.fetchOffset ?? 0n);
        if (d > lag) lag = d;
      }
      return { topic: lp.topic, partition: lp.partition, role: lp.role, leaderEpoch: lp.leaderEpoch, isrSize: lp.isr.length, highWatermark: lp.hw, logEndOffset: lp.role === "leader" ? lp.leo : (lp.fetcher?.logEndOffset ?? lp.leo), maxFollowerLag: lag };
    });
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const lp of this.parts.values()) {
      this.failWaiters(lp);
      lp.fetcher?.stop();
    }
    for (const c of this.clients.values()) c.close();
  }
}
