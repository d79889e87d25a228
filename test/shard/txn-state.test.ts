// A partition's transaction state in its owner shard: open transactions and the last stable offset, commit
// and abort markers as Kafka lays them out, read_committed fetches cut at the LSO with the aborted
// transactions listed, .txnindex files in Kafka's format, and all of it rebuilt from the log after a crash
// (the index deleted or torn), and markers surviving compaction.

import { describe, expect, it } from "vitest";
import { Attributes, decodeRecordBatch, encodeRecordBatch, readBatchHeader, scanBatches } from "../../src/core/index.js";
import { memoryLogger } from "../../src/log.js";
import { Partition } from "../../src/shard/partition.js";
import { controlTypeOf, encodeMarker, TXN_SEEN_FILE } from "../../src/shard/txn-state.js";
import { compactLog } from "../../src/storage/compaction.js";
import { decodeTxnIndex, encodeTxnIndex, TXN_INDEX_ENTRY_SIZE, txnIndexPath } from "../../src/storage/txn-index.js";
import { StorageError } from "../../src/errors/index.js";
import { DIR, newFs } from "../storage/helpers.js";
import type { MemoryFileSystem } from "../helpers/memory-fs.js";

const logger = memoryLogger();
let seq = new Map<bigint, number>();

function txBatch(producerId: bigint, values: string[], key?: string): Uint8Array {
  const base = seq.get(producerId) ?? 0;
  seq.set(producerId, base + values.length);
  return encodeRecordBatch(values.map((value) => ({ key: key ?? null, value, timestamp: Date.now() })), {
    producerId,
    producerEpoch: 0,
    baseSequence: base,
    attributes: Attributes.TRANSACTIONAL,
  });
}

const plain = (values: string[], key?: string) => encodeRecordBatch(values.map((value) => ({ key: key ?? null, value, timestamp: Date.now() })));

function open(fs: MemoryFileSystem, config = {}): Partition {
  return Partition.open("t", 0, DIR, config, fs, logger);
}

/** Values a read_committed client would keep from a fetch at `offset` (Kafka's consumer algorithm). */
function committedValues(p: Partition, offset = 0n): string[] {
  const queue: { producerId: bigint; firstOffset: bigint }[] = [];
  const skipping = new Set<bigint>();
  const out: string[] = [];
  for (const { records, abortedTransactions } of fetchAll(p, offset, 1)) {
    queue.push(...(abortedTransactions ?? []).filter((a) => !queue.some((q) => q.producerId === a.producerId && q.firstOffset === a.firstOffset)));
    queue.sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
  for (const b of scanBatches(records, { verifyCrc: true }).batches) {
    const bytes = records.subarray(b.position, b.position + b.size);
    const header = readBatchHeader(bytes);
    while (queue.length && queue[0]!.firstOffset <= b.lastOffset) skipping.add(queue.shift()!.producerId);
    if (header.isControl) {
      if (controlTypeOf(bytes) === 0) skipping.delete(header.producerId);
      continue;
    }
    if (header.isTransactional && skipping.has(header.producerId)) continue;
    for (const r of decodeRecordBatch(bytes).records) out.push(new TextDecoder().decode(r.value!));
  }
  }
  return out;
}

/** Every fetch from `offset` to the end (a read stops at a segment's end). */
function fetchAll(p: Partition, offset: bigint, isolation: 0 | 1) {
  const out: ReturnType<Partition["fetch"]>[] = [];
  for (;;) {
    const result = p.fetch(offset, 1 << 20, isolation);
    if (!result.records.length) return out;
    out.push(result);
    const batches = scanBatches(result.records, { verifyCrc: false }).batches;
    offset = batches[batches.length - 1]!.lastOffset + 1n;
  }
}

const markerCount = (p: Partition) =>
  fetchAll(p, 0n, 0).flatMap((r) => scanBatches(r.records, { verifyCrc: false }).batches).filter((b) => (b.attributes & Attributes.CONTROL) !== 0).length;

