// Rivulet beside its peers, same machine, same run, same workloads (issue 14). `npm run bench peers`:
//   setup    installs the peers' Debian packages when missing (redis-server, nats-server, kcat; apt-get, as
//            root, never in CI; otherwise that peer is skipped), starts Redis 7 (AOF, appendfsync
//            everysec), NATS JetStream (file store) and Rivulet's broker (child process, data on disk, Kafka
//            listener on), each on a free loopback port with a temporary data directory
//   produce  PEERS_RECORDS (1,000,000) values of 100 random bytes to one stream/partition, timed until the
//            last acknowledgement: Redis XADD pipelined (ioredis), NATS JetStream publish with acks
//            (pipelined), Rivulet over WebSocket (the project's client, acks=1 and acks=all) and over the
//            Kafka protocol (kcat -P, librdkafka)
//   consume  those records from the start: Redis XRANGE batches, NATS pull consumer, Rivulet WS consumer,
//            kcat -C
//   latency  a producer in this process paced at PEERS_RATE (20,000) records/s stamps each value with its
//            send time; a consumer tailing in another process (bench/peers/tail.ts) reports p50/p99/p99.9
//            over PEERS_LATENCY_SECONDS (10) after PEERS_WARMUP_SECONDS (5) of the same paced sends
//   fsync    the machine's write(4 KiB) + fdatasync p50/p99 on the data disk, beside acks=all latency
// Every measurement is repeated PEERS_REPS (3) times (rep-major, so drift hits every system alike; in each
// repetition the latency runs come first, before the bulk writes leave servers compacting or flushing); the
// table gives medians with min-max. Prints the table, writes bench/results/peers.json, and (at full size,
// or with PEERS_WRITE_DOCS=1) docs/images/peers.svg and the generated section of docs/benchmarks.md.
// Knobs: PEERS_RECORDS, PEERS_REPS, PEERS_RATE, PEERS_LATENCY_SECONDS, PEERS_WARMUP_SECONDS (5), PEERS_ONLY=produce,consume,latency,
// PEERS_SYSTEMS=redis,nats,rivulet,kcat, PEERS_WRITE_DOCS=1|0.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { connect as natsConnect } from "nats";
import { machine, resultsDir } from "./lib/report.js";
import { chartSvg, markdownTable, replaceBetweenMarkers, spread, textTable, type SystemResult } from "./peers/docs.js";
import { measureFdatasync } from "./peers/fsync.js";
import { latencyRun, type LatencyResult } from "./peers/latency.js";
import { natsConsuming, natsCreateStream, natsProducing, natsSender } from "./peers/nats.js";
import { redisConsuming, redisProducing, redisSender } from "./peers/redis.js";
import { createTopic, kcatConsuming, kcatProducing, rivuletClient, wsConsuming, wsProducing, wsSender } from "./peers/rivulet.js";
import { ensurePackage, progress, startNats, startRedis, startRivulet, stopAll } from "./peers/servers.js";
import { randomValues, type Consuming, type PacedSender, type Percentiles, type Producing, type Timing } from "./peers/workload.js";
import { repoRoot, staleDistFiles } from "./ws/common.js";

const RECORDS = Number(process.env.PEERS_RECORDS ?? 1_000_000);
const REPS = Number(process.env.PEERS_REPS ?? 3);
const RATE = Number(process.env.PEERS_RATE ?? 20_000);
const LATENCY_SECONDS = Number(process.env.PEERS_LATENCY_SECONDS ?? 10);
/**
 * Paced sends before the latency is measured. Every Node process of a run (producer, tailing consumer, the
 * broker's threads) is still compiling its hot paths in the first seconds: after a 1 s warm-up they were
 * most of Rivulet's p99 (docs/benchmarks.md, "Warm-up against steady state").
 */
