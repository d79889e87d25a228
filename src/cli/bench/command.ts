// `rivulet bench produce|consume|e2e`: load against a running broker. A live progress line goes to stderr,
// the result table (or, with --json, one JSON object) to stdout.

import type { RivuletClient } from "../../client/index.js";
import { RivuletError } from "../../errors/index.js";
import { brokerFlags, brokerUrl, withClient } from "../client.js";
import { defineCommand, type CommandGroup } from "../command.js";
import { UsageError } from "../errors.js";
import { parseAcks } from "../produce.js";
import { Progress } from "../progress.js";
import { formatNumber, renderTable } from "../table.js";
import { benchConsume, ensureRecords } from "./consume.js";
import { benchE2e } from "./e2e.js";
import { benchProduce } from "./produce.js";
import type { Live, Throughput } from "./stats.js";

const common = {
  topic: { kind: "string", description: "topic to use (created if missing)", default: "rivulet-bench", placeholder: "NAME" },
  partitions: { kind: "integer", description: "partitions when the topic is created", default: 1, min: 1 },
  "record-size": { kind: "integer", description: "value size in bytes", default: 100, min: 0, placeholder: "BYTES" },
  json: { kind: "boolean", description: "print the result as one JSON object" },
  ...brokerFlags,
} as const;

const producerFlags = {
  acks: { kind: "string", description: "producer acks", default: "all", choices: ["0", "1", "all", "-1"] },
  "linger-ms": { kind: "integer", description: "producer linger", default: 5, min: 0 },
  "batch-bytes": { kind: "integer", description: "producer batch size (capped by the topic's max.message.bytes)", default: 256 * 1024, min: 1 },
  "max-in-flight": { kind: "integer", description: "produce requests in flight per partition", default: 5, min: 1 },
} as const;

async function ensureTopic(client: RivuletClient, topic: string, partitions: number): Promise<void> {
  try {
    await client.admin.createTopic(topic, { partitions });
  } catch (error) {
    if (!(error instanceof RivuletError && error.code === "TOPIC_ALREADY_EXISTS")) throw error;
  }
}

function progressOf(live: Live, unit = "records"): Progress {
  const started = performance.now();
  let last = { at: started, records: 0 };
  return new Progress(() => {
    const now = performance.now();
    const rate = ((live.records - last.records) * 1000) / Math.max(now - last.at, 1);
    last = { at: now, records: live.records };
    return `${live.phase} ${formatNumber(live.records)}/${formatNumber(live.total)} ${unit}, ${formatNumber(rate)}/s`;
  });
}

function printThroughput(name: string, result: Throughput, json: boolean, extra: Record<string, unknown>): void {
  if (json) {
    process.stdout.write(JSON.stringify({ bench: name, ...extra, ...result }) + "\n");
    return;
  }
  process.stdout.write(
    renderTable(
      ["BENCH", "RECORDS", "SECONDS", "RECORDS/S", "MB/S"],
      [[name, result.records, Number(result.seconds.toFixed(3)), Math.round(result.recordsPerSec), Number(result.mbPerSec.toFixed(1))]],
    ),
  );
}

const produce = defineCommand({
  name: "produce",
  summary: "Produce throughput: send --records records as fast as the broker acknowledges them.",
  flags: { records: { kind: "integer", description: "records to send", default: 1_000_000, min: 1 }, ...common, ...producerFlags },
  async run({ flags }) {
    const live: Live = { phase: "producing", records: 0, total: flags.records };
    const progress = progressOf(live).start();
    const result = await withClient(flags.broker, async (client) => {
      await ensureTopic(client, flags.topic, flags.partitions);
      return benchProduce(client, {
        topic: flags.topic,
        records: flags.records,
        recordSize: flags["record-size"],
        producer: { acks: parseAcks(flags.acks), lingerMs: flags["linger-ms"], batchBytes: flags["batch-bytes"], maxInFlight: flags["max-in-flight"] },
        live,
      });
    });
    progress.stop(false);
    printThroughput("produce", result, flags.json, { topic: flags.topic, recordSize: flags["record-size"], acks: flags.acks });
  },
});

