// GET /metrics: Prometheus text exposition (version 0.0.4, written by ./exposition.ts: families grouped,
// HELP and TYPE first). Counters are cumulative; Prometheus derives rates (rate(rivulet_produced_bytes_total[1m])).
//
// Label cardinality is bounded by what an operator creates (topics, partitions, groups, shards), never by
// what clients do: WebSocket connections and subscriptions are aggregated per topic by default. Per-connection
// and per-subscription series (ids as labels, one series per subscription ever seen by a scrape) are only
// written with `metricsDetail: "subscriptions"` (serve --metrics-detail subscriptions), for debugging.

import type { Broker } from "../../broker/broker.js";
import type { ReplicationThrottleStats } from "../../broker/replication-hooks.js";
import type { Session } from "../ws/session.js";
import type { GroupCoordinator } from "../../groups/index.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../package-root.js";
import { Exposition } from "./exposition.js";

let packageVersion: string | undefined;
function rivuletVersion(): string {
  if (packageVersion === undefined) {
    try {
      packageVersion = String((JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: string }).version ?? "unknown");
    } catch {
      packageVersion = "unknown";
    }
  }
  return packageVersion;
}

export type MetricsDetail = "topics" | "subscriptions";

export interface MetricsOptions {
  coordinator?: GroupCoordinator;
  /** "subscriptions" adds per-connection and per-subscription series (unbounded: debugging only). Default "topics". */
  detail?: MetricsDetail;
  /** Which WebSocket server runs (exposed as rivulet_ws_transport_info). */
  transport?: string;
  version?: string;
  /** Partition sizes on disk (Broker.partitionSizes(), asked for this scrape): rivulet_partition_size_bytes. */
  sizes?: Map<string, number>;
  /**
   * Log ends for the group lag gauges (groupLogEnds(), asked for this scrape): in cluster mode each
   * partition's leader high watermark. Absent: this broker's local log ends.
   */
  groupLogEnds?: Map<string, bigint>;
}

interface TopicSubscriptions {
  count: number;
  paused: number;
  lagSum: number;
  lagMax: number;
  credit: number;
}

export function renderMetrics(broker: Broker, sessions: Iterable<Session>, options: MetricsOptions = {}): string {
  const out = new Exposition();
  out.metric("rivulet_build_info", "gauge", "Always 1; labels say which Rivulet version and WebSocket transport run.", { version: options.version ?? rivuletVersion(), transport: options.transport ?? "uws" }, 1);
  partitionMetrics(out, broker, options.sizes);
  sessionMetrics(out, sessions, options.detail ?? "topics");
  const memory = broker.requestMemory;
  out.metric("rivulet_request_memory_bytes", "gauge", "Bytes of client requests reserved (being read or processed), both ports.", {}, memory.inUse);
  out.metric("rivulet_request_memory_limit_bytes", "gauge", "The request memory budget (queuedMaxRequestBytes).", {}, memory.limit);
  out.metric("rivulet_request_memory_waiting", "gauge", "Connections waiting for request memory (their sockets paused).", {}, memory.waiting);
  out.metric("rivulet_request_memory_waits_total", "counter", "Requests that had to wait for request memory.", {}, memory.waits);
  if (options.coordinator) groupMetrics(out, broker, options.coordinator, options.groupLogEnds);
  if (broker.replicationStats) replicationMetrics(out, broker.replicationStats());
  const throttle = broker.cluster?.replicationThrottle?.();
  if (throttle) throttleMetrics(out, throttle);
  out.declare("rivulet_shard_tasks_in_flight", "gauge", "Tasks sent to the shard and not yet answered.");
  out.declare("rivulet_shard_queue_depth", "gauge", "Tasks waiting for a free slot in the shard.");
  for (const s of broker.shardStats()) {
    out.metric("rivulet_shard_tasks_in_flight", "gauge", "Tasks sent to the shard and not yet answered.", { shard: s.shard }, s.inFlight);
    out.metric("rivulet_shard_queue_depth", "gauge", "Tasks waiting for a free slot in the shard.", { shard: s.shard }, s.queued);
  }
  return out.text();
}

