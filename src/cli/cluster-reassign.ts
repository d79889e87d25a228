// `rivulet cluster reassign` and `rivulet cluster reassignments` (docs/cluster.md, "Moving partitions"):
// ask the controller to move partitions to other brokers (one partition from the arguments, or a plan file in
// the format of Kafka's kafka-reassign-partitions), optionally following progress; list what is moving.
// `--generate <topics> --brokers 1,2,3` only prints a balanced plan (src/cluster/reassign-plan.ts), as
// kafka-reassign-partitions --generate does: nothing is asked of the controller.

import { readFile } from "node:fs/promises";
import { defineCommand } from "./command.js";
import { CliError, UsageError } from "./errors.js";
import { renderTable } from "./table.js";
import { clusterFlag, withAdmin } from "./cluster-drain.js";
import type { OngoingReassignment } from "../cluster/partition-reassignment.js";
import { generatePlan } from "../cluster/reassign-plan.js";

interface Move {
  topic: string;
  partition: number;
  /** null: cancel. */
  replicas: number[] | null;
}

function parseReplicas(text: string): number[] {
  const ids = text.split(",").map((s) => s.trim());
  if (!ids.length || ids.some((id) => !/^\d+$/.test(id))) throw new UsageError(`replicas must be comma-separated broker ids, e.g. 1,2,3; got ${text}`);
  return ids.map(Number);
}

/** Kafka's reassignment JSON: {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3]}]}. */
async function readPlan(path: string, cancel: boolean): Promise<Move[]> {
  let plan: unknown;
  try {
    plan = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new CliError(`cannot read the reassignment plan ${path}: ${(error as Error).message}`);
  }
  const partitions = (plan as { partitions?: unknown }).partitions;
  if (!Array.isArray(partitions)) throw new CliError(`${path}: expected {"version":1,"partitions":[{"topic":...,"partition":...,"replicas":[...]}]}`);
  return partitions.map((p: { topic?: unknown; partition?: unknown; replicas?: unknown }, i) => {
    if (typeof p.topic !== "string" || !Number.isInteger(p.partition) || (!cancel && !(Array.isArray(p.replicas) && p.replicas.every((id) => Number.isInteger(id))))) {
      throw new CliError(`${path}: partitions[${i}] needs "topic" (string), "partition" (integer) and "replicas" (broker ids)`);
    }
    return { topic: p.topic, partition: p.partition as number, replicas: cancel ? null : (p.replicas as number[]) };
  });
}

