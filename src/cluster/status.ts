// The cluster's health as etcd records it: brokers, controller, partitions that are under-replicated
// (ISR smaller than the replica set) or offline (no leader), and the replication throttle in force. `rivulet cluster status` prints it; it reads
// etcd directly, so it works whichever brokers are down.

import { Etcd3 } from "etcd3";
import { noop } from "cockatiel";
import { parseEtcdEndpoints } from "./config.js";
import { Keys, pkey, type ClusterSnapshot } from "./layout.js";
import { effectiveRate } from "./replication-quota.js";
import { FOLLOWER_RATE, FOLLOWER_REPLICAS, LEADER_RATE, LEADER_REPLICAS } from "../broker/throttle-configs.js";
import { readSnapshot } from "./read-snapshot.js";

export interface ClusterStatus {
  controller: { brokerId: number; epoch: number } | null;
  brokers: Array<{ id: number; host: string; kafkaPort: number; wsPort: number }>;
  /** Brokers being drained (`rivulet cluster drain`), registered or not. */
  draining: number[];
  topics: number;
  partitions: number;
  underReplicated: Array<{ topic: string; partition: number; leader: number; replicas: number[]; isr: number[] }>;
  offline: Array<{ topic: string; partition: number; replicas: number[]; isr: number[] }>;
  /** The replication throttle in force (docs/cluster.md, "Throttling a move"). */
  throttle: {
    /** Per registered broker, the rates it applies (its own, else the cluster default; null: no limit). */
    brokers: Array<{ id: number; leaderRate: number | null; followerRate: number | null }>;
    /** Topics with a throttled replica list ("" for one not set). */
    topics: Array<{ topic: string; leaderReplicas: string; followerReplicas: string }>;
  };
}

export async function readClusterStatus(etcd: string, prefix = "/rivulet"): Promise<ClusterStatus> {
  const client = new Etcd3({ hosts: parseEtcdEndpoints(etcd), dialTimeout: 3000, faultHandling: { host: () => noop, global: noop } });
  try {
    const keys = new Keys(prefix);
    const snap = await readSnapshot(client, keys);
    const status: ClusterStatus = {
      controller: snap.controller ?? null,
      brokers: [...snap.brokers.values()].sort((a, b) => a.id - b.id).map((b) => ({ id: b.id, host: b.host, kafkaPort: b.kafkaPort, wsPort: b.wsPort })),
      draining: [...snap.draining].sort((a, b) => a - b),
      topics: snap.topics.size,
      partitions: 0,
      underReplicated: [],
      offline: [],
      throttle: throttleStatus(snap),
    };
    for (const topic of snap.topics.values()) {
      for (let p = 0; p < topic.partitions; p++) {
        status.partitions++;
        const state = snap.partitions.get(pkey(topic.name, p));
        const replicas = topic.replicas[p] ?? [];
        if (!state || state.leader === -1 || !snap.brokers.has(state.leader)) status.offline.push({ topic: topic.name, partition: p, replicas, isr: state?.isr ?? [] });
        else if (state.isr.length < replicas.length) status.underReplicated.push({ topic: topic.name, partition: p, leader: state.leader, replicas, isr: state.isr });
      }
    }
    return status;
  } finally {
    client.close();
  }
}

/** The rates each registered broker applies, by the brokers' own rule (effectiveRate), and the lists set. */
function throttleStatus(snap: ClusterSnapshot): ClusterStatus["throttle"] {
  const brokers = [...snap.brokers.keys()].sort((a, b) => a - b).map((id) => ({
    id,
    leaderRate: effectiveRate(snap.configs, id, LEADER_RATE) ?? null,
    followerRate: effectiveRate(snap.configs, id, FOLLOWER_RATE) ?? null,
  }));
  const topics = [...snap.configs.topics]
    .filter(([, c]) => c[LEADER_REPLICAS] !== undefined || c[FOLLOWER_REPLICAS] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topic, c]) => ({ topic, leaderReplicas: c[LEADER_REPLICAS] ?? "", followerReplicas: c[FOLLOWER_REPLICAS] ?? "" }));
  return { brokers, topics };
}
