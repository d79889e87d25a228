// A shard: one worker thread (a piscina pool of exactly one thread) that owns a fixed set of partitions and
// is their only writer. Piscina's one task for it, `attach`, hands over the port of the shard's channel
// (src/broker/shard-pool.ts); every other task arrives in order over that port. Each produce is validated
// and appended before the handler first awaits, so per-partition order is arrival order without locks; a
// task that needs no wait (acks=0/1 produce, fetch, ...) is answered in the same turn, with no promise.
// Between tasks the thread runs its own timers: flush.ms deadlines, retention and compaction.

import { join } from "node:path";
import type { MessagePort } from "node:worker_threads";
import { Piscina } from "piscina";
import { errorToData } from "../errors/wire.js";
import { UnknownTopicOrPartitionError } from "../errors/index.js";
import { createLogger } from "../log.js";
import { compactLog } from "../storage/compaction.js";
import { defaultFileCacheCapacity, FileCache } from "../storage/file-cache.js";
import { checkFileLimits } from "../storage/fd-limits.js";
import { enforceRetention } from "../storage/retention.js";
import {
  partitionDirName,
  partitionKey,
  type AppendedNotice,
  type Outcome,
  type PartitionRef,
  type ProduceItem,
  type ShardInit,
  type ShardNotice,
  type ShardReply,
  type ShardResults,
  type ShardTask,
} from "./protocol.js";
import { shardFileSystem } from "./fault-injection.js";
import { GroupCommit } from "./group-commit.js";
import { Partition } from "./partition.js";

const init = Piscina.workerData as ShardInit;
const logger = createLogger({ level: init.logLevel, fields: { shard: init.shard } });
const partitions = new Map<string, Partition>();
/** Every acks=all produce of this shard shares these fsync rounds. */
const commits = new GroupCommit();
/** Descriptors of closed segments, bounded per shard; active segments keep theirs (3 per partition). */
const fileCache = new FileCache(init.maxOpenSegmentFiles ?? defaultFileCacheCapacity());
/** The node file system, unless a failure test asked for faults. */
const fileSystem = shardFileSystem(init.faults);
let closing = false;
/** The shard's channel once attached (tasks run without it only in tests and tools). */
let channel: MessagePort | undefined;
if (init.shard === 0) checkFileLimits(logger);

function partitionFor(ref: PartitionRef): Partition {
  const partition = partitions.get(partitionKey(ref.topic, ref.partition));
  if (!partition) throw new UnknownTopicOrPartitionError(`${ref.topic}-${ref.partition} is not hosted here`);
  return partition;
}

function attempt<T>(fn: () => T): Outcome<T> {
  try {
    return { ok: fn() };
  } catch (error) {
    return { error: errorToData(error) };
  }
}

/** A result whose buffers move (are transferred, not cloned) back to the main thread with the reply. */
class Transferring<T> {
  constructor(
    readonly value: T,
    readonly buffers: ArrayBufferLike[],
  ) {}
}

function withTransfer<T>(value: T, buffers: ArrayBufferLike[]): T {
  return new Transferring(value, buffers) as unknown as T;
}

/** Synchronous unless some item waits for an fsync (acks=all): acks=0/1 are answered in the same turn. */
function produce(task: Extract<ShardTask, { op: "produce" }>): ShardResults["produce"] | Promise<ShardResults["produce"]> {
  const durable: Array<Promise<void> | undefined> = [];
  let anyStored = false;
  const outcomes: ShardResults["produce"] = task.items.map((item, i) =>
    attempt(() => {
      const { result, durable: wait } = partitionFor(item).produce(item.batch, item.acks, item.leaderEpoch);
      durable[i] = wait;
      // Sent back as stored: the log has written the batch, so its buffer moves back instead of being freed.
      if (item.returnStored && !result.duplicate) {
        result.stored = item.batch;
        anyStored = true;
      }
      return result;
    }),
  );
  if (!durable.some((wait) => wait !== undefined)) return anyStored ? withTransfer(outcomes, storedBuffers(outcomes)) : outcomes;
  // acks=all: the appends are readable now; only their producers' answers wait for the fsync.
  announceAppends(task.items, outcomes, durable);
  // Batches not announced (a duplicate, a replicated shard) still move back with the reply.
  const unannounced = storedBuffers(outcomes);
  const reply = unannounced.length ? withTransfer(outcomes, unannounced) : outcomes;
  // Each item is answered once the group commit covering its partition is done; a failed fsync fails
  // exactly the items that waited on it.
  return Promise.allSettled(durable.map((wait) => wait ?? Promise.resolve())).then((settled) => {
    settled.forEach((s, i) => {
      if (s.status === "rejected") outcomes[i] = { error: errorToData(s.reason) };
    });
    return reply;
  });
}

/** The buffers of the batches sent back as stored (ProduceOk.stored), to transfer with the reply. */
function storedBuffers(outcomes: ShardResults["produce"]): ArrayBufferLike[] {
  const buffers: ArrayBufferLike[] = [];
  for (const outcome of outcomes) if ("ok" in outcome && outcome.ok.stored) buffers.push(outcome.ok.stored.buffer);
  return buffers;
}

