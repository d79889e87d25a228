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

/**
 * The one rule for a rate's value: a non-negative integer of bytes per second (Kafka's LONG, at least 0),
 * surrounding blanks allowed; undefined when the text is not one. Both the config APIs (checkRate, which
 * refuses) and the brokers applying what etcd holds (replication-quota.ts, which ignore it) use it, so a
 * value is a rate in both places or in neither.
 */
export function parseRate(value: string): number | undefined {
  const v = value.trim();
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) return undefined;
  return Number(v);
}

/** A rate given to a config API: its number, or InvalidArgumentError when parseRate refuses it. */
export function checkRate(name: string, value: string): number {
  const rate = parseRate(value);
  if (rate === undefined) throw new InvalidArgumentError(`${name} must be a non-negative integer (bytes per second), got "${value}"`);
  return rate;
}

/** "*", "" (nothing) or "partition:brokerId" items separated by commas (Kafka's ThrottledReplicaListValidator). */
export function checkThrottledReplicas(name: string, value: string): void {
  const v = value.trim();
  if (v === "*" || v === "") return;
  for (const item of v.split(",")) {
    if (!/^\s*\d+\s*:\s*\d+\s*$/.test(item)) throw new InvalidArgumentError(`${name} must be "*" or a comma list of partition:brokerId, e.g. 0:1,0:2; got "${value}"`);
  }
}
