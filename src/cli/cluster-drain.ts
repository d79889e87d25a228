// `rivulet cluster drain <broker-id>` and `rivulet cluster remove <broker-id>` (docs/cluster.md, "Draining
// and removing a broker"). drain marks the broker and follows the controller's progress until the broker
// holds no replica (with --throttle, the replication throttle reassign --throttle sets, for the drain's
// moves, removed once drained); remove refuses while it still holds one.

import { defineCommand } from "./command.js";
import { CliError, UsageError } from "./errors.js";
import { renderTable } from "./table.js";
import type { ClusterAdmin } from "../cluster/drain.js";

export const clusterFlag = { kind: "string", description: "etcd endpoints, etcd://h1:2379,h2:2379", env: "RIVULET_CLUSTER", placeholder: "URL" } as const;

function brokerIdArg(args: string[]): number {
  const id = Number(args[0]);
  if (!/^\d+$/.test(args[0] ?? "") || !Number.isInteger(id) || id > 4095) throw new UsageError(`broker id must be an integer in [0, 4095], got ${args[0] ?? "nothing"}`);
  return id;
}

export async function withAdmin<T>(etcd: string | undefined, run: (admin: ClusterAdmin) => Promise<T>): Promise<T> {
  if (!etcd) throw new CliError("give the etcd endpoints with --cluster etcd://host:2379 (or RIVULET_CLUSTER)");
  // etcd's client loads only for the cluster commands.
  const { ClusterAdmin } = await import("../cluster/drain.js");
  let admin: ClusterAdmin;
  try {
    admin = new ClusterAdmin(etcd);
  } catch (error) {
    throw new CliError(`cannot reach etcd at ${etcd}: ${(error as Error).message}`);
  }
  try {
    return await run(admin);
  } catch (error) {
    if (error instanceof CliError || error instanceof UsageError) throw error;
    throw new CliError(`cluster metadata at ${etcd}: ${(error as Error).message}`);
  } finally {
    admin.close();
  }
}

export const drain = defineCommand({
  name: "drain",
  summary: "Move every replica off a broker (no new ones land there), following progress until it holds none.",
  args: [{ name: "broker-id", description: "the broker to drain" }],
  flags: {
    cluster: clusterFlag,
    wait: { kind: "integer", description: "seconds to follow progress before giving up (0: mark and return at once)", default: 600, min: 0 },
    cancel: { kind: "boolean", description: "cancel the drain: the broker may receive replicas again" },
    throttle: { kind: "integer", description: "limit the copies to this many bytes/s per broker (as reassign --throttle: the rates on the brokers involved, the moving replicas on the topics); removed once drained", placeholder: "BYTES", min: 1 },
    json: { kind: "boolean", description: "print the final progress as JSON" },
  },
  details: [
    "Each replica moves the way Kafka's reassignment does: a new replica is added and caught up into the ISR, leadership moves away by a clean election, then the old replica leaves the assignment and the ISR. Partitions keep a leader throughout, and acks=all with min.insync.replicas holds.",
    "--throttle <bytes/s> sets, before the drain starts, what `reassign --throttle` sets for the same moves: both rates on the drained broker, on the other replicas of its partitions and on every live broker that may receive one, and on the topics the leader list (the partitions' current replicas) and the follower list (those brokers). It comes off once the broker is drained; if --wait runs out first it stays: run the same command again to follow on, and it comes off when drained. docs/cluster.md, \"Throttling a move\".",
    "Exit codes: 0 drained (the broker holds no replica), 1 still holding replicas when --wait ran out, 2 refused.",
  ],
  async run({ flags, args }) {
    const id = brokerIdArg(args);
    return withAdmin(flags.cluster, async (admin) => {
      if (flags.cancel) {
        if (flags.throttle !== undefined) throw new UsageError("--throttle goes with a drain, not with --cancel");
        await admin.undrain(id);
        process.stdout.write(`broker ${id}: drain cancelled\n`);
        return 0;
      }
      // As reassign --throttle: set before the moves start, so that the first copy is throttled too.
      const plan = flags.throttle === undefined ? undefined : await admin.throttleDrain(id, flags.throttle);
      const marked = await admin.drain(id);
      if (!marked.ok) {
        // Undo the throttle this run set (a refused drain of a broker holding nothing set none).
        if (plan && plan.brokers.size) await admin.unthrottleDrain(id, [...plan.topics.keys()]);
        process.stderr.write(`refused: ${marked.reason}\n`);
        return 2;
      }
      if (plan && !flags.json) process.stdout.write(`throttled to ${flags.throttle} bytes/s: brokers ${[...plan.brokers.keys()].join(",")}; topics ${[...plan.topics.keys()].join(",")}\n`);
      const deadline = Date.now() + flags.wait * 1000;
      let last = "";
      for (;;) {
        const progress = await admin.progress(id);
        const left = progress.partitions;
        const counts = new Map<string, number>();
        for (const p of left) counts.set(p.phase, (counts.get(p.phase) ?? 0) + 1);
        const line = `broker ${id}: ${left.length} replica(s) left${left.length ? ` (${[...counts].map(([phase, n]) => `${n} ${phase}`).join(", ")})` : ""}`;
        if (line !== last && !flags.json) process.stdout.write(line + "\n");
        last = line;
        if (left.length === 0 || Date.now() >= deadline) {
          // Drained: the throttle comes off now (otherwise it stays for the next run to take off).
          const unthrottled = plan && left.length === 0 ? await admin.unthrottleDrain(id, [...plan.topics.keys()]) : undefined;
          if (!flags.json && plan) process.stdout.write(unthrottled ? "throttle removed\n" : `the throttle stays until \`rivulet cluster drain ${id} --throttle ${flags.throttle}\` is run again and finds the broker drained\n`);
          if (flags.json) process.stdout.write(JSON.stringify({ ...progress, ...(unthrottled ? { unthrottled } : {}) }, null, 2) + "\n");
          else if (left.length) process.stdout.write(renderTable(["TOPIC", "PARTITION", "STEP", "LEADER", "REPLICAS", "ISR", "WAITING FOR"], left.map((p) => [p.topic, p.partition, p.phase, p.leader, p.replicas.join(","), p.isr.join(","), p.reason ?? ""])));
          else process.stdout.write(`broker ${id} is drained: stop it, then run \`rivulet cluster remove ${id}\`\n`);
          return left.length === 0 ? 0 : 1;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    });
  },
});

export const remove = defineCommand({
  name: "remove",
  summary: "Remove a drained broker from the cluster (refused while it holds replicas).",
  args: [{ name: "broker-id", description: "the broker to remove" }],
  flags: {
    cluster: clusterFlag,
    force: { kind: "boolean", description: "also when it is still registered (a killed broker whose lease has not expired yet)" },
  },
  details: ["Exit codes: 0 removed, 2 refused (it still holds replicas, or is still registered without --force)."],
  async run({ flags, args }) {
    const id = brokerIdArg(args);
    return withAdmin(flags.cluster, async (admin) => {
      const result = await admin.remove(id, flags.force);
      if (!result.ok) {
        process.stderr.write(`refused: ${result.reason}\n`);
        return 2;
      }
      process.stdout.write(`broker ${id} removed${result.deletedRegistration ? " (registration deleted)" : ""}\n`);
      return 0;
    });
  },
});