/**
 * Posts an AppendedNotice for every fresh append that waits for an fsync and that the main thread asked to
 * announce (ProduceItem.announce: readers may be waiting), so readers parked at its log end wake now rather
 * than one fdatasync later (a fetch already returns those records). A stored batch moves to its notice (and
 * leaves its ProduceOk).
 */
function announceAppends(items: ProduceItem[], outcomes: ShardResults["produce"], durable: Array<Promise<void> | undefined>): void {
  const notices: AppendedNotice[] = [];
  const moved: ArrayBuffer[] = [];
  outcomes.forEach((outcome, i) => {
    const ok = "ok" in outcome ? outcome.ok : undefined;
    const item = items[i]!;
    if (!ok || !channel || init.replicated || durable[i] === undefined || ok.duplicate || !item.announce) return;
    notices.push({ topic: item.topic, partition: item.partition, baseOffset: ok.baseOffset, logEndOffset: ok.logEndOffset, bytes: ok.bytes, records: ok.records, ...(ok.stored ? { stored: ok.stored } : {}) });
    if (ok.stored) moved.push(ok.stored.buffer as ArrayBuffer);
    delete ok.stored;
    ok.announced = true;
  });
  if (notices.length) channel!.postMessage(["appended", notices] satisfies ShardNotice, moved);
}

function fetch(task: Extract<ShardTask, { op: "fetch" }>): ShardResults["fetch"] {
  const buffers: ArrayBufferLike[] = [];
  const outcomes = task.items.map((item) =>
    attempt(() => {
      const result = partitionFor(item).fetch(item.offset, item.maxBytes, item.isolation ?? 0);
      if (result.records.byteLength) buffers.push(result.records.buffer);
      return result;
    }),
  );
  return withTransfer(outcomes, buffers);
}

/** Transaction markers: appended in order, answered once a group-committed fsync covers them. */
async function writeMarkers(task: Extract<ShardTask, { op: "writeMarkers" }>): Promise<ShardResults["writeMarkers"]> {
  const durable: Array<Promise<void> | undefined> = [];
  const outcomes: ShardResults["writeMarkers"] = task.items.map((item, i) =>
    attempt(() => {
      const partition = partitionFor(item);
      const result = partition.writeMarker(item.producerId, item.producerEpoch, item.commit, item.coordinatorEpoch, item.leaderEpoch);
      durable[i] = commits.durable(partition.log);
      return result;
    }),
  );
  const settled = await Promise.allSettled(durable.map((wait) => wait ?? Promise.resolve()));
  settled.forEach((s, i) => {
    if (s.status === "rejected") outcomes[i] = { error: errorToData(s.reason) };
  });
  return outcomes;
}

function open(task: Extract<ShardTask, { op: "open" }>): ShardResults["open"] {
  return task.partitions.map((spec) =>
    attempt(() => {
      const key = partitionKey(spec.topic, spec.partition);
      let partition = partitions.get(key);
      if (!partition) {
        const dir = join(init.dataDir, partitionDirName(spec.topic, spec.partition));
        partition = Partition.open(spec.topic, spec.partition, dir, spec.config, fileSystem, logger, { commits, fileCache, replicated: init.replicated === true });
        partitions.set(key, partition);
      }
      return partition.status();
    }),
  );
}

async function remove(task: Extract<ShardTask, { op: "delete" }>): Promise<ShardResults["delete"]> {
  const outcomes: ShardResults["delete"] = [];
  for (const ref of task.partitions) {
    const key = partitionKey(ref.topic, ref.partition);
    const partition = partitions.get(key);
    try {
      if (partition) {
        partitions.delete(key);
        partition.log.deleteFiles();
      }
      outcomes.push({ ok: true });
    } catch (error) {
      outcomes.push({ error: errorToData(error) });
    }
  }
  return outcomes;
}

async function reconfigure(task: Extract<ShardTask, { op: "reconfigure" }>): Promise<ShardResults["reconfigure"]> {
  const outcomes: ShardResults["reconfigure"] = [];
  for (const spec of task.partitions) {
    const key = partitionKey(spec.topic, spec.partition);
    const partition = partitions.get(key);
    if (!partition) {
      outcomes.push({ error: errorToData(new UnknownTopicOrPartitionError(`${spec.topic}-${spec.partition} is not hosted here`)) });
      continue;
    }
    // Configs are read at open: close and reopen (a clean close, so the reopen reads only tails).
    await partition.close();
    partitions.delete(key);
    outcomes.push(...open({ op: "open", partitions: [spec] }));
  }
  return outcomes;
}

let compacting = false;