export const reassign = defineCommand({
  name: "reassign",
  summary: "Move partitions to other brokers (Kafka's partition reassignment), optionally following progress.",
  args: [
    { name: "topic", description: "the topic (or give --file)", optional: true },
    { name: "partition", description: "the partition", optional: true },
    { name: "replicas", description: "the new replica set, preferred leader first: 4,2,3", optional: true },
  ],
  flags: {
    cluster: clusterFlag,
    file: { kind: "string", description: "a plan in kafka-reassign-partitions' JSON format instead of the arguments", placeholder: "PATH" },
    generate: { kind: "string", description: "print a balanced plan for these comma-separated topics over --brokers (the current and the proposed assignment) and move nothing", placeholder: "TOPICS" },
    brokers: { kind: "string", description: "with --generate: the broker ids to spread the topics over, e.g. 1,2,3", placeholder: "IDS" },
    cancel: { kind: "boolean", description: "cancel the reassignment in progress (back to the replicas it started from)" },
    wait: { kind: "integer", description: "seconds to follow progress until every partition has moved (0: ask and return)", default: 0, min: 0 },
    throttle: { kind: "integer", description: "limit the copy to this many bytes/s per broker (Kafka's replication throttle: the rates on the brokers involved, the moving replicas on the topics); removed once done (with --wait, or by --verify)", placeholder: "BYTES", min: 1 },
    verify: { kind: "boolean", description: "ask nothing: tell whether these moves are done and, if they are, remove their --throttle" },
    json: { kind: "boolean", description: "print the outcome as JSON" },
  },
  details: [
    "New replicas are added and copy the log until they are in the ISR; if the leader is not in the new set, leadership moves to the first new replica in the ISR (a clean election); then the old replicas leave the assignment. Partitions keep a leader throughout, and acks=all with min.insync.replicas holds. A different number of replicas changes that partition's replication factor.",
    "Refused as Kafka refuses: an empty or duplicated list, brokers that are not running or are being drained, an unknown partition, a cancel with nothing in progress.",
    "--generate <topics> --brokers <ids> moves nothing: it prints the topics' current assignment (keep it to roll back) and a balanced proposal (leaders and replicas spread evenly over the brokers, each partition keeping its replication factor) in kafka-reassign-partitions' JSON, to save and pass back with --file.",
    "--throttle <bytes/s> sets, before asking, leader.replication.throttled.rate and follower.replication.throttled.rate on every broker a move touches and the topics' leader/follower.replication.throttled.replicas (the partitions' current replicas, and those being added): only replicas out of the ISR are slowed, so a move's copy takes about its size divided by the rate. With --wait the throttle is removed once every partition has moved; otherwise run the same command with --verify (instead of --throttle) when they are done. docs/cluster.md, \"Throttling a move\".",
    "Exit codes: 0 asked (and, with --wait, done; with --verify, done and unthrottled), 1 still moving when --wait ran out (or at --verify), 2 refused.",
  ],
  async run({ flags, args }) {
    if (flags.generate !== undefined) return generate(flags.cluster, flags.generate, flags.brokers, flags.json, args.length > 0 || flags.file !== undefined || flags.cancel || flags.wait > 0 || flags.throttle !== undefined || flags.verify);
    if (flags.brokers !== undefined) throw new UsageError("--brokers goes with --generate");
    if (flags.throttle !== undefined && (flags.cancel || flags.verify)) throw new UsageError("--throttle goes with a move, not with --cancel or --verify");
    let moves: Move[];
    if (flags.file) {
      if (args.length) throw new UsageError("give either --file or <topic> <partition> <replicas>, not both");
      moves = await readPlan(flags.file, flags.cancel);
    } else {
      const [topic, partitionText, replicasText] = args;
      const noReplicas = flags.cancel || (flags.verify && replicasText === undefined);
      if (!topic || partitionText === undefined || (!noReplicas && replicasText === undefined)) throw new UsageError("give <topic> <partition> <replicas> (or <topic> <partition> --cancel, or --file)");
      if (!/^\d+$/.test(partitionText)) throw new UsageError(`partition must be a non-negative integer, got ${partitionText}`);
      moves = [{ topic, partition: Number(partitionText), replicas: noReplicas ? null : parseReplicas(replicasText!) }];
    }
    if (flags.verify) return verify(flags.cluster, moves, flags.json);
    return withAdmin(flags.cluster, async (admin) => {
      const topics = [...new Set(moves.map((m) => m.topic))];
      if (flags.throttle !== undefined) {
        const plan = await admin.throttle(moves.filter((m) => m.replicas !== null).map((m) => ({ topic: m.topic, partition: m.partition, replicas: m.replicas! })), flags.throttle);
        if (!flags.json) process.stdout.write(`throttled to ${flags.throttle} bytes/s: brokers ${[...plan.brokers.keys()].join(",")}; topics ${[...plan.topics.keys()].join(",")}\n`);
      }
      const outcome: Array<Move & { result: string }> = [];
      let refused = false;
      for (const move of moves) {
        const r = await admin.reassign(move.topic, move.partition, move.replicas);
        if (!r.ok) refused = true;
        outcome.push({ ...move, result: r.ok ? (r.started ? (move.replicas ? "started" : "cancelling") : "already there") : `refused: ${r.error}: ${r.message}` });
      }
      if (!flags.json) for (const o of outcome) process.stdout.write(`${o.topic}-${o.partition}: ${o.result}\n`);
      const mine = new Set(moves.map((m) => `${m.topic}/${m.partition}`));
      const only = (topic: string, p: number) => mine.has(`${topic}/${p}`);
      const deadline = Date.now() + flags.wait * 1000;
      let moving = await admin.reassignments(only);
      while (flags.wait > 0 && moving.length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        moving = await admin.reassignments(only);
      }
      // Done under --wait: the throttle comes off now (otherwise --verify takes it off later).
      const unthrottled = flags.throttle !== undefined && flags.wait > 0 && moving.length === 0 ? await admin.unthrottle(topics) : undefined;
      if (!flags.json && unthrottled) process.stdout.write("throttle removed\n");
      else if (!flags.json && flags.throttle !== undefined) process.stdout.write("the throttle stays until `rivulet cluster reassign --verify` (same partitions) finds the moves done\n");
      if (flags.json) process.stdout.write(JSON.stringify({ requests: outcome, moving, ...(unthrottled ? { unthrottled } : {}) }, null, 2) + "\n");
      else if (flags.wait > 0 && moving.length) process.stdout.write(`still moving after ${flags.wait} s:\n` + reassignmentTable(moving));
      else if (flags.wait > 0) process.stdout.write("every partition is on its new replicas\n");
      if (refused) return 2;
      return flags.wait > 0 && moving.length ? 1 : 0;
    });
  },
});

