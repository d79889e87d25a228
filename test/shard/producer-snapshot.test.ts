import { describe, expect, it } from "vitest";
import {
  loadProducerState,
  PRODUCER_SNAPSHOT_FILE,
  readProducerSnapshot,
  rebuildProducerState,
  writeProducerSnapshot,
} from "../../src/shard/producer-snapshot.js";
import { incrementSequence, MAX_SEQUENCE, ProducerStateTable, type ProducerBatch } from "../../src/shard/producer-state.js";
import { encodeRecordBatch, readBatchHeader, StorageError } from "../../src/core/index.js";
import type { PartitionLog } from "../../src/storage/partition-log.js";
import { enforceRetention } from "../../src/storage/retention.js";
import { randomInt, seededRandom } from "../helpers/random.js";
import { DIR, newFs, openLog } from "../storage/helpers.js";

const batch = (baseSequence: number, count: number, producerEpoch: number, producerId: bigint): ProducerBatch => ({
  producerId,
  producerEpoch,
  baseSequence,
  lastOffsetDelta: count - 1,
});

function sampleTable(): ProducerStateTable {
  const t = new ProducerStateTable();
  t.record(batch(0, 1, 0, 0n), 0n, 0n, -1);
  for (let i = 0; i < 7; i++) t.record(batch(i * 10, 10, 3, 77n), BigInt(i * 10 + 1), BigInt(i * 10 + 10), 1_700_000_000_000 + i);
  t.record(batch(MAX_SEQUENCE - 1, 4, 32767, 0x7fffffffffffffffn), 1n << 62n, (1n << 62n) + 3n, 1_800_000_000_000);
  return t;
}

describe("producer state snapshots", () => {
  it("round-trips through serialize/deserialize", () => {
    const t = sampleTable();
    const copy = ProducerStateTable.deserialize(t.serialize());
    expect(copy.entries()).toEqual(t.entries());
    expect(copy.serialize()).toEqual(t.serialize());
    expect(ProducerStateTable.deserialize(new ProducerStateTable().serialize()).size).toBe(0);
  });

  it("deserialize throws StorageError for any flipped byte or truncation", () => {
    const bytes = sampleTable().serialize();
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i]! ^= 0x10;
      expect(() => ProducerStateTable.deserialize(bad), `byte ${i}`).toThrow(StorageError);
    }
    for (let n = 0; n < bytes.length; n++) expect(() => ProducerStateTable.deserialize(bytes.subarray(0, n))).toThrow(StorageError);
  });

  it("writes and reads producer.snapshot atomically, surviving a power cut", () => {
    const fs = newFs();
    fs.mkdirp(DIR);
    const t = sampleTable();
    writeProducerSnapshot(fs, DIR, t, 1234n);
    fs.powerCut();
    const read = readProducerSnapshot(fs, DIR)!;
    expect(read.offset).toBe(1234n);
    expect(read.table.entries()).toEqual(t.entries());
  });

  it("an absent, corrupt, truncated or foreign snapshot reads as undefined, never throws", () => {
    const fs = newFs();
    fs.mkdirp(DIR);
    const path = `${DIR}/${PRODUCER_SNAPSHOT_FILE}`;
    expect(readProducerSnapshot(fs, DIR)).toBeUndefined();
    writeProducerSnapshot(fs, DIR, sampleTable(), 10n);
    const good = fs.bytes(path);
    for (const i of [0, 5, 8, 12, 20, good.length - 1]) {
      writeProducerSnapshot(fs, DIR, sampleTable(), 10n);
      fs.poke(path, i, Uint8Array.of(good[i]! ^ 0xff));
      expect(readProducerSnapshot(fs, DIR), `byte ${i}`).toBeUndefined();
    }
    const h = fs.open(path, false);
    h.truncate(good.length - 3);
    h.close();
    expect(readProducerSnapshot(fs, DIR)).toBeUndefined();
    for (const junk of [new Uint8Array(0), new TextEncoder().encode('{"version":1}'), new Uint8Array(100)]) {
      const w = fs.open(path, true);
      w.truncate(0);
      w.write(junk, 0, junk.length, 0);
      w.close();
      expect(readProducerSnapshot(fs, DIR)).toBeUndefined();
    }
  });
});

