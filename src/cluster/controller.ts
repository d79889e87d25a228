// The controller: runs on whichever broker holds the election (etcd-session.ts) and is the only writer of
// topic assignments and partition states. On every metadata change it:
// - creates requested topics, placing replicas round-robin over the live brokers (RF ≤ live brokers);
// - deletes requested topics;
// - elects a new leader (the first live replica in the ISR, leader epoch + 1) for every partition whose
//   leader died; with no live ISR member the partition goes offline (unclean election is off);
// - drops dead brokers from ISRs, and applies the ISR changes leaders propose when they carry the current
//   leader epoch (a stale leader's proposals are discarded);
// - adds requested partitions to existing topics, placed like topic creation;
// - moves replicas off draining brokers (`rivulet cluster drain`) step by step (reassign.ts), and never
//   places new replicas on them; a draining controller hands the office to another broker;
// - moves partitions to the replica sets asked for (AlterPartitionReassignments, `rivulet cluster reassign`)
//   step by step (partition-reassignment.ts); a partition being reassigned is left alone by the drain.
// Each write is a transaction conditioned on this controller's epoch (EtcdSession.controllerTxn).

import { randomUUID } from "node:crypto";
import type { Logger } from "../log.js";
import type { EtcdSession } from "./etcd-session.js";
import { pkey, type ClusterSnapshot, type PartitionState, type TopicAssignment } from "./layout.js";
import { reassignStep } from "./partition-reassignment.js";
import { drainStep, placeAdopted, placeableBrokers, placeReplicas, replicaLoad } from "./reassign.js";

export interface ControllerOptions {
  defaultReplicationFactor: number;
  /** How often leadership moves back to preferred replicas (Kafka's leader.imbalance.check.interval); 0 = never. */
  leaderRebalanceIntervalMs?: number;
  logger: Logger;
}

export class Controller {
  private running = false;
  private again = false;

