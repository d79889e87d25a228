// Consumer groups end to end over loopback WebSocket. The broker runs in a child process (bench/ws/server.ts:
// dist/server.js, default shards and group settings, so group.initial.rebalance.delay.ms is Kafka's 3 s);
// this process runs every client (the GroupConsumer from dist/). Sections:
//   rebalance  a group of 10 members on a 20-partition topic (a producer writes one record to every partition
//              every 5 ms all along). Once the group is stable (the initial delay is behind us), each
//              repetition measures
//                join:  an 11th member sends JOIN_GROUP (its connection is already open) → the member that
//                       gives up a partition commits and acknowledges the revocation → the new member's
//                       ASSIGNED ("settled") → its first record ("first record": includes waiting for the
//                       next produced record, 0-5 ms, as the partition it takes over is caught up);
//                leave: a member with two partitions calls close() (commit, LEAVE_GROUP) → the survivors'
//                       last ASSIGNED, when they own every partition again.
//              The group is back to 10 members after each repetition; median of GROUPS_BENCH_REPS (7).
//   commits    acks=-1 appends to __consumer_offsets, one partition per commit: a managed member's COMMIT
//              through its membership, and standalone commits (admin.commitOffsets, a group with no
//              members); sequential and with 16 in flight on one connection; median of 3 runs.
// Knobs: GROUPS_BENCH_REPS (7), GROUPS_BENCH_COMMITS (commits per run, 3000).
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import type * as ClientModule from "../src/client/index.js";
import type * as ProtocolModule from "../src/protocol/ws/index.js";
import { report, type Row } from "./lib/report.js";
import { balanced, connectMember, join, waitFor, type BenchMember } from "./groups/members.js";
import { loadDist, staleDistFiles, startBrokerProcess } from "./ws/common.js";

const REPS = Number(process.env.GROUPS_BENCH_REPS ?? 7);
const COMMITS = Number(process.env.GROUPS_BENCH_COMMITS ?? 3000);
const MEMBERS = 10;
const PARTITIONS = 20;
const IN_FLIGHT = 16;

const client = await loadDist<typeof ClientModule>("dist/client/index.js");
const { FrameType } = await loadDist<typeof ProtocolModule>("dist/protocol/ws/index.js");

const progress = (message: string) => process.stderr.write(`[groups] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const spread = (values: number[], digits = 1) => `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;

const started = performance.now();
const load = loadavg()[0]!;
const stale = staleDistFiles(["src/client", "src/groups", "src/frontends", "src/protocol", "src/broker", "src/shard"]);
if (stale.length) progress(`WARNING: dist/ is older than ${stale.length} source file(s) (${stale.slice(0, 3).join(", ")}...): run npm run build:ts`);

const dataDir = mkdtempSync(joinPath(tmpdir(), "rivulet-groups-bench-"));
const broker = await startBrokerProcess(dataDir);
const adminClient = await client.connect({ url: broker.url, reconnect: false });
const admin = adminClient.admin;
const rows: Row[] = [];
const notes: string[] = [];

/** One record to every partition every `everyMs`, until stopped. */
function produceContinuously(topic: string, everyMs: number) {
  const producer = adminClient.producer({ lingerMs: 0 });
  let stopped = false;
  const running = (async () => {
    for (let n = 0; !stopped; n++) {
      await Promise.all(Array.from({ length: PARTITIONS }, (_, partition) => producer.send({ topic, partition, value: String(n) })));
      await sleep(everyMs);
    }
  })();
  return async () => {
    stopped = true;
    await running;
  };
}

async function stableOnServer(group: string, size: number): Promise<void> {
  await waitFor(`${group} stable with ${size} members`, async () => {
    const d = await admin.describeGroup(group);
    return d.state === "Stable" && d.members.length === size;
  });
}

async function rebalanceSection(): Promise<void> {
  const topic = "rebalance";
  const group = "rebalance-group";
  await admin.createTopic(topic, { partitions: PARTITIONS });
  const stopProducing = produceContinuously(topic, 5);
  const members: BenchMember[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const m = await connectMember(client, broker.url, `m${i}`);
    await join(m, { topic, group });
    members.push(m);
  }
  const formed = performance.now();
  await waitFor("the initial assignment", () => balanced(members, PARTITIONS), 60_000);
  await stableOnServer(group, MEMBERS);
  progress(`group of ${MEMBERS} formed in ${(performance.now() - formed).toFixed(0)} ms (initial rebalance delay; not measured)`);

  const joinSettled: number[] = [];
  const joinFirst: number[] = [];
  const leaveSettled: number[] = [];
  let next = MEMBERS;
  for (let rep = 0; rep < REPS; rep++) {
    await sleep(200);
    // join: 10 → 11
    const newcomer = await connectMember(client, broker.url, `m${next++}`);
    const t0 = performance.now();
    await join(newcomer, { topic, group });
    members.push(newcomer);
    await waitFor("the newcomer's first record", () => newcomer.firstRecordAt !== undefined && balanced(members, PARTITIONS));
    const settledAt = Math.max(...members.flatMap((m) => m.assignedAt.filter((at) => at >= t0)));
    joinSettled.push(settledAt - t0);
    joinFirst.push(newcomer.firstRecordAt! - t0);
    await stableOnServer(group, MEMBERS + 1);

    await sleep(200);
    // leave: 11 → 10 (the oldest member that owns two partitions)
    const leaver = members.find((m) => m.consumer.assignment().length === 2)!;
    const survivors = members.filter((m) => m !== leaver);
    const t1 = performance.now();
    await leaver.consumer.close();
    await waitFor("the survivors to own every partition", () => balanced(survivors, PARTITIONS));
    leaveSettled.push(Math.max(...survivors.flatMap((m) => m.assignedAt.filter((at) => at >= t1))) - t1);
    leaver.client.close();
    members.splice(members.indexOf(leaver), 1);
    await stableOnServer(group, MEMBERS);
    progress(`rep ${rep + 1}/${REPS}: join settled ${joinSettled.at(-1)!.toFixed(1)} ms, first record ${joinFirst.at(-1)!.toFixed(1)} ms; leave settled ${leaveSettled.at(-1)!.toFixed(1)} ms`);
  }
  await stopProducing();
  for (const m of members) {
    await m.consumer.close();
    m.client.close();
  }
  const row = (name: string, values: number[]): Row => ({ group: "rebalance", name, value: median(values), unit: "ms (median)", "range ms": spread(values), reps: values.length });
  rows.push(
    row(`join 10 → 11 members: all assignments settled`, joinSettled),
    row(`join 10 → 11 members: newcomer's first record`, joinFirst),
    row(`leave 11 → 10 members (close: commit + LEAVE_GROUP): survivors own all partitions`, leaveSettled),
  );
}

/** Runs `commit(i)` COMMITS times with `inFlight` at once; commits/s. */
async function commitRate(commit: (i: number) => Promise<void>, inFlight: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < COMMITS) await commit(next++);
    }),
  );
  return COMMITS / ((performance.now() - t0) / 1000);
}