interface Appended {
  batch: ProducerBatch;
  baseOffset: bigint;
  lastOffset: bigint;
  timestamp: number;
}

/** Random idempotent traffic through check → append → record, continuing across calls; keeps what was appended. */
class Traffic {
  readonly appended: Appended[] = [];
  /** Proof the traffic exercised the interesting paths. */
  readonly stats = { duplicates: 0, epochBumps: 0, wraps: 0, plain: 0 };
  private readonly random: () => number;
  private readonly producers = [1n, 2n, 3n, 1000n].map((pid) => ({ pid, epoch: 0, seq: pid === 3n ? MAX_SEQUENCE - 10 : 0 }));
  private readonly recent: Array<{ pid: bigint; bytes: Uint8Array }> = [];
  private i = 0;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  run(log: PartitionLog, table: ProducerStateTable, batches: number): Appended[] {
    const { random, recent } = this;
    for (let n = 0; n < batches; n++, this.i++) {
      const i = this.i;
      const count = randomInt(random, 1, 5);
      const roll = random();
      let bytes: Uint8Array;
      if (roll < 0.1) {
        bytes = encodeRecordBatch([{ value: "plain", timestamp: 1_700_000_000_000 + i }]); // pid -1
        this.stats.plain++;
      } else if (roll < 0.2 && recent.length > 0) {
        bytes = recent[randomInt(random, 0, recent.length - 1)]!.bytes.slice(); // a retry: must come back a duplicate
      } else {
        const p = this.producers[randomInt(random, 0, this.producers.length - 1)]!;
        if (random() < 0.03) {
          [p.epoch, p.seq] = [p.epoch + 1, 0];
          this.stats.epochBumps++;
          // Retries of the old epoch would be fenced (47), which is tested elsewhere.
          for (let k = recent.length - 1; k >= 0; k--) if (recent[k]!.pid === p.pid) recent.splice(k, 1);
        }
        const records = Array.from({ length: count }, (_, r) => ({ value: "x".repeat(randomInt(random, 10, 3000)), timestamp: 1_700_000_000_000 + i * 10 + r }));
        bytes = encodeRecordBatch(records, { producerId: p.pid, producerEpoch: p.epoch, baseSequence: p.seq });
        if (p.seq + count > MAX_SEQUENCE) this.stats.wraps++;
        p.seq = incrementSequence(p.seq, count);
        recent.push({ pid: p.pid, bytes: bytes.slice() });
        if (recent.length > 5) recent.shift();
      }
      const header = readBatchHeader(bytes);
      const verdict = table.check(header);
      if (verdict.kind === "duplicate") {
        this.stats.duplicates++;
        continue;
      }
      expect(verdict.kind).toBe("append");
      const r = log.append(bytes);
      table.record(header, r.baseOffset, r.lastOffset, header.maxTimestamp);
      this.appended.push({ batch: header, baseOffset: r.baseOffset, lastOffset: r.lastOffset, timestamp: header.maxTimestamp });
    }
    return this.appended;
  }
}

function tableOf(appended: Appended[], from = 0n): ProducerStateTable {
  const t = new ProducerStateTable();
  for (const a of appended) if (a.lastOffset >= from) t.record(a.batch, a.baseOffset, a.lastOffset, a.timestamp);
  return t;
}