  private readonly rebalanceTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly session: EtcdSession, private readonly options: ControllerOptions) {
    session.on("change", () => this.kick());
    const every = options.leaderRebalanceIntervalMs ?? 300_000;
    if (every > 0) {
      this.rebalanceTimer = setInterval(() => {
        this.rebalance().catch((error) => options.logger.warn("preferred leader election failed", { error: String(error) }));
      }, every);
      this.rebalanceTimer.unref();
    }
  }

  close(): void {
    clearInterval(this.rebalanceTimer);
  }

  /**
   * Preferred leader election: a partition led by another broker while its preferred replica (the first
   * in its assignment) is live and in the ISR gets that replica back as leader, with leader epoch + 1.
   * The preferred replica is in the ISR, so it has every committed record; the old leader truncates any
   * uncommitted tail when it follows.
   */
  private async rebalance(): Promise<void> {
    const me = this.session.controller;
    if (!me || this.running) return;
    const snap = this.session.snapshot;
    const keys = this.session.keys;
    for (const topic of snap.topics.values()) {
      for (let p = 0; p < topic.partitions; p++) {
        const state = snap.partitions.get(pkey(topic.name, p));
        // The first replica not being drained (a draining broker is never given leadership back).
        const preferred = topic.replicas[p]?.find((id) => !snap.draining.has(id));
        if (!state || preferred === undefined || state.leader === preferred || state.leader === -1) continue;
        if (!snap.brokers.has(preferred) || !state.isr.includes(preferred)) continue;
        const next: PartitionState = { leader: preferred, leaderEpoch: state.leaderEpoch + 1, isr: state.isr, controllerEpoch: me.epoch };
        const key = keys.partition(topic.name, p);
        const ok = await this.session.controllerTxn((t) => t.and(key, "Value", "==", JSON.stringify(state)).then(this.session.client.put(key).value(JSON.stringify(next))).commit());
        if (ok) this.options.logger.info("preferred leader elected", { topic: topic.name, partition: p, leader: preferred, leaderEpoch: next.leaderEpoch });
      }
    }
  }

  private kick(): void {
    if (!this.session.controller) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.reconcile(this.session.snapshot)
      .catch((error) => this.options.logger.warn("controller pass failed", { error: String(error) }))
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async reconcile(snap: ClusterSnapshot): Promise<void> {
    const me = this.session.controller;
    if (!me) return;
    const keys = this.session.keys;
    // New replicas go to live brokers that are not being drained.
    const live = placeableBrokers(snap);
    for (const [name, request] of snap.createRequests) {
      if (snap.topics.has(name)) {
        await this.session.controllerTxn((t) => t.then(this.session.client.delete().key(keys.createRequest(name))).commit());
        continue;
      }
      if (live.length === 0) continue;
      // Internal topics (__consumer_offsets) wait for enough brokers to get the default replication factor,
      // as Kafka's offsets.topic.replication.factor does, rather than being created under-replicated by
      // whichever broker starts first.
      if (name.startsWith("__") && live.length < this.options.defaultReplicationFactor) continue;
      const rf = Math.min(request.replicationFactor ?? this.options.defaultReplicationFactor, live.length);
      // An adopted topic (a broker's pre-cluster data) is led by that broker; it waits while it is away.
      const replicas = request.leader !== undefined ? placeAdopted(name, request.partitions, rf, request.leader, live) : placeReplicas(name, 0, request.partitions, rf, live);
      if (!replicas) continue;
      const topic: TopicAssignment = { name, id: request.id ?? randomUUID(), partitions: request.partitions, replicationFactor: rf, configs: request.configs, replicas };
      const ops = [
        this.session.client.put(keys.topic(name)).value(JSON.stringify(topic)),
        this.session.client.delete().key(keys.createRequest(name)),
        // An adopted topic's ISR starts as its leader alone: the others are empty until they copy it, and
        // must not be electable before (they join the ISR once caught up, like any follower).
        ...replicas.map((set, p) => this.session.client.put(keys.partition(name, p)).value(JSON.stringify({ leader: set[0]!, leaderEpoch: 0, isr: request.leader !== undefined ? [set[0]!] : set, controllerEpoch: me.epoch } satisfies PartitionState))),
      ];
      if (await this.session.controllerTxn((t) => t.and(keys.topic(name), "Create", "==", 0).then(...ops).commit())) {
        this.options.logger.info("topic created", { topic: name, partitions: request.partitions, replicationFactor: rf });
      }
    }
    for (const name of snap.deleteRequests) {
      await this.session.controllerTxn((t) =>
        t
          .then(
            this.session.client.delete().key(keys.topic(name)),
            this.session.client.delete().prefix(keys.partitions() + name + "/"),
            this.session.client.delete().prefix(keys.reassignRequests() + name + "/"),
            // Its throttled replica lists too: a topic re-created under the name starts without them.
            this.session.client.delete().prefix(keys.dynamicConfigsOf("topic", name)),
            this.session.client.delete().key(keys.deleteRequest(name)),
          )
          .commit(),
      );
    }
    for (const topic of snap.topics.values()) {
      for (let p = 0; p < topic.partitions; p++) {
        const state = snap.partitions.get(pkey(topic.name, p));
        if (!state) continue;
        const next = this.nextState(topic, p, state, snap, me.epoch);
        if (!next) continue;
        const key = keys.partition(topic.name, p);
        const ok = await this.session.controllerTxn((t) =>
          t.and(key, "Value", "==", JSON.stringify(state)).then(this.session.client.put(key).value(JSON.stringify(next)), this.session.client.delete().key(keys.isrRequest(topic.name, p))).commit(),
        );
        if (ok && next.leader !== state.leader) this.options.logger.info("leader elected", { topic: topic.name, partition: p, leader: next.leader, leaderEpoch: next.leaderEpoch, isr: next.isr });
      }
    }
    await this.addPartitions(snap, live);
    await this.reassign(snap);
    await this.drain(snap);
    for (const [key, request] of snap.isrRequests) {
      // Proposals that did not lead to a change above (stale epoch, nothing new) are cleared.
      const [topic, p] = key.split("\u0000") as [string, string];
      const state = snap.partitions.get(key);
      if (!state || request.leaderEpoch !== state.leaderEpoch || sameSet(request.isr, state.isr)) {
        await this.session.controllerTxn((t) => t.then(this.session.client.delete().key(keys.isrRequest(topic, Number(p)))).commit());
      }
    }
  }

  /**
   * Partitions requested for existing topics (CreatePartitions, the WebSocket CREATE_PARTITIONS frame,
   * `rivulet topics add-partitions`): the new ones are placed like topic creation, with the topic's
   * replication factor (capped at the placeable brokers), written with their states in one transaction
   * conditioned on the topic not having changed meanwhile. Requests that are not growth are dropped (the
   * asking broker checked them; it times out if the count was raced).
   */
  private async addPartitions(snap: ClusterSnapshot, live: number[]): Promise<void> {
    const me = this.session.controller;
    if (!me) return;
    const keys = this.session.keys;
    const client = this.session.client;
    for (const [name, request] of snap.partitionsRequests) {
      const topic = snap.topics.get(name);
      if (!topic || !Number.isInteger(request.total) || request.total <= topic.partitions || live.length === 0) {
        await this.session.controllerTxn((t) => t.then(client.delete().key(keys.partitionsRequest(name))).commit());
        continue;
      }
      const rf = Math.min(topic.replicationFactor, live.length);
      const added = placeReplicas(name, topic.partitions, request.total, rf, live);
      const next: TopicAssignment = { ...topic, partitions: request.total, replicas: [...topic.replicas, ...added] };
      const ops = [
        client.put(keys.topic(name)).value(JSON.stringify(next)),
        client.delete().key(keys.partitionsRequest(name)),
        ...added.map((set, i) => client.put(keys.partition(name, topic.partitions + i)).value(JSON.stringify({ leader: set[0]!, leaderEpoch: 0, isr: set, controllerEpoch: me.epoch } satisfies PartitionState))),
      ];
      if (await this.session.controllerTxn((t) => t.and(keys.topic(name), "Value", "==", JSON.stringify(topic)).then(...ops).commit())) {
        this.options.logger.info("partitions added", { topic: name, from: topic.partitions, to: request.total });
      }
    }
  }

  /**
   * One step of every reassignment off draining brokers (reassign.ts explains the steps). Each write is
   * conditioned on the assignment and the partition state it was computed from, so a step computed from a
   * stale snapshot is simply recomputed on the next pass.
   */
  private async drain(snap: ClusterSnapshot): Promise<void> {
    const me = this.session.controller;
    if (!me || snap.draining.size === 0) return;
    const keys = this.session.keys;
    const client = this.session.client;
    const load = replicaLoad(snap);
    for (const original of snap.topics.values()) {
      let topic = original;
      for (let p = 0; p < topic.partitions; p++) {
        const state = snap.partitions.get(pkey(topic.name, p));
        if (snap.reassignments.has(pkey(topic.name, p))) continue; // reassign() moves it
        const step = drainStep(topic, p, state, snap, load, me.epoch);
        if (!step || !state || (!step.replicas && !step.state)) continue;
        const partitionKey = keys.partition(topic.name, p);
        const next: TopicAssignment | undefined = step.replicas ? { ...topic, replicas: topic.replicas.map((set, i) => (i === p ? step.replicas! : set)) } : undefined;
        const ops = [
          ...(next ? [client.put(keys.topic(topic.name)).value(JSON.stringify(next))] : []),
          ...(step.state ? [client.put(partitionKey).value(JSON.stringify(step.state))] : []),
        ];
        const before = topic;
        const ok = await this.session.controllerTxn((t) => t.and(keys.topic(before.name), "Value", "==", JSON.stringify(before)).and(partitionKey, "Value", "==", JSON.stringify(state)).then(...ops).commit());
        if (!ok) break; // something moved: the next pass recomputes from fresh metadata
        if (next) topic = next;
        this.options.logger.info("reassignment step", { topic: topic.name, partition: p, phase: step.phase, replicas: topic.replicas[p], leader: step.state?.leader ?? state.leader, isr: step.state?.isr ?? state.isr });
      }
    }
    // A draining controller hands the office over, so stopping the broker afterwards needs no election.
    if (snap.draining.has(me.brokerId) && placeableBrokers(snap).length > 0) await this.session.resign();
  }

  /**
   * One step of every partition reassignment asked for (partition-reassignment.ts explains the steps). Like
   * the drain's, each write is conditioned on the assignment and partition state it was computed from; the
   * last step deletes the request in the same transaction. Requests for partitions that no longer exist
   * are dropped.
   */
  private async reassign(snap: ClusterSnapshot): Promise<void> {
    const me = this.session.controller;
    if (!me || snap.reassignments.size === 0) return;
    const keys = this.session.keys;
    const client = this.session.client;
    const topics = new Map(snap.topics);
    for (const [key, request] of snap.reassignments) {
      const [name, p] = [key.slice(0, key.indexOf("\u0000")), Number(key.slice(key.indexOf("\u0000") + 1))];
      const requestKey = keys.reassignRequest(name, p);
      const topic = topics.get(name);
      if (!topic || p >= topic.partitions) {
        await this.session.controllerTxn((t) => t.then(client.delete().key(requestKey)).commit());
        continue;
      }
      const state = snap.partitions.get(key);
      const step = reassignStep(topic, p, state, request, snap, me.epoch);
      if (!state || (!step.replicas && !step.state && !step.done)) continue;
      const partitionKey = keys.partition(name, p);
      const next: TopicAssignment | undefined = step.replicas ? { ...topic, replicas: topic.replicas.map((set, i) => (i === p ? step.replicas! : set)) } : undefined;
      const ops = [
        ...(next ? [client.put(keys.topic(name)).value(JSON.stringify(next))] : []),
        ...(step.state ? [client.put(partitionKey).value(JSON.stringify(step.state))] : []),
        ...(step.done ? [client.delete().key(requestKey)] : []),
      ];
      const ok = await this.session.controllerTxn((t) =>
        t.and(keys.topic(name), "Value", "==", JSON.stringify(topic)).and(partitionKey, "Value", "==", JSON.stringify(state)).and(requestKey, "Value", "==", JSON.stringify(request)).then(...ops).commit(),
      );
      if (!ok) continue; // something moved: the next pass recomputes from fresh metadata
      if (next) topics.set(name, next);
      this.options.logger.info(step.done ? "reassignment completed" : "reassignment step", { topic: name, partition: p, phase: step.phase, replicas: next?.replicas[p] ?? topic.replicas[p], leader: step.state?.leader ?? state.leader, isr: step.state?.isr ?? state.isr });
    }
  }

  /** The partition's next state, or undefined when it needs no change. */
  private nextState(topic: TopicAssignment, p: number, state: PartitionState, snap: ClusterSnapshot, controllerEpoch: number): PartitionState | undefined {
    const replicas = topic.replicas[p] ?? [];
    const alive = (id: number) => snap.brokers.has(id);
    if (state.leader === -1 || !alive(state.leader)) {
      // Any live ISR member is a clean choice; one that is not being drained is preferred.
      const eligible = (id: number) => id !== state.leader && alive(id);
      const candidate = state.isr.find((id) => eligible(id) && !snap.draining.has(id)) ?? state.isr.find(eligible) ?? (state.leader !== -1 ? undefined : state.isr.find(alive));
      if (candidate === undefined) {
        // Offline: keep the ISR (its members are the only safe leaders) and wait for one to return.
        return state.leader === -1 ? undefined : { ...state, leader: -1, controllerEpoch };
      }
      const isr = state.isr.filter((id) => alive(id) && id !== state.leader);
      return { leader: candidate, leaderEpoch: state.leaderEpoch + 1, isr: isr.includes(candidate) ? isr : [candidate, ...isr], controllerEpoch };
    }
    const request = snap.isrRequests.get(pkey(topic.name, p));
    if (request && request.leader === state.leader && request.leaderEpoch === state.leaderEpoch && !sameSet(request.isr, state.isr)) {
      const isr = request.isr.filter((id) => replicas.includes(id) && (alive(id) || id === state.leader));
      if (isr.includes(state.leader) && !sameSet(isr, state.isr)) return { ...state, isr, controllerEpoch };
    }
    const isr = state.isr.filter(alive);
    if (isr.length !== state.isr.length && isr.includes(state.leader)) return { ...state, isr, controllerEpoch };
    return undefined;
  }
}

function sameSet(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