async function commitSection(): Promise<void> {
  const topic = "commits";
  await admin.createTopic(topic, { partitions: 4 });
  const member = await connectMember(client, broker.url, "committer");
  await join(member, { topic, group: "commit-group", autoCommit: false });
  await waitFor("the committer's assignment", () => member.consumer.assignment().length === 4, 60_000);
  const memberCommit = async (i: number) => {
    const response = await member.client.connection.request({ type: FrameType.COMMIT, groupId: "commit-group", offsets: [{ topic, partition: i % 4, offset: BigInt(i), metadata: "" }] });
    if (response.type !== FrameType.COMMIT_RESULT || response.items.some((item) => item.errorCode !== 0)) throw new Error("member commit refused");
  };
  const standaloneCommit = (i: number) => admin.commitOffsets("standalone-group", [{ topic, partition: i % 4, offset: BigInt(i) }]);
  for (const [name, commit] of [
    ["managed member (COMMIT through its membership)", memberCommit],
    ["standalone (admin.commitOffsets, group without members)", standaloneCommit],
  ] as const) {
    await commitRate(commit, IN_FLIGHT); // warm-up
    for (const inFlight of [1, IN_FLIGHT]) {
      const rates: number[] = [];
      for (let run = 0; run < 3; run++) rates.push(await commitRate(commit, inFlight));
      progress(`${name}, ${inFlight} in flight: ${rates.map((r) => Math.round(r)).join(", ")} commits/s`);
      rows.push({ group: "commits", name: `${name}, ${inFlight === 1 ? "sequential" : `${inFlight} in flight`}`, value: median(rates), unit: "commits/s", "µs/commit": 1e6 / median(rates), "range commits/s": spread(rates, 0), reps: rates.length });
    }
  }
  const committed = await admin.committedOffsets("commit-group", [topic]);
  if (committed.some((c) => c.offset < 0n)) throw new Error("member commits were not stored");
  await member.consumer.close();
  member.client.close();
}

try {
  await rebalanceSection();
  await commitSection();
} finally {
  adminClient.close();
  await broker.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

notes.push(
  "Loopback WebSocket; broker in a child process (dist/server.js, shards = available parallelism, default group settings), every client in this process, each member on its own connection; both processes share the same 2-core VM.",
  `rebalance: ${MEMBERS} members (sticky assignor, autoCommit on) on ${PARTITIONS} partitions; times from JOIN_GROUP sent / close() called; the initial rebalance delay (3 s) only precedes the group's first assignment and is excluded. A join moves 1 partition (revoke, commit, acknowledge, assign); a leave moves 2 partitions to the two members holding 1 (no revocation).`,
  `commits: ${COMMITS} per run, one partition per commit, each an acks=-1 append of one record batch to __consumer_offsets (flush policy: the broker default).`,
  `load average ${load.toFixed(2)} at start; total ${((performance.now() - started) / 1000).toFixed(0)} s.`,
);
report("groups", rows, notes);
process.exit(0);