function partitionMetrics(out: Exposition, broker: Broker, sizes: Map<string, number> | undefined): void {
  const size = "Bytes the partition's log segments hold on disk (after retention and compaction).";
  const produced = "Record batch bytes appended.";
  const records = "Records appended.";
  const fetched = "Record batch bytes read by fetches and subscriptions (shared reads count once).";
  const end = "Offset the next appended record will get.";
  out.declare("rivulet_produced_bytes_total", "counter", produced);
  out.declare("rivulet_produced_records_total", "counter", records);
  out.declare("rivulet_fetched_bytes_total", "counter", fetched);
  out.declare("rivulet_log_end_offset", "gauge", end);
  if (sizes) out.declare("rivulet_partition_size_bytes", "gauge", size);
  for (const topic of broker.listTopics()) {
    for (let partition = 0; partition < topic.partitions; partition++) {
      const labels = { topic: topic.name, partition };
      const c = broker.counters.get(topic.name, partition);
      out.metric("rivulet_produced_bytes_total", "counter", produced, labels, c?.producedBytes ?? 0);
      out.metric("rivulet_produced_records_total", "counter", records, labels, c?.producedRecords ?? 0);
      out.metric("rivulet_fetched_bytes_total", "counter", fetched, labels, c?.fetchedBytes ?? 0);
      out.metric("rivulet_log_end_offset", "gauge", end, labels, broker.logEndOffset(topic.name, partition) ?? -1n);
      const bytes = sizes?.get(`${topic.name}\u0000${partition}`);
      if (bytes !== undefined) out.metric("rivulet_partition_size_bytes", "gauge", size, labels, bytes);
    }
  }
}

function sessionMetrics(out: Exposition, sessions: Iterable<Session>, detail: MetricsDetail): void {
  let connections = 0;
  let pausedConnections = 0;
  const byTopic = new Map<string, TopicSubscriptions>();
  const now = Date.now();
  for (const session of sessions) {
    connections++;
    if (session.isSocketPaused) pausedConnections++;
    for (const sub of session.subscriptions.values()) {
      let t = byTopic.get(sub.topic);
      if (!t) byTopic.set(sub.topic, (t = { count: 0, paused: 0, lagSum: 0, lagMax: 0, credit: 0 }));
      const lag = Number(sub.lag());
      t.count++;
      if (sub.pausedSince !== undefined) t.paused++;
      t.lagSum += lag;
      t.lagMax = Math.max(t.lagMax, lag);
      t.credit += sub.credit;
    }
  }
  out.metric("rivulet_connections", "gauge", "Open WebSocket connections.", {}, connections);
  out.metric("rivulet_connections_socket_paused", "gauge", "WebSocket connections whose send buffer is above its high-water mark.", {}, pausedConnections);
  const help = {
    count: "Open WebSocket subscriptions on the topic.",
    paused: "Subscriptions on the topic that cannot send now for lack of credit or socket room.",
    lagSum: "Records between subscribers' positions and the log end (as last seen), summed over the topic's subscriptions.",
    lagMax: "The largest lag of one subscription on the topic, in records.",
    credit: "Credit granted and not yet used, summed over the topic's subscriptions.",
  };
  out.declare("rivulet_subscriptions", "gauge", help.count);
  out.declare("rivulet_subscriptions_paused", "gauge", help.paused);
  out.declare("rivulet_subscriptions_lag_records", "gauge", help.lagSum);
  out.declare("rivulet_subscriptions_max_lag_records", "gauge", help.lagMax);
  out.declare("rivulet_subscriptions_credit_bytes", "gauge", help.credit);
  for (const [topic, t] of byTopic) {
    out.metric("rivulet_subscriptions", "gauge", help.count, { topic }, t.count);
    out.metric("rivulet_subscriptions_paused", "gauge", help.paused, { topic }, t.paused);
    out.metric("rivulet_subscriptions_lag_records", "gauge", help.lagSum, { topic }, t.lagSum);
    out.metric("rivulet_subscriptions_max_lag_records", "gauge", help.lagMax, { topic }, t.lagMax);
    out.metric("rivulet_subscriptions_credit_bytes", "gauge", help.credit, { topic }, t.credit);
  }
  if (detail !== "subscriptions") return;
  for (const session of sessions) {
    out.metric("rivulet_connection_socket_paused", "gauge", "1 while the connection's send buffer is above its high-water mark.", { connection: session.id }, session.isSocketPaused ? 1 : 0);
    for (const sub of session.subscriptions.values()) {
      const labels = { connection: session.id, subscription: sub.id, topic: sub.topic };
      out.metric("rivulet_subscriber_lag_records", "gauge", "Records between the subscriber's position and the log end (as last seen).", labels, sub.lag());
      const pausedNow = sub.pausedSince === undefined ? 0 : now - sub.pausedSince;
      out.metric("rivulet_subscriber_paused_seconds_total", "counter", "Time the subscription could not send for lack of credit or socket room.", labels, (sub.pausedMs + pausedNow) / 1000);
      out.metric("rivulet_subscriber_credit_bytes", "gauge", "Credit the subscriber has granted and not yet used.", labels, sub.credit);
      let delivered = 0;
      for (const c of sub.cursors) delivered += c.deliveredBytes;
      out.metric("rivulet_subscriber_delivered_bytes_total", "counter", "Record bytes delivered to the subscription.", labels, delivered);
    }
  }
}