const WARMUP_SECONDS = Number(process.env.PEERS_WARMUP_SECONDS ?? 5);
const only = process.env.PEERS_ONLY?.split(",").map((s) => s.trim());
const systems = process.env.PEERS_SYSTEMS?.split(",").map((s) => s.trim());
const fullSize = RECORDS >= 1_000_000 && REPS >= 3 && LATENCY_SECONDS >= 10;
const writeDocs = process.env.PEERS_WRITE_DOCS ? process.env.PEERS_WRITE_DOCS === "1" : fullSize;
const wants = (section: string) => !only || only.includes(section);
const wantsSystem = (system: string) => !systems || systems.includes(system);

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
const load = loadavg()[0]!;
const notes: string[] = [];

// ---- setup -------------------------------------------------------------------------------------------------
const skipped = new Map<string, string>();
for (const [system, command, pkg] of [
  ["redis", "redis-server", "redis-server"],
  ["nats", "nats-server", "nats-server"],
  ["kcat", "kcat", "kcat"],
] as const) {
  if (!wantsSystem(system)) continue;
  const reason = ensurePackage(command, pkg);
  if (reason) {
    skipped.set(system, reason);
    progress(`${system}: ${reason}`);
    notes.push(`${system}: ${reason}`);
  }
}
const stale = staleDistFiles();
if (stale.length) progress(`WARNING: dist/ is older than ${stale.length} source file(s) (${stale.slice(0, 3).join(", ")}...): run npm run build:ts`);

/** One way to produce (and optionally read back) a stream; `drop` frees it afterwards. */
interface ThroughputCell {
  name: string;
  producing: Producing;
  consuming?: Consuming;
  drop(stream: string): Promise<void>;
}
interface LatencyCell {
  name: string;
  tail: Parameters<typeof latencyRun>[0];
  prepare(stream: string): Promise<void>;
  sender(stream: string): Promise<PacedSender>;
}

const produced = new Map<string, number[]>();
const consumed = new Map<string, number[]>();
const latencies = new Map<string, LatencyResult[]>();
const add = <T>(map: Map<string, T[]>, key: string, value: T) => map.set(key, [...(map.get(key) ?? []), value]);
const rateOf = (t: Timing) => t.records / t.seconds;
let fsync: Percentiles[] = [];
let order: string[] = [];
/** The row of a Rivulet latency cell's producer-side figure: send -> acknowledgement (for acks=all it includes the fdatasync). */
const ackRowName = (name: string) => name.replace("Rivulet, WS client, ", "Rivulet, WS producer's send -> ack, ");
let rivuletShards = "";
/** Client connections to close before the servers stop (or they would try to reconnect). */
const closers: (() => unknown)[] = [];

