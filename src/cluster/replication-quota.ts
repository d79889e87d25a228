// Replication throttling (Kafka's replication quotas, KIP-73), used to keep a partition move from
// saturating a small box's disk and network:
// - broker configs `leader.replication.throttled.rate` / `follower.replication.throttled.rate` (bytes/s, per
//   broker id or the cluster default ""), and
// - topic configs `leader.replication.throttled.replicas` / `follower.replication.throttled.replicas` ("*" or
//   "partition:brokerId,..."), all kept in etcd (layout.ts, <prefix>/configs/).
// As Kafka: a broker throttles, as a leader, what it sends for partitions its own id is listed for in the
// leader list, and, as a follower, what it fetches for partitions its id is listed for in the follower list;
// either only while the follower is out of the ISR (an in-sync replica is never slowed). One bucket per
// direction per broker, shared by all throttled partitions.

import type { DynamicConfigs } from "./layout.js";
import type { ReplicationThrottleStats } from "../broker/replication-hooks.js";
import type { Logger } from "../log.js";
import { FOLLOWER_RATE, FOLLOWER_REPLICAS, LEADER_RATE, LEADER_REPLICAS, parseRate } from "../broker/throttle-configs.js";

/** True if `spec` (a throttled replicas list) names `brokerId` for `partition`. */
export function replicaListed(spec: string | undefined, partition: number, brokerId: number): boolean {
  if (spec === undefined) return false;
  const v = spec.trim();
  if (v === "*") return true;
  return v.split(",").some((item) => {
    const [p, b] = item.split(":").map((s) => Number(s.trim()));
    return p === partition && b === brokerId;
  });
}

/**
 * The rate a broker applies: its own config, else the cluster default; undefined = unthrottled. A value
 * that is not a rate (parseRate: the rule the config APIs check by; etcd may hold anything another tool
 * wrote) is skipped as if unset, and told to `ignored` (level: the broker id, or "" for the default).
 */
export function effectiveRate(configs: DynamicConfigs, brokerId: number, name: string, ignored?: (level: string, value: string) => void): number | undefined {
  for (const level of [String(brokerId), ""]) {
    const raw = configs.brokers.get(level)?.[name];
    if (raw === undefined) continue;
    const rate = parseRate(raw);
    if (rate !== undefined) return rate;
    ignored?.(level, raw);
  }
  return undefined;
}

/**
 * A token bucket of bytes: `rate` per second, holding at most one second's worth (the burst). A send may
 * take more than there is (a whole batch always goes), leaving a debt that later sends wait out, so the
 * long-run rate holds whatever the batch sizes.
 */
export class TokenBucket {
  private rate: number | undefined;
  private tokens = 0;
  private at = 0;
  /** Bytes taken while limited (what went through the throttle), for /metrics. */
  throttledBytes = 0;
  /** Milliseconds callers waited for the bucket to refill (awaitBudget), for /metrics. */
  delayedMs = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  get limited(): boolean {
    return this.rate !== undefined;
  }

  /** Bytes per second; undefined: no limit. */
  get currentRate(): number | undefined {
    return this.rate;
  }

  /** undefined: no limit. A changed rate starts with a full bucket. */
  setRate(rate: number | undefined): void {
    if (rate === this.rate) return;
    this.rate = rate;
    this.tokens = rate ?? 0;
    this.at = this.clock();
  }

  /** Bytes that may go now (Infinity when unlimited; <= 0 while over budget). */
  available(): number {
    if (this.rate === undefined) return Infinity;
    this.refill();
    return this.tokens;
  }

  /** Milliseconds until some bytes may go (0 now). A rate of 0 never refills: callers bound their wait. */
  waitMs(): number {
    const available = this.available();
    if (available > 0) return 0;
    if (!this.rate) return Infinity;
    return Math.ceil(((1 - available) / this.rate) * 1000);
  }

  take(bytes: number): void {
    if (this.rate === undefined) return;
    this.refill();
    this.tokens -= bytes;
    this.throttledBytes += bytes;
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(this.rate!, this.tokens + ((now - this.at) / 1000) * this.rate!);
    this.at = now;
  }
}