/** `${topic}\0${partition}` */
const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * The log end of every partition a group has committed to, for the lag gauges. In cluster mode the leader's
 * high watermark (this broker's replica may be a lagging follower, or absent), asked once per partition and
 * concurrently; a partition whose leader does not answer is left out (no lag series rather than a wrong one).
 */
export async function groupLogEnds(broker: Broker, coordinator: GroupCoordinator | undefined): Promise<Map<string, bigint> | undefined> {
  const leaderHw = broker.cluster?.leaderHighWatermark?.bind(broker.cluster);
  if (!coordinator || !leaderHw) return undefined;
  const wanted = new Map<string, [string, number]>();
  for (const group of coordinator.listGroups()) {
    for (const topic of coordinator.fetchOffsets({ groupId: group.groupId, topics: null }).topics) {
      for (const p of topic.partitions) if (p.committedOffset >= 0n) wanted.set(tpKey(topic.name, p.partitionIndex), [topic.name, p.partitionIndex]);
    }
  }
  const ends = new Map<string, bigint>();
  await Promise.all(
    [...wanted].map(async ([key, [topic, partition]]) => {
      const end = await leaderHw(topic, partition).catch(() => undefined);
      if (end !== undefined) ends.set(key, end);
    }),
  );
  return ends;
}

function groupMetrics(out: Exposition, broker: Broker, coordinator: GroupCoordinator, logEnds: Map<string, bigint> | undefined): void {
  const committedHelp = "The group's committed offset.";
  const lagHelp = "Log end offset minus the group's committed offset.";
  out.declare("rivulet_group_committed_offset", "gauge", committedHelp);
  out.declare("rivulet_group_lag_records", "gauge", lagHelp);
  for (const group of coordinator.listGroups()) {
    const committed = coordinator.fetchOffsets({ groupId: group.groupId, topics: null });
    for (const topic of committed.topics) {
      for (const p of topic.partitions) {
        if (p.committedOffset < 0n) continue;
        const end = logEnds ? logEnds.get(tpKey(topic.name, p.partitionIndex)) : broker.logEndOffset(topic.name, p.partitionIndex);
        const labels = { group: group.groupId, topic: topic.name, partition: p.partitionIndex };
        out.metric("rivulet_group_committed_offset", "gauge", committedHelp, labels, p.committedOffset);
        if (end !== undefined) out.metric("rivulet_group_lag_records", "gauge", lagHelp, labels, end > p.committedOffset ? end - p.committedOffset : 0n);
      }
    }
  }
}

/** Cluster mode: per hosted partition, ISR size, high watermark and the leader's view of follower lag. */
function replicationMetrics(out: Exposition, stats: ReturnType<NonNullable<Broker["replicationStats"]>>): void {
  const isr = "In-sync replicas of the partition (cluster mode).";
  const lag = "Leader only: records the slowest replica is behind the leader's log end (cluster mode).";
  const hw = "High watermark: readers see offsets below it (cluster mode).";
  const leader = "1 if this broker leads the partition (cluster mode).";
  out.declare("rivulet_replication_isr_size", "gauge", isr);
  out.declare("rivulet_replication_max_lag_records", "gauge", lag);
  out.declare("rivulet_replication_high_watermark", "gauge", hw);
  out.declare("rivulet_replication_is_leader", "gauge", leader);
  for (const s of stats) {
    const labels = { topic: s.topic, partition: s.partition };
    out.metric("rivulet_replication_isr_size", "gauge", isr, labels, s.isrSize);
    out.metric("rivulet_replication_high_watermark", "gauge", hw, labels, Number(s.highWatermark));
    out.metric("rivulet_replication_is_leader", "gauge", leader, labels, s.role === "leader" ? 1 : 0);
    if (s.role === "leader") out.metric("rivulet_replication_max_lag_records", "gauge", lag, labels, Number(s.maxFollowerLag));
  }
}

/**
 * Cluster mode: the replication throttle (docs/cluster.md, "Throttling a move"), per direction ("leader":
 * what this broker sends to out-of-ISR followers, "follower": what it fetches while out of the ISR).
 */
function throttleMetrics(out: Exposition, stats: ReplicationThrottleStats): void {
  const rate = "The replication throttle rate this broker applies, bytes/s (-1: no limit).";
  const bytes = "Replication bytes that went through the throttle (sent as a leader, or fetched as a follower).";
  const delay = "Time replication waited for the throttle's budget.";
  out.declare("rivulet_replication_throttle_rate_bytes", "gauge", rate);
  out.declare("rivulet_replication_throttled_bytes_total", "counter", bytes);
  out.declare("rivulet_replication_throttle_delay_seconds_total", "counter", delay);
  for (const direction of ["leader", "follower"] as const) {
    const s = stats[direction];
    out.metric("rivulet_replication_throttle_rate_bytes", "gauge", rate, { direction }, s.rate ?? -1);
    out.metric("rivulet_replication_throttled_bytes_total", "counter", bytes, { direction }, s.throttledBytes);
    out.metric("rivulet_replication_throttle_delay_seconds_total", "counter", delay, { direction }, s.delayedMs / 1000);
  }
}
