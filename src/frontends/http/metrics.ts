// GET /metrics: Prometheus text exposition (version 0.0.4). Counters are cumulative; Prometheus derives
// rates (rate(rivulet_produced_bytes_total[1m])).

import type { Broker } from "../../broker/broker.js";
import type { Session } from "../ws/session.js";
import type { GroupCoordinator } from "../../groups/index.js";

function escape(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

class Exposition {
  private readonly lines: string[] = [];
  private readonly declared = new Set<string>();

  metric(name: string, type: "counter" | "gauge", help: string, labels: Record<string, string | number>, value: number | bigint): void {
    if (!this.declared.has(name)) {
      this.declared.add(name);
      this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    }
    const labelText = Object.entries(labels).map(([k, v]) => `${k}="${escape(String(v))}"`).join(",");
    this.lines.push(`${name}${labelText ? `{${labelText}}` : ""} ${value}`);
  }

  text(): string {
    return this.lines.join("\n") + "\n";
  }
}

export function renderMetrics(broker: Broker, sessions: Iterable<Session>, coordinator?: GroupCoordinator): string {
  const out = new Exposition();
  for (const topic of broker.listTopics()) {
    for (let partition = 0; partition < topic.partitions; partition++) {
      const labels = { topic: topic.name, partition };
      const c = broker.counters.get(`${topic.name}\u0000${partition}`);
      out.metric("rivulet_produced_bytes_total", "counter", "Record batch bytes appended.", labels, c?.producedBytes ?? 0);
      out.metric("rivulet_produced_records_total", "counter", "Records appended.", labels, c?.producedRecords ?? 0);
      out.metric("rivulet_fetched_bytes_total", "counter", "Record batch bytes read by fetches and subscriptions (shared reads count once).", labels, c?.fetchedBytes ?? 0);
      out.metric("rivulet_log_end_offset", "gauge", "Offset the next appended record will get.", labels, broker.logEndOffset(topic.name, partition) ?? -1n);
    }
  }
  let connections = 0;
  for (const session of sessions) {
    connections++;
    out.metric("rivulet_connection_socket_paused", "gauge", "1 while the connection's send buffer is above its high-water mark.", { connection: session.id }, session.isSocketPaused ? 1 : 0);
    for (const sub of session.subscriptions.values()) {
      const labels = { connection: session.id, subscription: sub.id, topic: sub.topic };
      out.metric("rivulet_subscriber_lag_records", "gauge", "Records between the subscriber's position and the log end (as last seen).", labels, sub.lag());
      const pausedNow = sub.pausedSince === undefined ? 0 : Date.now() - sub.pausedSince;
      out.metric("rivulet_subscriber_paused_seconds_total", "counter", "Time the subscription could not send for lack of credit or socket room.", labels, (sub.pausedMs + pausedNow) / 1000);
      out.metric("rivulet_subscriber_credit_bytes", "gauge", "Credit the subscriber has granted and not yet used.", labels, sub.credit);
      let delivered = 0;
      for (const c of sub.cursors) delivered += c.deliveredBytes;
      out.metric("rivulet_subscriber_delivered_bytes_total", "counter", "Record bytes delivered to the subscription.", labels, delivered);
    }
  }
  out.metric("rivulet_connections", "gauge", "Open WebSocket connections.", {}, connections);
  const memory = broker.requestMemory;
  out.metric("rivulet_request_memory_bytes", "gauge", "Bytes of client requests reserved (being read or processed), both ports.", {}, memory.inUse);
  out.metric("rivulet_request_memory_limit_bytes", "gauge", "The request memory budget (queuedMaxRequestBytes).", {}, memory.limit);
  out.metric("rivulet_request_memory_waiting", "gauge", "Connections waiting for request memory (their sockets paused).", {}, memory.waiting);
  out.metric("rivulet_request_memory_waits_total", "counter", "Requests that had to wait for request memory.", {}, memory.waits);
  if (coordinator) {
    for (const group of coordinator.listGroups()) {
      const committed = coordinator.fetchOffsets({ groupId: group.groupId, topics: null });
      for (const topic of committed.topics) {
        for (const p of topic.partitions) {
          if (p.committedOffset < 0n) continue;
          const end = broker.logEndOffset(topic.name, p.partitionIndex);
          const labels = { group: group.groupId, topic: topic.name, partition: p.partitionIndex };
          out.metric("rivulet_group_committed_offset", "gauge", "The group's committed offset.", labels, p.committedOffset);
          if (end !== undefined) out.metric("rivulet_group_lag_records", "gauge", "Log end offset minus the group's committed offset.", labels, end > p.committedOffset ? end - p.committedOffset : 0n);
        }
      }
    }
  }
  for (const s of broker.shardStats()) {
    out.metric("rivulet_shard_tasks_in_flight", "gauge", "Tasks sent to the shard and not yet answered.", { shard: s.shard }, s.inFlight);
    out.metric("rivulet_shard_queue_depth", "gauge", "Tasks waiting for a free slot in the shard.", { shard: s.shard }, s.queued);
  }
  return out.text();
}