describe("partition transaction state", () => {
  it("markers are Kafka control batches: key version 0 + type, value version 0 + coordinator epoch", () => {
    const marker = encodeMarker(42n, 7, true, 3, 1_700_000_000_000);
    const header = readBatchHeader(marker);
    expect([header.isControl, header.isTransactional, header.producerId, header.producerEpoch, header.baseSequence, header.recordCount]).toEqual([true, true, 42n, 7, -1, 1]);
    const [record] = decodeRecordBatch(marker).records;
    expect([...record!.key!]).toEqual([0, 0, 0, 1]);
    expect([...record!.value!]).toEqual([0, 0, 0, 0, 0, 3]);
    expect(controlTypeOf(encodeMarker(42n, 7, false, 0))).toBe(0);
  });

  it("the LSO stays at the first open transaction; read_committed stops there and skips aborted data", () => {
    seq = new Map();
    const fs = newFs();
    const p = open(fs);
    p.produce(plain(["a"]), 1); // 0
    p.produce(txBatch(1n, ["t1-x", "t1-y"]), 1); // 1-2
    p.produce(plain(["b"]), 1); // 3
    p.produce(txBatch(2n, ["t2-x"]), 1); // 4
    expect(p.txns.lastStableOffset()).toBe(1n);
    expect(p.fetch(0n, 1 << 20, 0).lastStableOffset).toBe(1n);
    expect(committedValues(p)).toEqual(["a"]);
    expect(p.fetch(1n, 1 << 20, 1).records.length).toBe(0); // at the LSO: nothing yet
    expect(p.listOffsets(-1n, 1).offset).toBe(1n);
    expect(p.listOffsets(-1n, 0).offset).toBe(5n);

    expect(p.writeMarker(1n, 0, false, 0).offset).toBe(5n); // abort producer 1
    expect(p.txns.lastStableOffset()).toBe(4n);
    expect(committedValues(p)).toEqual(["a", "b"]);
    expect(p.fetch(0n, 1 << 20, 1).abortedTransactions).toEqual([{ producerId: 1n, firstOffset: 1n }]);
    expect(p.fetch(0n, 1 << 20, 0).abortedTransactions).toBeUndefined();

    p.writeMarker(2n, 0, true, 0); // commit producer 2 at offset 6
    expect(p.txns.lastStableOffset()).toBe(7n);
    expect(committedValues(p)).toEqual(["a", "b", "t2-x"]);
    // A second marker with nothing open appends nothing.
    expect(p.writeMarker(2n, 0, true, 0).offset).toBe(-1n);
    expect(p.log.logEndOffset).toBe(7n);

    // The abort is in the segment's .txnindex, in Kafka's 34-byte layout.
    const index = fs.readFile(txnIndexPath(DIR, 0n));
    expect(index.length).toBe(TXN_INDEX_ENTRY_SIZE);
    expect(decodeTxnIndex(index)).toEqual([{ producerId: 1n, firstOffset: 1n, lastOffset: 5n, lastStableOffset: 4n }]);
  });

  it("rebuilds open transactions, aborted ones and the .txnindex from the log after a crash", async () => {
    seq = new Map();
    const fs = newFs();
    let p = open(fs, { segmentBytes: 300 });
    p.produce(txBatch(1n, ["x"]), 1); // 0
    p.produce(txBatch(2n, ["y"]), 1); // 1
    p.writeMarker(1n, 0, false, 0); // 2: abort 1
    p.produce(txBatch(3n, ["z"]), 1); // 3 (stays open)
    p.writeMarker(2n, 0, true, 0); // 4
    p.produce(plain(["after"]), 1); // 5
    const lso = p.txns.lastStableOffset();
    const before = committedValues(p);
    const indexFiles = () => fs.list(DIR).filter((f) => f.endsWith(".txnindex")).sort();
    const files = indexFiles();
    expect(files.length).toBeGreaterThan(0);
    const contents = files.map((f) => decodeTxnIndex(fs.readFile(`${DIR}/${f}`)));
    // Crash: no clean close; the index files lost or torn.
    p.log.abandon();
    fs.unlink(`${DIR}/${files[0]}`);
    p = open(fs, { segmentBytes: 300 });
    expect(p.txns.lastStableOffset()).toBe(lso);
    expect(lso).toBe(3n);
    expect(committedValues(p)).toEqual(before);
    expect(before).toEqual(["y"]);
    expect(indexFiles()).toEqual(files);
    expect(indexFiles().map((f) => decodeTxnIndex(fs.readFile(`${DIR}/${f}`)))).toEqual(contents);
    await p.close();
  });

  it("a partition that never saw a transaction skips the scan; txn.seen is written before the first transactional append", () => {
    seq = new Map();
    const fs = newFs();
    const p = open(fs);
    p.produce(plain(["a"]), 1);
    expect(fs.exists(`${DIR}/${TXN_SEEN_FILE}`)).toBe(false);
    p.produce(txBatch(9n, ["t"]), 1);
    expect(fs.exists(`${DIR}/${TXN_SEEN_FILE}`)).toBe(true);
  });

  it("a torn or foreign .txnindex is refused by the decoder (StorageError) and rewritten at open", () => {
    expect(() => decodeTxnIndex(new Uint8Array(TXN_INDEX_ENTRY_SIZE + 3))).toThrow(StorageError);
    const bad = encodeTxnIndex([{ producerId: 1n, firstOffset: 0n, lastOffset: 1n, lastStableOffset: 2n }]);
    bad[1] = 9;
    expect(() => decodeTxnIndex(bad)).toThrow(StorageError);
    seq = new Map();
    const fs = newFs();
    let p = open(fs);
    p.produce(txBatch(1n, ["x"]), 1);
    p.writeMarker(1n, 0, false, 0);
    p.log.abandon();
    const path = txnIndexPath(DIR, 0n);
    const file = fs.open(path, true);
    file.write(new Uint8Array(5), 0, 5, TXN_INDEX_ENTRY_SIZE); // a torn tail
    file.close();
    p = open(fs);
    expect(decodeTxnIndex(fs.readFile(path))).toEqual([{ producerId: 1n, firstOffset: 0n, lastOffset: 1n, lastStableOffset: 2n }]);
  });

  it("compaction keeps every marker (all commit markers share one key) and aborted transactions stay aborted", async () => {
    seq = new Map();
    const fs = newFs();
    const p = open(fs, { cleanupPolicy: ["compact"], segmentBytes: 200 });
    for (let i = 0; i < 4; i++) {
      p.produce(txBatch(1n, [`v${i}`], "k"), 1);
      p.writeMarker(1n, 0, i !== 3, 0);
    }
    p.produce(plain(["tail"], "other"), 1);
    p.log.roll();
    expect(markerCount(p)).toBe(4);
    expect(committedValues(p)).toEqual(["v0", "v1", "v2", "tail"]);
    const result = await compactLog(p.log, async () => {}, p.txns);
    // v0, v1 superseded by v2; the aborted v3 removed and superseding nothing.
    expect(result.recordsRemoved).toBe(3);
    expect(markerCount(p)).toBe(4);
    expect(committedValues(p)).toEqual(["v2", "tail"]);
  });
});

