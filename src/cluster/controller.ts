// The controller: runs on whichever broker holds the election (etcd-session.ts) and is the only writer of
// topic assignments and partition states. On every metadata change it:
// - creates requested topics, placing replicas round-robin over the live brokers (RF ≤ live brokers);
// - deletes requested topics;
// - elects a new leader (the first live replica in the ISR, leader epoch + 1) for every partition whose
//   leader died; with no live ISR member the partition goes offline (unclean election is off);
// - drops dead brokers from ISRs, and applies the ISR changes leaders propose when they carry the current
//   leader epoch (a stale leader's proposals are discarded).
// Each write is a transaction conditioned on this controller's epoch (EtcdSession.controllerTxn).

import { randomUUID } from "node:crypto";
import type { Logger } from "../log.js";
import type { EtcdSession } from "./etcd-session.js";
import { pkey, type ClusterSnapshot, type PartitionState, type TopicAssignment } from "./layout.js";

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
        const preferred = topic.replicas[p]?.[0];
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
    const live = [...snap.brokers.keys()].sort((a, b) => a - b);
    for (const [name, request] of snap.createRequests) {
      if (snap.topics.has(name)) {
        await this.session.controllerTxn((t) => t.then(this.session.client.delete().key(keys.createRequest(name))).commit());
        continue;
      }
      if (live.length === 0) return;
      // Internal topics (__consumer_offsets) wait for enough brokers to get the default replication factor,
      // as Kafka's offsets.topic.replication.factor does, rather than being created under-replicated by
      // whichever broker starts first.
      if (name.startsWith("__") && live.length < this.options.defaultReplicationFactor) continue;
      const rf = Math.min(request.replicationFactor ?? this.options.defaultReplicationFactor, live.length);
      const start = hash(name) % live.length;
      const replicas = Array.from({ length: request.partitions }, (_, p) => Array.from({ length: rf }, (_, r) => live[(start + p + r) % live.length]!));
      const topic: TopicAssignment = { name, id: randomUUID(), partitions: request.partitions, replicationFactor: rf, configs: request.configs, replicas };
      const ops = [
        this.session.client.put(keys.topic(name)).value(JSON.stringify(topic)),
        this.session.client.delete().key(keys.createRequest(name)),
        ...replicas.map((set, p) => this.session.client.put(keys.partition(name, p)).value(JSON.stringify({ leader: set[0]!, leaderEpoch: 0, isr: set, controllerEpoch: me.epoch } satisfies PartitionState))),
      ];
      if (await this.session.controllerTxn((t) => t.and(keys.topic(name), "Create", "==", 0).then(...ops).commit())) {
        this.options.logger.info("topic created", { topic: name, partitions: request.partitions, replicationFactor: rf });
      }
    }
    for (const name of snap.deleteRequests) {
      await this.session.controllerTxn((t) =>
        t.then(this.session.client.delete().key(keys.topic(name)), this.session.client.delete().prefix(keys.partitions() + name + "/"), this.session.client.delete().key(keys.deleteRequest(name))).commit(),
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
    for (const [key, request] of snap.isrRequests) {
      // Proposals that did not lead to a change above (stale epoch, nothing new) are cleared.
      const [topic, p] = key.split("\u0000") as [string, string];
      const state = snap.partitions.get(key);
      if (!state || request.leaderEpoch !== state.leaderEpoch || sameSet(request.isr, state.isr)) {
        await this.session.controllerTxn((t) => t.then(this.session.client.delete().key(keys.isrRequest(topic, Number(p)))).commit());
      }
    }
  }

  /** The partition's next state, or undefined when it needs no change. */
  private nextState(topic: TopicAssignment, p: number, state: PartitionState, snap: ClusterSnapshot, controllerEpoch: number): PartitionState | undefined {
    const replicas = topic.replicas[p] ?? [];
    const alive = (id: number) => snap.brokers.has(id);
    if (state.leader === -1 || !alive(state.leader)) {
      const candidate = state.isr.find((id) => id !== state.leader && alive(id)) ?? (state.leader !== -1 ? undefined : state.isr.find(alive));
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

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return Math.abs(h);
}