try {
  const throughputCells: ThroughputCell[] = [];
  const latencyCells: LatencyCell[] = [];

  if (wantsSystem("redis") && !skipped.has("redis")) {
    const redis = await startRedis();
    progress(`redis-server pid ${redis.pid} on port ${redis.port}, data in ${redis.dataDir}`);
    const admin = new Redis({ port: redis.port, host: "127.0.0.1" });
    const drop = async (stream: string) => void (await admin.del(stream));
    const name = "Redis Streams 7 (ioredis, AOF everysec)";
    throughputCells.push({ name, producing: redisProducing(redis.port), consuming: redisConsuming(redis.port), drop });
    latencyCells.push({ name, tail: { system: "redis", port: redis.port, stream: "" }, prepare: async () => {}, sender: async (s) => redisSender(redis.port, s) });
    closers.push(() => admin.disconnect());
  }
  if (wantsSystem("nats") && !skipped.has("nats")) {
    const nats = await startNats();
    progress(`nats-server pid ${nats.pid} on port ${nats.port}, data in ${nats.dataDir}`);
    const drop = async (stream: string) => {
      const nc = await natsConnect({ servers: `127.0.0.1:${nats.port}` });
      await (await nc.jetstreamManager()).streams.delete(stream).catch(() => false);
      await nc.close();
    };
    const name = "NATS JetStream 2.9 (file store)";
    throughputCells.push({ name, producing: natsProducing(nats.port), consuming: natsConsuming(nats.port), drop });
    latencyCells.push({ name, tail: { system: "nats", port: nats.port, stream: "" }, prepare: (s) => natsCreateStream(nats.port, s), sender: (s) => natsSender(nats.port, s) });
  }
  if (wantsSystem("rivulet") || wantsSystem("kcat")) {
    const rivulet = await startRivulet();
    rivuletShards = "shards = available parallelism";
    progress(`rivulet pid ${rivulet.pid}: ${rivulet.url}, Kafka port ${rivulet.kafkaPort}, data in ${rivulet.dataDir}`);
    const { connect } = await rivuletClient();
    const admin = await connect({ url: rivulet.url, reconnect: false });
    const drop = async (topic: string) => await admin.admin.deleteTopic(topic).catch(() => {});
    closers.push(() => admin.close());
    const bootstrap = `127.0.0.1:${rivulet.kafkaPort}`;
    if (wantsSystem("rivulet")) {
      throughputCells.push({ name: "Rivulet, WS client, acks=1", producing: wsProducing(rivulet.url, 1), consuming: wsConsuming(rivulet.url), drop });
      throughputCells.push({ name: "Rivulet, WS client bulk (sendAll, batches()), acks=1", producing: wsProducing(rivulet.url, 1, "sendAll"), consuming: wsConsuming(rivulet.url, "batches"), drop });
      throughputCells.push({ name: "Rivulet, WS client, acks=all", producing: wsProducing(rivulet.url, "all"), drop });
      for (const acks of [1, "all"] as const) {
        latencyCells.push({
          name: `Rivulet, WS client, acks=${acks}`,
          tail: { system: "rivulet", url: rivulet.url, stream: "" },
          prepare: (s) => createTopic(rivulet.url, s, acks === "all" ? "fsync" : "everysec"),
          sender: (s) => wsSender(rivulet.url, s, acks),
        });
      }
    }
    if (wantsSystem("kcat") && !skipped.has("kcat")) {
      throughputCells.push({ name: "Rivulet, Kafka protocol (kcat), acks=1", producing: kcatProducing(rivulet.url, bootstrap, 1), consuming: kcatConsuming(bootstrap), drop });
      throughputCells.push({ name: "Rivulet, Kafka protocol (kcat), acks=all", producing: kcatProducing(rivulet.url, bootstrap, "all"), drop });
    }
  }
  order = [...new Set([...throughputCells.map((c) => c.name), ...latencyCells.map((c) => c.name)])];
  // The acknowledgement rows go last, beside the fdatasync row they compare with.
  order.push(...latencyCells.filter((c) => c.tail.system === "rivulet").map((c) => ackRowName(c.name)));

  let n = 0;
  for (let rep = 0; rep < REPS; rep++) {
    fsync.push(measureFdatasync(2));
    progress(`rep ${rep + 1}/${REPS}: fdatasync p50 ${fsync.at(-1)!.p50.toFixed(2)} ms, p99 ${fsync.at(-1)!.p99.toFixed(2)} ms`);
    if (wants("latency")) {
      for (const cell of latencyCells) {
        const stream = `latency-${n++}`;
        let r: LatencyResult;
        try {
          await cell.prepare(stream);
          r = await latencyRun({ ...cell.tail, stream }, () => cell.sender(stream), RATE, LATENCY_SECONDS, WARMUP_SECONDS);
        } catch (error) {
          progress(`rep ${rep + 1}/${REPS} ${cell.name}: latency FAILED ${String(error)}`);
          notes.push(`${cell.name}: rep ${rep + 1} latency failed: ${String(error).slice(0, 200)}`);
          continue;
        }
        if (r.overloaded) {
          // Percentiles of the records that made it would flatter a system that fell behind: none reported.
          progress(`rep ${rep + 1}/${REPS} ${cell.name}: latency run stopped, ${r.overloaded} [${elapsed()}]`);
          notes.push(`${cell.name}: rep ${rep + 1} latency not reported: ${r.overloaded}`);
          continue;
        }
        add(latencies, cell.name, r);
        if (r.ack) {
          add(latencies, ackRowName(cell.name), { ...r, ...r.ack });
          progress(`rep ${rep + 1}/${REPS} ${cell.name}: send -> ack p50 ${r.ack.p50.toFixed(2)} ms, p99 ${r.ack.p99.toFixed(2)} ms`);
        }
        progress(
          `rep ${rep + 1}/${REPS} ${cell.name}: latency p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, p99.9 ${r.p999.toFixed(2)} ms, max ${r.max.toFixed(1)} ms; ${r.received}/${r.sent} received, ${Math.round(r.achievedRate)} rec/s sent [${elapsed()}]`,
        );
        if (r.received < r.sent) notes.push(`${cell.name}: rep ${rep + 1} received ${r.received} of ${r.sent} records within 10 s of the last send`);
      }
    }
    if (wants("produce") || wants("consume")) {
      // Made per repetition and dropped before the next latency run: a million live Buffers in this
      // process would put major GC pauses into the paced producer.
      let values = randomValues(RECORDS);
      progress(`${RECORDS.toLocaleString("en-US")} random values ready [${elapsed()}]`);
      for (const cell of throughputCells) {
        const stream = `peers-${n++}`;
        try {
          const p = await cell.producing.produce(stream, values);
          add(produced, cell.name, rateOf(p));
          let line = `rep ${rep + 1}/${REPS} ${cell.name}: produce ${(rateOf(p) / 1e3).toFixed(0)} k rec/s`;
          if (cell.consuming && wants("consume")) {
            (globalThis as { gc?: () => void }).gc?.();
            const c = await cell.consuming.consume(stream, RECORDS);
            add(consumed, cell.name, rateOf(c));
            line += `, consume ${(rateOf(c) / 1e3).toFixed(0)} k rec/s`;
          }
          progress(`${line} [${elapsed()}]`);
        } catch (error) {
          // One system failing (a timeout under load) must not lose every other measurement.
          progress(`rep ${rep + 1}/${REPS} ${cell.name}: FAILED ${String(error)}`);
          notes.push(`${cell.name}: rep ${rep + 1} throughput failed: ${String(error).slice(0, 200)}`);
        }
        await cell.drop(stream).catch(() => {});
        (globalThis as { gc?: () => void }).gc?.();
      }
      values = [];
      (globalThis as { gc?: () => void }).gc?.();
    }
  }
} finally {
  for (const close of closers) close();
  await stopAll();
}