describe("coordinator epochs on markers", () => {
  it("a marker from an older coordinator epoch than the producer's last one here is refused (TRANSACTION_COORDINATOR_FENCED), also after a crash", async () => {
    seq = new Map();
    const fs = newFs();
    let p = open(fs, {});
    p.produce(txBatch(7n, ["a"]), 1); // 0
    expect(p.writeMarker(7n, 0, true, 3).offset).toBe(1n); // commit by coordinator epoch 3
    p.produce(txBatch(7n, ["b"]), 1); // 2
    // A deposed coordinator (epoch 2) tries to abort the next transaction: refused, nothing appended.
    expect(() => p.writeMarker(7n, 0, false, 2)).toThrow(expect.objectContaining({ code: "TRANSACTION_COORDINATOR_FENCED" }));
    expect(p.log.logEndOffset).toBe(3n);
    expect(p.txns.lastStableOffset()).toBe(2n); // still open
    // Another producer is not affected by producer 7's epochs.
    p.produce(txBatch(8n, ["c"]), 1); // 3
    expect(p.writeMarker(8n, 0, true, 1).offset).toBe(4n);
    // The epochs come back from the markers in the log after a crash.
    p.log.abandon();
    p = open(fs, {});
    expect(() => p.writeMarker(7n, 0, false, 2)).toThrow(expect.objectContaining({ code: "TRANSACTION_COORDINATOR_FENCED" }));
    expect(p.writeMarker(7n, 0, false, 3).offset).toBe(5n); // the same epoch, or a newer one, is accepted
    await p.close();
  });
});
