// The operator's side of draining and removing a broker (`rivulet cluster drain|remove`) and of moving
// partitions (`rivulet cluster reassign`). These only write the drain mark or the reassignment request and
// read progress: the controller does the moving (controller.ts, reassign.ts, partition-reassignment.ts).
// They talk to etcd directly, like `cluster status`, so they work whichever brokers are up.

import { Etcd3 } from "etcd3";
import { noop } from "cockatiel";
import { parseEtcdEndpoints } from "./config.js";
import { Keys, type ClusterSnapshot, type DrainMark } from "./layout.js";
import { readSnapshot } from "./read-snapshot.js";
import { drainProgress, placeableBrokers, type DrainProgress } from "./reassign.js";
import { addThrottledReplicas, drainMoves, throttlePlan, throttleRemoval, topicsThrottledFor, type ThrottledMove, type ThrottlePlan } from "./reassign-throttle.js";
import { updateDynamicConfigs, writeDynamicConfigs } from "./dynamic-configs.js";
import { THROTTLED_REPLICAS_CONFIGS, THROTTLE_RATE_CONFIGS } from "../broker/throttle-configs.js";
import { ongoingReassignments, validateReassignment, type OngoingReassignment, type ReassignRefusal } from "./partition-reassignment.js";

export class ClusterAdmin {
  private readonly client: Etcd3;
  readonly keys: Keys;

  constructor(etcd: string, prefix = "/rivulet") {
    this.client = new Etcd3({ hosts: parseEtcdEndpoints(etcd), dialTimeout: 3000, faultHandling: { host: () => noop, global: noop } });
    this.keys = new Keys(prefix);
  }

  async snapshot(): Promise<ClusterSnapshot> {
    return readSnapshot(this.client, this.keys);
  }

  async progress(brokerId: number): Promise<DrainProgress> {
    return drainProgress(await this.snapshot(), brokerId);
  }

  /**
   * Marks the broker draining. Refused (with the reason) for a broker the cluster does not know (neither
   * registered nor holding a replica), and when no other live broker could take its replicas.
   */
  async drain(brokerId: number): Promise<{ ok: true } | { ok: false; reason: string }> {
    const snap = await this.snapshot();
    const holds = drainProgress(snap, brokerId).partitions.length;
    if (!snap.brokers.has(brokerId) && holds === 0) return { ok: false, reason: `broker ${brokerId} is not registered and holds no replicas` };
    if (placeableBrokers(snap).filter((id) => id !== brokerId).length === 0) return { ok: false, reason: `no other live, non-draining broker to move the replicas of broker ${brokerId} to` };
    const mark: DrainMark = { since: Date.now() };
    // Create-only: a second drain of the same broker keeps the first mark.
    await this.client.if(this.keys.draining(brokerId), "Create", "==", 0).then(this.client.put(this.keys.draining(brokerId)).value(JSON.stringify(mark))).commit();
    return { ok: true };
  }

  /** Cancels a drain: the broker may get replicas again (those already moved stay where they are). */
  async undrain(brokerId: number): Promise<void> {
    await this.client.delete().key(this.keys.draining(brokerId));
  }

  /**
   * Removes a broker from the cluster: refused while any partition still assigns it a replica. Deletes its
   * drain mark and its registration (a killed broker's registration otherwise lives until its lease
   * expires). A broker still registered is refused unless `force` (it may be running: stop it first).
   */
  async remove(brokerId: number, force = false): Promise<{ ok: true; deletedRegistration: boolean } | { ok: false; reason: string }> {
    const snap = await this.snapshot();
    const held = drainProgress(snap, brokerId).partitions;
    if (held.length > 0) {
      const sample = held.slice(0, 5).map((p) => `${p.topic}-${p.partition}`).join(", ");
      return { ok: false, reason: `broker ${brokerId} still holds ${held.length} replica(s) (${sample}${held.length > 5 ? ", ..." : ""}): drain it first (rivulet cluster drain ${brokerId})` };
    }
    const registered = snap.brokers.has(brokerId);
    if (registered && !force) return { ok: false, reason: `broker ${brokerId} is still registered (running, or killed less than a lease TTL ago): stop it first, or give --force` };
    // No replica can be placed on it between the check and the deletes: the controller places replicas only
    // on registered brokers that are not draining, and a registered one is removed only with --force.
    await this.client.delete().key(this.keys.draining(brokerId));
    if (registered) await this.client.delete().key(this.keys.broker(brokerId));
    return { ok: true, deletedRegistration: registered };
  }

  /**
   * Asks for `topic`-`partition` to move to `replicas` (null: cancel), with the checks Kafka's
   * AlterPartitionReassignments makes. `{ ok: true, started: false }`: the partition is already there.
   */
  async reassign(topic: string, partition: number, replicas: number[] | null): Promise<{ ok: true; started: boolean } | ({ ok: false } & ReassignRefusal)> {
    const checked = validateReassignment(await this.snapshot(), topic, partition, replicas);
    if ("error" in checked) return { ok: false, ...checked };
    if (checked.request) await this.client.put(this.keys.reassignRequest(topic, partition)).value(JSON.stringify(checked.request));
    return { ok: true, started: checked.request !== null };
  }

  /** The reassignments in progress, with the step each waits on. */
  async reassignments(only?: (topic: string, partition: number) => boolean): Promise<OngoingReassignment[]> {
    return ongoingReassignments(await this.snapshot(), only);
  }

  /** `reassign --throttle`: the rates on every broker the moves touch, the throttled replicas on their topics. */
  async throttle(moves: ThrottledMove[], rate: number): Promise<ThrottlePlan> {
    const plan = throttlePlan(await this.snapshot(), moves, rate);
    const session = { client: this.client, keys: this.keys };
    for (const [id, configs] of plan.brokers) await writeDynamicConfigs(session, "broker", String(id), THROTTLE_RATE_CONFIGS, configs);
    // The lists are merged into what they hold at the write (a compare-and-swap), not at the snapshot.
    for (const [topic, added] of plan.added) await updateDynamicConfigs(session, "topic", topic, THROTTLED_REPLICAS_CONFIGS, (current) => addThrottledReplicas(current, added));
    return plan;
  }

  /** `drain --throttle`: throttle() for every move the drain of `brokerId` may make (drainMoves). */
  async throttleDrain(brokerId: number, rate: number): Promise<ThrottlePlan> {
    return this.throttle(drainMoves(await this.snapshot(), brokerId), rate);
  }

  /** Takes a drain's throttle off once it is done: the topics it was set on, also by an earlier run. */
  async unthrottleDrain(brokerId: number, topics: string[]): Promise<{ brokers: string[]; topics: string[] }> {
    return this.unthrottle([...new Set([...topics, ...topicsThrottledFor(await this.snapshot(), brokerId)])]);
  }

  /** Takes the throttle off (kafka-reassign-partitions --verify, once the moves are done). */
  async unthrottle(topics: string[]): Promise<{ brokers: string[]; topics: string[] }> {
    const removal = throttleRemoval(await this.snapshot(), topics);
    const session = { client: this.client, keys: this.keys };
    for (const id of removal.brokers) await writeDynamicConfigs(session, "broker", id, THROTTLE_RATE_CONFIGS, {});
    for (const topic of removal.topics) await writeDynamicConfigs(session, "topic", topic, THROTTLED_REPLICAS_CONFIGS, {});
    return removal;
  }

  close(): void {
    this.client.close();
  }
}
