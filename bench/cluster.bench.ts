// Cluster mode (docs/cluster.md): etcd and three `rivulet serve --cluster` brokers (dist/) as child
// processes on this machine, kafkajs as the client. Sections:
//   throughput  acks=all produce to a 1-partition topic with replication factor 1 and 3, the two runs
//               interleaved (RF1, RF3, RF1, RF3, ...) so the noisy machine affects both alike; batches of
//               BATCH records of 100 bytes, IN_FLIGHT sends outstanding; median records/s per RF.
//   failover    a producer sends acks=all in a loop; the partition leader is killed with SIGKILL; measured:
//               kill → new leader written in etcd (election), and kill → first acknowledged send afterwards
//               (what the client sees). Lease TTL 2 s (the tests' setting; the default is 10 s).
//   rolling     a 3-partition topic (RF 3, min.insync.replicas 2) under one acks=all send loop per
//               partition while every broker is stopped (SIGTERM) and restarted in turn, each waited back
//               into every ISR; measured per partition: the longest stretch without an acknowledgement.
// Knobs: CLUSTER_BENCH_SECONDS (per run, 3), CLUSTER_BENCH_RUNS (3 per RF), CLUSTER_BENCH_FAILOVERS (3).
import { spawn, type ChildProcess } from "node:child_process";
import { brokerNodeFlags } from "./ws/common.js";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { Kafka, logLevel } from "kafkajs";
import { report, type Row } from "./lib/report.js";

const SECONDS = Number(process.env.CLUSTER_BENCH_SECONDS ?? 3);
const RUNS = Number(process.env.CLUSTER_BENCH_RUNS ?? 3);
const FAILOVERS = Number(process.env.CLUSTER_BENCH_FAILOVERS ?? 3);
const BATCH = 100;
const IN_FLIGHT = 4;
const MAIN = join(process.cwd(), "dist", "cli", "main.js");
const progress = (m: string) => process.stderr.write(`[cluster] ${m}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;

async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

const dirs: string[] = [];
const procs: ChildProcess[] = [];
function start(cmd: string, args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  procs.push(child);
  let out = "";
  return new Promise((resolve, reject) => {
    const on = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) resolve(child);
    };
    child.stdout!.on("data", on);
    child.stderr!.on("data", on);
    child.on("exit", () => reject(new Error(`${cmd} exited:\n${out.slice(-2000)}`)));
  });
}

const etcdDir = mkdtempSync(join(tmpdir(), "rivulet-cluster-bench-etcd-"));
dirs.push(etcdDir);
const [cp, pp] = [await freePort(), await freePort()];
await start("etcd", ["--name", "n1", "--data-dir", etcdDir, "--listen-client-urls", `http://127.0.0.1:${cp}`, "--advertise-client-urls", `http://127.0.0.1:${cp}`, "--listen-peer-urls", `http://127.0.0.1:${pp}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${pp}`, "--initial-cluster", `n1=http://127.0.0.1:${pp}`], /ready to serve client requests|serving client requests/);
const brokers = new Map<number, { kafkaPort: number; child: ChildProcess; args: string[] }>();
for (const id of [1, 2, 3]) {
  const dir = mkdtempSync(join(tmpdir(), `rivulet-cluster-bench-b${id}-`));
  dirs.push(dir);
  const kafkaPort = await freePort();
  const args = [...brokerNodeFlags(), MAIN, "serve", "--data-dir", dir, "--port", String(await freePort()), "--kafka-port", String(kafkaPort), "--shards", "1", "--cluster", `etcd://127.0.0.1:${cp}`, "--broker-id", String(id), "--lease-ttl", "2", "--replica-lag-time-max-ms", "5000", "--log-level", "warn"];
  // warn level: readiness is the listening port answering, not a log line.
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
  procs.push(child);
  brokers.set(id, { kafkaPort, child, args });
}
const etcd = new Etcd3({ hosts: `http://127.0.0.1:${cp}` });
const state = async (topic: string) => {
  const v = await etcd.get(`/rivulet/partitions/${topic}/0`).string();
  return v ? (JSON.parse(v) as { leader: number; leaderEpoch: number; isr: number[] }) : undefined;
};
for (let i = 0; (await etcd.getAll().prefix("/rivulet/brokers/").keys()).length < 3; i++) {
  if (i > 300) throw new Error("brokers did not register");
  await sleep(100);
}
const bootstrap = () => [...brokers.values()].map((b) => `127.0.0.1:${b.kafkaPort}`);
const kafka = new Kafka({ clientId: "bench", brokers: bootstrap(), logLevel: logLevel.NOTHING, retry: { retries: 50, initialRetryTime: 50, maxRetryTime: 300 } });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: "rf1", numPartitions: 1, replicationFactor: 1 }, { topic: "rf3", numPartitions: 1, replicationFactor: 3 }] });
for (const t of ["rf1", "rf3"]) while (!(await state(t))) await sleep(50);
while ((await state("rf3"))!.isr.length < 3) await sleep(50);
const rows: Row[] = [];
const value = "x".repeat(100);

async function produceFor(topic: string, ms: number): Promise<number> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const messages = Array.from({ length: BATCH }, () => ({ value }));
  let records = 0;
  const end = performance.now() + ms;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (performance.now() < end) {
      await producer.send({ topic, acks: -1, messages });
      records += BATCH;
    }
  }));
  await producer.disconnect();
  return records / (ms / 1000);
}