// ---- report -----------------------------------------------------------------------------------------------
const results: SystemResult[] = order.map((name) => ({
  name,
  produce: spread(produced.get(name) ?? []),
  consume: spread(consumed.get(name) ?? []),
  p50: spread((latencies.get(name) ?? []).map((l) => l.p50)),
  p99: spread((latencies.get(name) ?? []).map((l) => l.p99)),
  p999: spread((latencies.get(name) ?? []).map((l) => l.p999)),
}));
if (fsync.length) {
  results.push({ name: "fdatasync (write 4 KiB + fdatasync)", p50: spread(fsync.map((f) => f.p50)), p99: spread(fsync.map((f) => f.p99)), p999: spread(fsync.map((f) => f.p999)) });
}

const find = (prefix: string) => results.find((r) => r.name.startsWith(prefix));
const redisRow = find("Redis");
const acks1 = find("Rivulet, WS client, acks=1");
const acksAll = find("Rivulet, WS client, acks=all");
const fsyncRow = find("fdatasync");
const ratios: Record<string, number> = {};
if (acks1?.p99 && redisRow?.p99) ratios["acks=1 p99 / Redis p99 (target <= 1)"] = acks1.p99.median / redisRow.p99.median;
const acksAllAck = find(ackRowName("Rivulet, WS client, acks=all"));
if (acksAll?.p99 && fsyncRow?.p99) ratios["acks=all p99 (send -> consumer) - fdatasync p99, ms (target <= 1)"] = acksAll.p99.median - fsyncRow.p99.median;
if (acksAllAck?.p99 && fsyncRow?.p99) ratios["acks=all p99 (send -> acknowledgement) - fdatasync p99, ms (target <= 1)"] = acksAllAck.p99.median - fsyncRow.p99.median;
if (acks1?.produce && redisRow?.produce) ratios["WS acks=1 produce / Redis produce"] = acks1.produce.median / redisRow.produce.median;
if (acks1?.consume && redisRow?.consume) ratios["WS consume / Redis consume"] = acks1.consume.median / redisRow.consume.median;