describe("rebuilding producer state from a PartitionLog", () => {
  it("replaying the log gives the same table as live recording (one segment, reads capped at 1 MiB)", () => {
    const { log } = openLog(newFs());
    const live = new ProducerStateTable();
    const traffic = new Traffic(1);
    traffic.run(log, live, 600);
    expect(Object.values(traffic.stats).every((n) => n > 0), JSON.stringify(traffic.stats)).toBe(true);
    expect(log.sizeInBytes).toBeGreaterThan(2 << 20);
    const rebuilt = new ProducerStateTable();
    rebuildProducerState(log, rebuilt, 0n);
    expect(rebuilt.entries()).toEqual(live.entries());
    expect(rebuilt.serialize()).toEqual(live.serialize());
  });

  it("snapshot + tail replay after a clean restart equals live state, across segments", async () => {
    const fs = newFs();
    const config = { segmentBytes: 64 * 1024 };
    const { log } = openLog(fs, config);
    const live = new ProducerStateTable();
    const traffic = new Traffic(2);
    traffic.run(log, live, 150);
    const snapshotAt = log.logEndOffset;
    writeProducerSnapshot(fs, DIR, live, snapshotAt);
    const appended = traffic.run(log, live, 150);
    expect(log.segments.length).toBeGreaterThan(3);
    await log.close();

    const { log: reopened } = openLog(fs, config);
    const { table, snapshotOffset } = loadProducerState(reopened);
    expect(snapshotOffset).toBe(snapshotAt);
    expect(table.entries()).toEqual(live.entries());
    expect(table.entries()).toEqual(tableOf(appended).entries());
  });

  it("a corrupt snapshot falls back to a full replay", () => {
    const fs = newFs();
    const { log } = openLog(fs);
    const live = new ProducerStateTable();
    new Traffic(4).run(log, live, 100);
    writeProducerSnapshot(fs, DIR, live, log.logEndOffset);
    fs.poke(`${DIR}/${PRODUCER_SNAPSHOT_FILE}`, 30, Uint8Array.of(0xee));
    const { table, snapshotOffset } = loadProducerState(log);
    expect(snapshotOffset).toBeUndefined();
    expect(table.entries()).toEqual(live.entries());
  });

  it("clamps the replay start to the log start after retention", () => {
    const { log } = openLog(newFs(), { segmentBytes: 32 * 1024, retentionBytes: 64 * 1024, retentionMs: -1 });
    const appended = new Traffic(5).run(log, new ProducerStateTable(), 200);
    expect(enforceRetention(log).deletedSegments).toBeGreaterThan(0);
    const rebuilt = new ProducerStateTable();
    rebuildProducerState(log, rebuilt, 0n);
    expect(rebuilt.entries()).toEqual(tableOf(appended, log.logStartOffset).entries());
  });

  it("discards (durably) a snapshot that covers batches a power cut removed from the log", async () => {
    const fs = newFs();
    const { log } = openLog(fs);
    const live = new ProducerStateTable();
    const send = (seq: number) => {
      const bytes = encodeRecordBatch([{ value: "a", timestamp: 1 }, { value: "b", timestamp: 2 }], { producerId: 5n, producerEpoch: 0, baseSequence: seq });
      const header = readBatchHeader(bytes);
      expect(live.check(header).kind).toBe("append");
      const r = log.append(bytes);
      live.record(header, r.baseOffset, r.lastOffset, header.maxTimestamp);
      return header;
    };
    send(0);
    send(2);
    await log.flush();
    const lost = send(4); // acknowledged with acks=1, never fsynced
    writeProducerSnapshot(fs, DIR, live, log.logEndOffset);
    fs.powerCut();

    const { log: reopened } = openLog(fs);
    expect(reopened.logEndOffset).toBe(4n);
    const { table, snapshotOffset } = loadProducerState(reopened);
    expect(snapshotOffset).toBeUndefined();
    expect(fs.exists(`${DIR}/${PRODUCER_SNAPSHOT_FILE}`)).toBe(false);
    // The producer's retry of the lost batch is written again, not answered with offsets that no longer hold it.
    expect(table.check(lost).kind).toBe("append");
    expect(table.entry(5n)!.batches.map((b) => b.lastOffset)).toEqual([1n, 3n]);
    fs.powerCut();
    expect(fs.exists(`${DIR}/${PRODUCER_SNAPSHOT_FILE}`)).toBe(false);
  });

  it("rebuildProducerState from an offset past the log end clears the table and replays everything", async () => {
    const fs = newFs();
    const { log } = openLog(fs);
    const live = new ProducerStateTable();
    const traffic = new Traffic(6);
    traffic.run(log, live, 20);
    await log.flush();
    const durable = [...traffic.appended];
    traffic.run(log, live, 20);
    writeProducerSnapshot(fs, DIR, live, log.logEndOffset);
    fs.powerCut();
    const { log: reopened } = openLog(fs);
    // The pattern of a caller that reads the snapshot itself (src/shard/partition.ts) is safe too.
    const snapshot = readProducerSnapshot(fs, DIR)!;
    expect(snapshot.offset).toBeGreaterThan(reopened.logEndOffset);
    rebuildProducerState(reopened, snapshot.table, snapshot.offset);
    expect(snapshot.table.entries()).toEqual(tableOf(durable).entries());
  });
});