/** Compacts every compacted partition; one pass at a time (the timer may fire while one runs). */
async function compactAll(): Promise<number> {
  if (compacting || closing) return 0;
  compacting = true;
  let rewritten = 0;
  try {
    for (const partition of partitions.values()) {
      if (partition.log.config.cleanupPolicy.includes("compact")) rewritten += (await compactLog(partition.log, undefined, partition.txns, partition.committedEnd)).segmentsRewritten;
    }
  } catch (error) {
    logger.error("compaction failed", { error });
  } finally {
    compacting = false;
  }
  return rewritten;
}

/** Retention then compaction, now (the "maintenance" task; the timers run each on its own interval). */
async function maintenance(): Promise<ShardResults["maintenance"]> {
  let deletedSegments = 0;
  for (const partition of partitions.values()) {
    try {
      deletedSegments += enforceRetention(partition.log, partition.committedEnd).deletedSegments;
    } catch (error) {
      logger.warn("retention failed", { error, topic: partition.topic, partition: partition.partition });
    }
  }
  return { flushed: 0, deletedSegments, compacted: await compactAll() };
}

async function close(): Promise<ShardResults["close"]> {
  closing = true;
  clearInterval(flushTimer);
  clearInterval(retentionTimer);
  clearInterval(compactionTimer);
  let closed = 0;
  for (const partition of partitions.values()) {
    try {
      await partition.close();
      closed++;
    } catch (error) {
      logger.error("partition close failed", { error, topic: partition.topic, partition: partition.partition });
    }
  }
  partitions.clear();
  return { closed };
}

const flushTimer = setInterval(() => {
  for (const partition of partitions.values()) {
    // A failure is logged by the partition's flusher, once per episode (src/storage/log-flusher.ts).
    partition.log.maybeFlush()?.catch(() => undefined);
  }
}, init.flushTickMs);
const retentionTimer = setInterval(() => {
  const now = Date.now();
  for (const partition of partitions.values()) {
    try {
      enforceRetention(partition.log, partition.committedEnd);
      partition.maintainProducers(now);
    } catch (error) {
      logger.warn("retention failed", { error, topic: partition.topic, partition: partition.partition });
    }
  }
}, init.retentionCheckMs);
const compactionTimer = setInterval(() => void compactAll(), init.compactionCheckMs);

/** Runs one task; the result may be a Transferring, and is a promise only when the task must wait. */
function handle(task: ShardTask): unknown {
  switch (task.op) {
    case "produce":
      return produce(task);
    case "fetch":
      return fetch(task);
    case "listOffsets":
      return task.items.map((item) => attempt(() => partitionFor(item).listOffsets(item.timestamp, item.isolation ?? 0)));
    case "writeMarkers":
      return writeMarkers(task);
    case "deleteRecords":
      return task.items.map((item) => attempt(() => partitionFor(item).deleteRecords(item.offset)));
    case "describeProducers":
      return task.partitions.map((ref) => attempt(() => partitionFor(ref).describeProducers()));
    case "replicate":
      return task.items.map((item) => attempt(() => partitionFor(item).replicate(item.records)));
    case "committed":
      return task.items.map((item) => attempt(() => (partitionFor(item).noteCommitted(item.highWatermark), true as const)));
    case "truncate":
      return task.items.map((item) => attempt(() => (item.fully ? partitionFor(item).resetTo(item.offset) : partitionFor(item).truncateTo(item.offset))));
    case "status":
      return task.partitions.map((ref) => attempt(() => partitionFor(ref).status()));
    case "open":
      return open(task);
    case "reconfigure":
      return reconfigure(task);
    case "delete":
      return remove(task);
    case "maintenance":
      return maintenance();
    case "ping":
      return true;
    case "close":
      return close();
  }
}

/** Posts a task's reply on the channel, moving the buffers of a Transferring result. */
function reply(port: MessagePort, id: number, result: unknown): void {
  if (result instanceof Transferring) port.postMessage([id, result.value] satisfies ShardReply, result.buffers as ArrayBuffer[]);
  else port.postMessage([id, result] satisfies ShardReply);
}

function fail(port: MessagePort, id: number, error: unknown): void {
  port.postMessage([id, undefined, error] satisfies ShardReply);
}

/** Serves the shard's channel: tasks in arrival order, each answered as soon as it is done. */
function attach(port: MessagePort): void {
  channel = port;
  port.on("message", ([id, task]: [number, ShardTask]) => {
    let result: unknown;
    try {
      result = handle(task);
    } catch (error) {
      fail(port, id, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value: unknown) => reply(port, id, value),
        (error: unknown) => fail(port, id, error),
      );
    } else reply(port, id, result);
  });
}

/** Piscina's entry point: `attach` (the channel's port); any other task is run directly (tests, tools). */
export default async function run(task: ShardTask | { op: "attach"; port: MessagePort }): Promise<unknown> {
  if (task.op === "attach") {
    attach(task.port);
    return true;
  }
  const result = await handle(task);
  return result instanceof Transferring ? Piscina.move({ [Piscina.transferableSymbol]: result.buffers, [Piscina.valueSymbol]: result.value } as never) : result;
}
