// `rivulet cluster status` (drain and remove: cluster-drain.ts; reassign: cluster-reassign.ts): brokers, controller, under-replicated and offline partitions of a cluster-mode
// deployment, and the replication throttle in force, read from etcd (docs/cluster.md).

import { defineCommand, type CommandGroup } from "./command.js";
import { CliError } from "./errors.js";
import { renderTable } from "./table.js";
import { drain, remove } from "./cluster-drain.js";
import { reassign, reassignments } from "./cluster-reassign.js";
import type { ClusterStatus } from "../cluster/status.js";

const status = defineCommand({
  name: "status",
  summary: "Show brokers, the controller, under-replicated or offline partitions, and the replication throttle (reads etcd).",
  flags: {
    cluster: { kind: "string", description: "etcd endpoints, etcd://h1:2379,h2:2379", env: "RIVULET_CLUSTER", placeholder: "URL" },
    json: { kind: "boolean", description: "print JSON" },
  },
  async run({ flags }) {
    if (!flags.cluster) throw new CliError("give the etcd endpoints with --cluster etcd://host:2379 (or RIVULET_CLUSTER)");
    let s;
    try {
      // etcd's client loads only for this command.
      const { readClusterStatus } = await import("../cluster/status.js");
      s = await readClusterStatus(flags.cluster);
    } catch (error) {
      throw new CliError(`cannot read the cluster metadata from ${flags.cluster}: ${(error as Error).message}`);
    }
    if (flags.json) {
      process.stdout.write(JSON.stringify(s, null, 2) + "\n");
    } else {
      process.stdout.write(`controller: ${s.controller ? `broker ${s.controller.brokerId} (epoch ${s.controller.epoch})` : "none"}\n`);
      process.stdout.write(renderTable(["BROKER", "HOST", "KAFKA", "WS", "STATE"], s.brokers.map((b) => [b.id, b.host, String(b.kafkaPort), String(b.wsPort), s.draining.includes(b.id) ? "draining" : "live"])));
      const gone = s.draining.filter((id) => !s.brokers.some((b) => b.id === id));
      if (gone.length) process.stdout.write(`draining, not registered: ${gone.join(", ")}\n`);
      process.stdout.write(`topics: ${s.topics}, partitions: ${s.partitions}, under-replicated: ${s.underReplicated.length}, offline: ${s.offline.length}\n`);
      const rows = [
        ...s.underReplicated.map((p) => [p.topic, p.partition, "under-replicated", p.leader, p.replicas.join(","), p.isr.join(",")]),
        ...s.offline.map((p) => [p.topic, p.partition, "offline", "-", p.replicas.join(","), p.isr.join(",")]),
      ];
      if (rows.length) process.stdout.write(renderTable(["TOPIC", "PARTITION", "STATE", "LEADER", "REPLICAS", "ISR"], rows));
      writeThrottle(s.throttle);
    }
    // Non-zero when something needs attention, for scripts and health checks.
    return s.offline.length ? 2 : s.underReplicated.length ? 1 : 0;
  },
});

/** The replication throttle, only when one is in force (a rate on some broker, or a list on some topic). */
function writeThrottle(throttle: ClusterStatus["throttle"]): void {
  const rated = throttle.brokers.filter((b) => b.leaderRate !== null || b.followerRate !== null);
  if (!rated.length && !throttle.topics.length) return;
  const rate = (r: number | null) => (r === null ? "-" : String(r));
  process.stdout.write(`replication throttle: ${rated.length} broker(s) with a rate, ${throttle.topics.length} topic(s) with throttled replicas\n`);
  if (rated.length) process.stdout.write(renderTable(["BROKER", "LEADER RATE (B/s)", "FOLLOWER RATE (B/s)"], rated.map((b) => [b.id, rate(b.leaderRate), rate(b.followerRate)])));
  if (throttle.topics.length) process.stdout.write(renderTable(["TOPIC", "LEADER THROTTLED", "FOLLOWER THROTTLED"], throttle.topics.map((t) => [t.topic, t.leaderReplicas || "-", t.followerReplicas || "-"])));
}

export const cluster: CommandGroup = { name: "cluster", summary: "Inspect and operate a cluster-mode deployment (etcd metadata).", commands: [status, drain, remove, reassign, reassignments] };