const consume = defineCommand({
  name: "consume",
  summary: "Consume throughput: read --records records from the start of the topic (produced first if it has fewer).",
  flags: {
    records: { kind: "integer", description: "records to read", default: 1_000_000, min: 1 },
    ...common,
    "window-bytes": { kind: "integer", description: "consumer credit window", default: 256 * 1024, min: 1 },
    "max-chunk-bytes": { kind: "integer", description: "largest chunk the consumer asks for", default: 256 * 1024, min: 1 },
  },
  async run({ flags }) {
    const live: Live = { phase: "consuming", records: 0, total: flags.records };
    const progress = progressOf(live).start();
    const result = await withClient(flags.broker, async (client) => {
      await ensureTopic(client, flags.topic, flags.partitions);
      await ensureRecords(client, flags.topic, flags.records, flags["record-size"], live);
      return benchConsume(client, { topic: flags.topic, records: flags.records, consumer: { windowBytes: flags["window-bytes"], maxChunkBytes: flags["max-chunk-bytes"] }, live });
    });
    progress.stop(false);
    printThroughput("consume", result, flags.json, { topic: flags.topic });
  },
});

const e2e = defineCommand({
  name: "e2e",
  summary: "Produce-to-consume latency at a fixed rate (p50, p99, p99.9, max).",
  flags: {
    rate: { kind: "integer", description: "records per second", default: 10_000, min: 1 },
    duration: { kind: "integer", description: "measured seconds", default: 10, min: 1, placeholder: "SECONDS" },
    warmup: { kind: "integer", description: "seconds sent before measuring (not counted)", default: 1, min: 0, placeholder: "SECONDS" },
    ...common,
    ...producerFlags,
    "linger-ms": { kind: "integer", description: "producer linger (0: send each tick's records at once)", default: 0, min: 0 },
  },
  details: ["Each value starts with its send time (float64 ms, little-endian); --record-size must be at least 8."],
  async run({ flags }) {
    if (flags["record-size"] < 8) throw new UsageError("--record-size must be at least 8 for e2e (the send-time stamp)");
    const url = brokerUrl(flags.broker);
    await withClient(flags.broker, (client) => ensureTopic(client, flags.topic, flags.partitions));
    const live: Live = { phase: "warm-up", records: 0, total: 0 };
    const progress = progressOf(live, "sent").start();
    const result = await benchE2e({
      url,
      topic: flags.topic,
      rate: flags.rate,
      seconds: flags.duration,
      warmupSeconds: flags.warmup,
      recordSize: flags["record-size"],
      producer: { acks: parseAcks(flags.acks), lingerMs: flags["linger-ms"], batchBytes: flags["batch-bytes"], maxInFlight: flags["max-in-flight"] },
      live,
    });
    progress.stop(false);
    if (flags.json) {
      process.stdout.write(JSON.stringify({ bench: "e2e", topic: flags.topic, ...result }) + "\n");
      return;
    }
    const l = result.latencyMs;
    const ms = (v: number) => Number(v.toFixed(3));
    process.stdout.write(
      renderTable(
        ["BENCH", "RATE", "ACHIEVED/S", "SENT", "RECEIVED", "P50 MS", "P99 MS", "P99.9 MS", "MAX MS"],
        [["e2e", result.rate, Math.round(result.achievedRate), result.sent, result.received, ms(l.p50), ms(l.p99), ms(l.p999), ms(l.max)]],
      ),
    );
    return result.received < result.sent ? 1 : 0;
  },
});

export const bench: CommandGroup = {
  name: "bench",
  summary: "Benchmark a running broker: produce and consume throughput, end-to-end latency.",
  commands: [produce, consume, e2e],
};
