// One cell of the throughput matrix: a broker with `shards` shards on a fresh data dir, one topic with
// `partitions` partitions and flush off; produce `bytes` of pool batches, then read everything back from
// offset 0. The broker is closed and its directory removed before the next cell starts.
//
// Produce works as a front end would: each partition keeps at most `window` batches in flight, and nothing
// new is sent while the broker reports needsDrain (some shard has every task slot busy) until it emits
// 'drain'. Batches go round-robin over the partitions' windows from a pre-encoded pool. With transfer: false
// the broker copies each batch once (the realistic path: socket buffers cannot be handed over); with
// transfer: true every send gets its own copy made before the clock starts, so the move is all that is timed.
//
// Fetch runs one sequential reader per partition (all partitions at once), each asking for the next offset
// with maxBytes 1 MiB; records are counted from the returned batches' headers.
import { once } from "node:events";
import { cluster, countChunk, FLUSH_OFF_MS, MiB, now, quietLogger, removeDir, secondsSince, tempDir, type BatchPool, type Broker } from "./common.js";

export interface CellSpec {
  shards: number;
  partitions: number;
  /** Batches in flight per partition. */
  window: number;
  transfer: boolean;
  /** Bytes to produce (rounded up to whole batches, a multiple of the partition count). */
  bytes: number;
}

export interface Throughput {
  seconds: number;
  /** User + system CPU time of the whole process (main thread and every shard) during the timed part. */
  cpuSeconds: number;
  bytes: number;
  records: number;
  batches: number;
}

export interface CellResult {
  produce: Throughput;
  fetch: Throughput;
  /** Times a sender found the broker saturated and waited for 'drain'. */
  drainWaits: number;
  fetchCalls: number;
}

const TOPIC = "bench";

export async function runCell(spec: CellSpec, pool: BatchPool): Promise<CellResult> {
  const dir = tempDir(`${spec.shards}s${spec.partitions}p`);
  let broker: Broker | undefined;
  try {
    broker = await cluster.createBroker({
      dataDir: dir,
      shards: spec.shards,
      logger: quietLogger,
      logLevel: "error",
      topicDefaults: { flushMs: FLUSH_OFF_MS },
    });
    const configs = { "flush.ms": String(FLUSH_OFF_MS) };
    await broker.createTopic(TOPIC, { partitions: spec.partitions, configs });
    await broker.createTopic("warmup", { partitions: spec.partitions, configs });
    // Warm both sides (JIT in the main thread and in every shard) on another topic: not read back.
    const warm = spec.transfer ? pool.batches.map((b) => new Uint8Array(b)) : pool.batches;
    await produceAll(broker, "warmup", spec, Math.floor(warm.length / spec.partitions) * spec.partitions, warm);
    const count = Math.ceil(spec.bytes / pool.meanBytes / spec.partitions) * spec.partitions;
    // transfer: true hands over the whole ArrayBuffer, detaching it: one fresh copy per send, made here.
    const sends = Array.from({ length: count }, (_, i) => pool.batches[i % pool.batches.length]!);
    const batches = spec.transfer ? sends.map((b) => new Uint8Array(b)) : sends;
    const produce = await produceAll(broker, TOPIC, spec, count, batches);
    // The move must really have happened (a detached buffer), and without transfer nothing may be taken.
    const detached = batches.filter((b) => b.byteLength === 0).length;
    if (detached !== (spec.transfer ? batches.length : 0)) throw new Error(`${detached} of ${batches.length} sent batches detached (transfer: ${spec.transfer})`);
    const fetch = await fetchAll(broker, spec.partitions);
    if (fetch.records.records !== produce.records || fetch.records.bytes !== produce.bytes) {
      throw new Error(`read back ${fetch.records.records} records / ${fetch.records.bytes} B, produced ${produce.records} / ${produce.bytes} B`);
    }
    return { produce, fetch: fetch.records, drainWaits: produce.drainWaits, fetchCalls: fetch.calls };
  } finally {
    await broker?.close();
    removeDir(dir);
  }
}

async function produceAll(broker: Broker, topic: string, spec: CellSpec, count: number, batches: Uint8Array[]): Promise<Throughput & { drainWaits: number }> {
  let bytes = 0;
  let records = 0;
  let drainWaits = 0;
  const options = { acks: 1 as const, transfer: spec.transfer };
  const P = spec.partitions;
  // Partition p gets sends p, p + P, p + 2P, ... (count is a multiple of P), from `window` senders of its own.
  const sent = new Array<number>(P).fill(0);
  const sender = async (partition: number) => {
    for (;;) {
      while (broker.needsDrain) {
        drainWaits++;
        await once(broker, "drain");
      }
      const i = partition + P * sent[partition]!++;
      if (i >= count) return;
      const batch = batches[i % batches.length]!;
      const size = batch.length; // read before a transfer detaches it
      const result = await broker.produce(topic, partition, batch, options);
      bytes += size;
      records += result.records;
    }
  };
  const start = now();
  const cpu = process.cpuUsage();
  const senders: Promise<void>[] = [];
  for (let p = 0; p < P; p++) for (let k = 0; k < spec.window; k++) senders.push(sender(p));
  await Promise.all(senders);
  return { seconds: secondsSince(start), cpuSeconds: cpuSecondsSince(cpu), bytes, records, batches: count, drainWaits };
}

async function fetchAll(broker: Broker, partitions: number): Promise<{ records: Throughput; calls: number }> {
  let bytes = 0;
  let records = 0;
  let batches = 0;
  let calls = 0;
  const reader = async (partition: number) => {
    let offset = 0n;
    for (;;) {
      const result = await broker.fetch(TOPIC, partition, offset, { maxBytes: MiB });
      calls++;
      if (result.records.length === 0) return;
      const counted = countChunk(result.records);
      bytes += result.records.length;
      records += counted.records;
      batches += counted.batches;
      offset = counted.nextOffset;
      if (offset >= result.logEndOffset) return;
    }
  };
  const start = now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: partitions }, (_, p) => reader(p)));
  return { records: { seconds: secondsSince(start), cpuSeconds: cpuSecondsSince(cpu), bytes, records, batches }, calls };
}

/** CPU seconds the process used since `from` (process.cpuUsage counts every thread, workers included). */
function cpuSecondsSince(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
}
