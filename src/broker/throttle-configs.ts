// The replication throttle's config names and value checks (Kafka's replication quotas), shared by the
// Kafka config APIs (front ends), the cluster layer that applies them (src/cluster/replication-quota.ts)
// and the CLI. Values live in the cluster metadata (etcd), so a single node has none.

import { InvalidArgumentError } from "../errors/index.js";

export const LEADER_RATE = "leader.replication.throttled.rate";
export const FOLLOWER_RATE = "follower.replication.throttled.rate";
export const LEADER_REPLICAS = "leader.replication.throttled.replicas";
export const FOLLOWER_REPLICAS = "follower.replication.throttled.replicas";
/** The broker configs that can be altered (every other broker config stays read-only). */
export const THROTTLE_RATE_CONFIGS: readonly string[] = [LEADER_RATE, FOLLOWER_RATE];
/** The topic configs kept in etcd instead of topics.json. */
export const THROTTLED_REPLICAS_CONFIGS: readonly string[] = [LEADER_REPLICAS, FOLLOWER_REPLICAS];

/** A rate's value: a non-negative integer of bytes per second (Kafka's LONG, at least 0). */
export function checkRate(name: string, value: string): number {
  const v = value.trim();
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new InvalidArgumentError(`${name} must be a non-negative integer (bytes per second), got "${value}"`);
  return Number(v);
}

/** "*", "" (nothing) or "partition:brokerId" items separated by commas (Kafka's ThrottledReplicaListValidator). */
export function checkThrottledReplicas(name: string, value: string): void {
  const v = value.trim();
  if (v === "*" || v === "") return;
  for (const item of v.split(",")) {
    if (!/^\s*\d+\s*:\s*\d+\s*$/.test(item)) throw new InvalidArgumentError(`${name} must be "*" or a comma list of partition:brokerId, e.g. 0:1,0:2; got "${value}"`);
  }
}