notes.push(
  `${RECORDS.toLocaleString("en-US")} records of 100 random bytes per produce run (one stream/partition, fresh each run; consume reads that run's records back); latency at ${RATE.toLocaleString("en-US")} records/s, ${WARMUP_SECONDS} s warm-up then ${LATENCY_SECONDS} s; ${REPS} repetitions, rep-major; medians with min-max.`,
  "Latency rows measure send -> consumer (the stamp to the tailing consumer's receipt). A record is readable once written, whatever its producer's acks, so acks=all's consumer latency does not include the fdatasync; the \"send -> ack\" rows are the producer's side, send to acknowledgement, which for acks=all waits for the fdatasync covering the batch.",
  "Durability: Redis appendfsync everysec; Rivulet acks=1 topics flush.ms=1000 (fsync once a second, as Redis), acks=all topics flush.messages=1 (acknowledged only after an fdatasync covers the batch); NATS 2.9's file store syncs on its own interval (not per message).",
  `Rivulet: one broker process (${rivuletShards}), WS client loaded from dist/ (producer defaults, linger 0 for latency; one send() per record and for await per record; the bulk row 8,192 records per sendAll() call and consumer.batches()); kcat rows are the wall time of the whole kcat process (start-up and metadata included, ~0.1 s).`,
  "Redis: XADD in pipelines of 1,000, 8 in flight; XRANGE COUNT 10,000; tail XREAD BLOCK. NATS: publish with a window of 1,024 unacknowledged PubAcks (nats.js, ~50 us of client CPU per publish, bounds this figure); pull consumer (ack none, batches of 10,000); tail pull consumer (deliver new).",
  `All servers and clients share this ${machine().cores}-core machine; load average ${load.toFixed(2)} at start; total ${elapsed()}.`,
);

console.log(textTable(results));
for (const [k, v] of Object.entries(ratios)) console.log(`ratio: ${k}: ${v.toFixed(2)}`);
for (const note of notes) console.log(`note: ${note}`);
mkdirSync(resultsDir, { recursive: true });
const jsonFile = join(resultsDir, "peers.json");
writeFileSync(
  jsonFile,
  JSON.stringify(
    {
      benchmark: "peers",
      machine: machine(),
      settings: { records: RECORDS, reps: REPS, rate: RATE, latencySeconds: LATENCY_SECONDS, warmupSeconds: WARMUP_SECONDS },
      results,
      ratios,
      raw: { produce: Object.fromEntries(produced), consume: Object.fromEntries(consumed), latency: Object.fromEntries(latencies), fdatasync: fsync },
      notes,
    },
    null,
    2,
  ) + "\n",
);
console.log(`wrote ${jsonFile}`);

if (writeDocs) {
  const m = machine();
  const subtitle = `${String(m.date).slice(0, 10)}, ${m.cores}-core ${m.cpu}, Node ${m.node}, load ${load.toFixed(1)} at start; ${RECORDS.toLocaleString("en-US")} records × 100 B, latency at ${RATE.toLocaleString("en-US")} rec/s, ${REPS} reps`;
  const svgFile = join(repoRoot, "docs", "images", "peers.svg");
  mkdirSync(join(repoRoot, "docs", "images"), { recursive: true });
  writeFileSync(svgFile, chartSvg(results, subtitle));
  const section = [
    `Generated by \`npm run bench peers\` on ${subtitle}.`,
    "",
    "![Rivulet and its peers: produce, consume and latency](images/peers.svg)",
    "",
    markdownTable(results),
    "",
    ...Object.entries(ratios).map(([k, v]) => `- ${k}: **${v.toFixed(2)}**`),
    ...notes.map((note) => `- ${note}`),
  ].join("\n");
  replaceBetweenMarkers(join(repoRoot, "docs", "benchmarks.md"), "peers", section);
  console.log(`wrote ${svgFile} and the peers section of docs/benchmarks.md`);
} else {
  console.log("docs not rewritten (a reduced run; PEERS_WRITE_DOCS=1 forces it)");
}
process.exit(0);