export const reassignments = defineCommand({
  name: "reassignments",
  summary: "List the partition reassignments in progress and what each waits for.",
  flags: { cluster: clusterFlag, json: { kind: "boolean", description: "print JSON" } },
  async run({ flags }) {
    return withAdmin(flags.cluster, async (admin) => {
      const moving = await admin.reassignments();
      if (flags.json) process.stdout.write(JSON.stringify(moving, null, 2) + "\n");
      else process.stdout.write(moving.length ? reassignmentTable(moving) : "no reassignment in progress\n");
      return 0;
    });
  },
});

/** --verify: are these moves done? If so, their throttle comes off (kafka-reassign-partitions --verify). */
async function verify(etcd: string | undefined, moves: Move[], json: boolean): Promise<number> {
  return withAdmin(etcd, async (admin) => {
    const mine = new Set(moves.map((m) => `${m.topic}/${m.partition}`));
    const moving = await admin.reassignments((topic, p) => mine.has(`${topic}/${p}`));
    const unthrottled = moving.length === 0 ? await admin.unthrottle([...new Set(moves.map((m) => m.topic))]) : undefined;
    if (json) process.stdout.write(JSON.stringify({ moving, ...(unthrottled ? { unthrottled } : {}) }, null, 2) + "\n");
    else if (moving.length) process.stdout.write("still moving (the throttle stays):\n" + reassignmentTable(moving));
    else process.stdout.write(`every partition is on its new replicas; throttle removed from ${unthrottled!.brokers.length} broker(s) and ${unthrottled!.topics.length} topic(s)\n`);
    return moving.length ? 1 : 0;
  });
}

/** --generate: the current and the proposed plan, as kafka-reassign-partitions prints them. */
async function generate(etcd: string | undefined, topicsText: string, brokersText: string | undefined, json: boolean, extra: boolean): Promise<number> {
  if (extra) throw new UsageError("--generate takes no <topic> <partition> <replicas>, --file, --cancel, --wait, --throttle or --verify");
  if (brokersText === undefined) throw new UsageError("--generate needs --brokers, e.g. --brokers 1,2,3");
  const names = [...new Set(topicsText.split(",").map((t) => t.trim()).filter(Boolean))];
  if (!names.length) throw new UsageError("--generate needs topic names, e.g. --generate orders,payments");
  const brokers = parseReplicas(brokersText);
  return withAdmin(etcd, async (admin) => {
    const snap = await admin.snapshot();
    const unknownTopics = names.filter((n) => !snap.topics.has(n));
    if (unknownTopics.length) throw new CliError(`no such topic: ${unknownTopics.join(", ")}`);
    const unknownBrokers = brokers.filter((id) => !snap.brokers.has(id));
    if (unknownBrokers.length) throw new CliError(`broker(s) not registered in the cluster: ${unknownBrokers.join(", ")}`);
    let plan: ReturnType<typeof generatePlan>;
    try {
      plan = generatePlan(names.map((n) => snap.topics.get(n)!), brokers);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    if (json) process.stdout.write(JSON.stringify(plan, null, 2) + "\n");
    else process.stdout.write(`Current partition replica assignment\n${JSON.stringify(plan.current)}\n\nProposed partition reassignment configuration\n${JSON.stringify(plan.proposed)}\n`);
    return 0;
  });
}

function reassignmentTable(moving: OngoingReassignment[]): string {
  return renderTable(
    ["TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING", "STEP", "WAITING FOR"],
    moving.map((m) => [m.topic, m.partition, m.replicas.join(","), m.addingReplicas.join(","), m.removingReplicas.join(","), m.phase, m.reason ?? ""]),
  );
}