/** One broker's replication throttle, following the cluster's dynamic configs. */
export class ReplicationThrottle {
  /** What this broker sends, as a leader, to throttled out-of-ISR followers. */
  readonly leader: TokenBucket;
  /** What this broker fetches, as a follower out of the ISR, for throttled partitions. */
  readonly follower: TokenBucket;
  private configs: DynamicConfigs = { brokers: new Map(), topics: new Map() };
  /** The bad values warned about (level, name, value): apply() runs on every metadata reload. */
  private readonly warned = new Set<string>();

  constructor(private readonly brokerId: number, clock: () => number = Date.now, private readonly logger?: Logger) {
    this.leader = new TokenBucket(clock);
    this.follower = new TokenBucket(clock);
  }

  apply(configs: DynamicConfigs): void {
    this.configs = configs;
    this.leader.setRate(effectiveRate(configs, this.brokerId, LEADER_RATE, (level, value) => this.ignored(level, LEADER_RATE, value)));
    this.follower.setRate(effectiveRate(configs, this.brokerId, FOLLOWER_RATE, (level, value) => this.ignored(level, FOLLOWER_RATE, value)));
  }

  /** One warning per bad value: neither a crash nor a throttle to 0, the value is skipped. */
  private ignored(level: string, name: string, value: string): void {
    const key = JSON.stringify([level, name, value]);
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger?.warn("ignoring a replication throttle rate that is not a non-negative integer (bytes/s)", { broker: level === "" ? "(cluster default)" : level, config: name, value });
  }

  /** This broker, leading `topic`-`partition`, throttles what it sends to followers out of the ISR. */
  leaderThrottled(topic: string, partition: number): boolean {
    return this.leader.limited && replicaListed(this.configs.topics.get(topic)?.[LEADER_REPLICAS], partition, this.brokerId);
  }

  /**
   * The leader's side of a follower's fetch: how many bytes the answer may carry (`cap` unless throttled:
   * a follower in the ISR, or a partition not listed), after waiting for the bucket within `maxWaitMs`
   * while `live()`; 0 for none this time. `throttled`: the bytes sent must be taken from the bucket.
   */
  async leaderAllowance(topic: string, partition: number, inSync: boolean, cap: number, maxWaitMs: number, live: () => boolean): Promise<{ maxBytes: number; throttled: boolean }> {
    if (inSync || !this.leaderThrottled(topic, partition)) return { maxBytes: cap, throttled: false };
    const budget = await awaitBudget(this.leader, maxWaitMs, live);
    return { maxBytes: budget <= 0 ? 0 : Math.min(cap, Math.max(1, Math.floor(budget))), throttled: true };
  }

  /** This broker, following `topic`-`partition` out of the ISR, throttles its fetching. */
  followerThrottled(topic: string, partition: number): boolean {
    return this.follower.limited && replicaListed(this.configs.topics.get(topic)?.[FOLLOWER_REPLICAS], partition, this.brokerId);
  }

  /** Each direction's rate now and what it has throttled since start (/metrics). */
  stats(): ReplicationThrottleStats {
    const of = (b: TokenBucket) => ({ rate: b.currentRate, throttledBytes: b.throttledBytes, delayedMs: b.delayedMs });
    return { leader: of(this.leader), follower: of(this.follower) };
  }
}

/**
 * Waits, at most `maxWaitMs` (and while `live()`), until `bucket` has bytes to give: how many it has then,
 * 0 if none came within the wait. Any positive budget lets at least one batch go, so a throttled copy
 * slows down but never starves.
 */
export async function awaitBudget(bucket: TokenBucket, maxWaitMs: number, live: () => boolean = () => true): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const available = bucket.available();
    if (available > 0 || !live()) return Math.max(0, available);
    const left = deadline - Date.now();
    if (left <= 0) return 0;
    const started = Date.now();
    await new Promise((r) => setTimeout(r, Math.min(bucket.waitMs(), left, 100)));
    bucket.delayedMs += Date.now() - started;
  }
}