progress("throughput: warm-up");
await produceFor("rf1", 500);
await produceFor("rf3", 500);
const rates: Record<string, number[]> = { rf1: [], rf3: [] };
for (let run = 0; run < RUNS; run++) {
  for (const t of ["rf1", "rf3"]) {
    rates[t]!.push(await produceFor(t, SECONDS * 1000));
    progress(`throughput ${t} run ${run + 1}: ${Math.round(rates[t]!.at(-1)!)} records/s`);
  }
}
const rf1 = median(rates.rf1!);
const rf3 = median(rates.rf3!);
rows.push({ group: "throughput", name: "acks=all, RF 1", value: Math.round(rf1), unit: "records/s", runs: rates.rf1!.map((r) => Math.round(r)).join(" ") });
rows.push({ group: "throughput", name: "acks=all, RF 3", value: Math.round(rf3), unit: "records/s", runs: rates.rf3!.map((r) => Math.round(r)).join(" "), vsRf1: Number((rf3 / rf1).toFixed(2)) });

const elections: number[] = [];
const unavailable: number[] = [];
for (let f = 0; f < FAILOVERS; f++) {
  const topic = `failover${f}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] });
  let before = await state(topic);
  while (!before || before.isr.length < 3) {
    await sleep(50);
    before = await state(topic);
  }
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let killedAt = 0;
  let firstAckAfter = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        await producer.send({ topic, acks: -1, messages: [{ value }] });
        if (killedAt && !firstAckAfter) firstAckAfter = performance.now();
      } catch {
        await sleep(10);
      }
    }
  })();
  await sleep(500);
  const victim = brokers.get(before.leader)!;
  killedAt = performance.now();
  victim.child.kill("SIGKILL");
  let electedAt = 0;
  while (!electedAt) {
    const s = await state(topic);
    if (s && s.leader !== before.leader && s.leader !== -1) electedAt = performance.now();
    else await sleep(20);
  }
  while (!firstAckAfter) await sleep(20);
  running = false;
  await loop;
  await producer.disconnect();
  elections.push(electedAt - killedAt);
  unavailable.push(firstAckAfter - killedAt);
  progress(`failover ${f + 1}: election ${Math.round(electedAt - killedAt)} ms, first ack ${Math.round(firstAckAfter - killedAt)} ms`);
  // Bring the broker back and wait until it is in sync again.
  const again = spawn(process.execPath, victim.args, { stdio: ["ignore", "ignore", "inherit"] });
  procs.push(again);
  victim.child = again;
  for (;;) {
    const s = await state(topic);
    if (s && s.isr.length === 3) break;
    await sleep(100);
  }
}
rows.push({ group: "failover", name: "kill -9 → new leader in etcd", value: Math.round(median(elections)), unit: "ms", runs: elections.map(Math.round).join(" "), leaseTtlMs: 2000 });
rows.push({ group: "failover", name: "kill -9 → first acks=all ack", value: Math.round(median(unavailable)), unit: "ms", runs: unavailable.map(Math.round).join(" ") });

// Rolling restart: per-partition unavailability while every broker is stopped gracefully and restarted.
{
  const topic = "rolling";
  const partitions = 3;
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 3, configEntries: [{ name: "min.insync.replicas", value: "2" }] }] });
  const stateOf = async (p: number) => {
    const v = await etcd.get(`/rivulet/partitions/${topic}/${p}`).string();
    return v ? (JSON.parse(v) as { leader: number; isr: number[] }) : undefined;
  };
  const inSync = async (id?: number) => {
    for (let p = 0; p < partitions; p++) {
      const s = await stateOf(p);
      if (!s || s.isr.length < 3 || (id !== undefined && !s.isr.includes(id))) return false;
    }
    return true;
  };
  while (!(await inSync())) await sleep(50);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const gaps = Array.from({ length: partitions }, () => 0);
  let failed = 0;
  let running = true;
  const loops = Array.from({ length: partitions }, async (_, p) => {
    let last = performance.now();
    while (running) {
      try {
        await producer.send({ topic, acks: -1, messages: [{ value, partition: p }] });
        const now = performance.now();
        gaps[p] = Math.max(gaps[p]!, now - last);
        last = now;
      } catch {
        failed++;
        await sleep(10);
      }
    }
  });
  await sleep(500);
  for (const [id, b] of brokers) {
    const exited = new Promise((r) => b.child.once("exit", r));
    b.child.kill("SIGTERM");
    await exited;
    const again = spawn(process.execPath, b.args, { stdio: ["ignore", "ignore", "inherit"] });
    procs.push(again);
    b.child = again;
    while (!(await inSync(id))) await sleep(100);
    progress(`rolling: broker ${id} restarted and back in sync; longest gaps so far ${gaps.map(Math.round).join(" ")} ms`);
    await sleep(500);
  }
  running = false;
  await Promise.all(loops);
  await producer.disconnect();
  rows.push({ group: "rolling restart", name: "longest produce unavailability (worst partition)", value: Math.round(Math.max(...gaps)), unit: "ms", runs: gaps.map(Math.round).join(" "), failedSends: failed, leaseTtlMs: 2000 });
}
await admin.disconnect();
etcd.close();
for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
await sleep(300);
for (const d of dirs) rmSync(d, { recursive: true, force: true });
report("cluster", rows, [
  `3 brokers + 1 etcd on one machine (${SECONDS} s per throughput run, ${BATCH} records of 100 bytes per send, ${IN_FLIGHT} sends in flight, shards 1 per broker)`,
  "failover: lease TTL 2 s; the election waits for the dead broker's lease to expire, so it is bounded below by the TTL",
  "rolling restart: every broker stopped (SIGTERM: its lease is revoked, so the election is immediate) and restarted in turn; runs = the longest stretch without an acks=all acknowledgement per partition",
]);
process.exit(0);
