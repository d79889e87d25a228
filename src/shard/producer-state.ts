// Idempotent-producer state of one partition: which producer ids wrote here, at which epoch, and the
// sequence ranges and offsets of their last five batches. Sans-IO and single-threaded: it lives inside the
// shard worker that owns the partition, next to its PartitionLog, so nothing here locks. Snapshots and the
// rebuild from the log are in producer-snapshot.ts.
//
// Behavior (Kafka's ProducerStateManager / ProducerAppendInfo, checked by `check()` BEFORE the append):
//   1. Transactional batches follow the same rules: whether the producer may write to this partition in a
//      transaction at all is checked before the batch reaches the shard (the transaction coordinator's
//      KIP-890 style verification in Broker.produceMany); the shard tracks open transactions in txn-state.ts.
//   2. producerId < 0 → append, unchecked: not idempotent, whatever epoch and sequence say (kafkajs sends
//      pid -1 with epoch 0 and sequence 0; librdkafka and kafka-python send -1/-1/-1).
//   3. producerId >= 0 with baseSequence < 0, producerEpoch < 0 or lastOffsetDelta < 0 → INVALID_RECORD
//      (87). Kafka's LogValidator rejects the sequence; the other two no client sends, and they would
//      break the comparisons below.
//   4. lastSeq = baseSequence + lastOffsetDelta, wrapping past 2^31-1 to 0
//      (DefaultRecordBatch.incrementSequence); the sequence after 2^31-1 is 0.
//   5. Producer unknown on this partition → append, whatever the sequence (Kafka >= 2.5, KIP-360). A
//      producer is unknown here only if it never wrote here or its state expired (idle longer than
//      producer.id.expiration.ms), and it may then legitimately resume mid-sequence. The alternatives fail
//      real clients: Kafka < 2.5 answered UNKNOWN_PRODUCER_ID (59), from which librdkafka recovers (new
//      producer id) but kafkajs cannot (non-retriable, and it rolls its sequence back, so every later send
//      repeats the error); OUT_OF_ORDER (45) on its oldest in-flight request is a fatal error in librdkafka
//      and the same dead end in kafkajs. Accepting is the one answer both survive.
//   6. epoch < current epoch → INVALID_PRODUCER_EPOCH (47), as Kafka answers a Produce from a fenced epoch.
//   7. epoch > current epoch → the batch must start at sequence 0, else OUT_OF_ORDER_SEQUENCE_NUMBER (45).
//      The append then replaces the epoch and forgets the old epoch's batches.
//   8. Same epoch and (baseSequence, lastSeq) equal to one of the producer's last 5 batches → "duplicate":
//      no append, no error; the caller answers NONE with that batch's original base offset (a retry of a
//      batch whose response was lost). Five because clients cap idempotent in-flight requests at 5.
//   9. Same epoch otherwise → baseSequence must be lastSeq(latest batch) + 1 (with the wrap), else 45.
//      This covers gaps, partial overlaps and retries older than the last 5 batches.
//  DUPLICATE_SEQUENCE_NUMBER (46) is never returned: current Kafka answers a cached duplicate with NONE and
//  the original offsets, which every client takes as success.
//
// `record()` after a successful append trusts its input (it is also how the log is replayed): it sets the
// epoch, pushes the batch into the 5-slot window and keeps the newest timestamp. Pass the batch header's
// maxTimestamp, as Kafka does, so live state equals state rebuilt from the log.

import { crc32c } from "../core/index.js";
import { InvalidRecordError, KafkaProtocolError, StorageError } from "../errors/index.js";

export const MAX_SEQUENCE = 0x7fffffff;
/** Batches remembered per producer (Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN). */
export const PRODUCER_BATCH_WINDOW = 5;
/** Kafka's producer.id.expiration.ms default: one day. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;

/** The batch-header fields the checks need (a BatchHeader fits). */
export interface ProducerBatch {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  isTransactional?: boolean;
}

export interface ProducerBatchMetadata {
  firstSeq: number;
  lastSeq: number;
  baseOffset: bigint;
  lastOffset: bigint;
}

export interface ProducerEntry {
  producerId: bigint;
  epoch: number;
  /** Oldest first, at most PRODUCER_BATCH_WINDOW, all of the current epoch. */
  batches: ProducerBatchMetadata[];
  /** Newest batch timestamp seen (ms); expiry measures idleness from it. */
  lastTimestamp: number;
}

export type ProducerCheck =
  | { kind: "append" }
  | { kind: "duplicate"; baseOffset: bigint; lastOffset: bigint }
  | { kind: "error"; error: KafkaProtocolError };

export interface ProducerStateOptions {
  /** Producers idle this long are forgotten by removeExpired(). Default one day. */
  producerIdExpirationMs?: number;
}

const APPEND: ProducerCheck = Object.freeze({ kind: "append" });

// Snapshot encoding sizes (layout drawn above serialize()).
const TABLE_MAGIC = Uint8Array.of(0x52, 0x56, 0x50, 0x54); // "RVPT"
const TABLE_VERSION = 1;
const HEADER = 14;
const ENTRY = 19;
const BATCH = 24;

/** `sequence + increment`, wrapping past 2^31-1 to 0 (Kafka's DefaultRecordBatch.incrementSequence). */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > MAX_SEQUENCE - increment ? increment - (MAX_SEQUENCE - sequence) - 1 : sequence + increment;
}

function fail(code: "INVALID_PRODUCER_EPOCH" | "OUT_OF_ORDER_SEQUENCE_NUMBER" | "INVALID_TXN_STATE", message: string): ProducerCheck {
  return { kind: "error", error: new KafkaProtocolError(code, message) };
}

export class ProducerStateTable {
  readonly producerIdExpirationMs: number;
  private readonly producers = new Map<bigint, ProducerEntry>();

  constructor(options: ProducerStateOptions = {}) {
    this.producerIdExpirationMs = options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS;
  }

  get size(): number {
    return this.producers.size;
  }

  entry(producerId: bigint): Readonly<ProducerEntry> | undefined {
    return this.producers.get(producerId);
  }

  /** Every producer, ordered by id (deterministic for snapshots and comparisons). */
  entries(): ProducerEntry[] {
    return [...this.producers.values()].sort((a, b) => (a.producerId < b.producerId ? -1 : a.producerId > b.producerId ? 1 : 0));
  }

  /** Decides what to do with a batch before it is appended (rules in the Behavior block above). */
  check(batch: ProducerBatch): ProducerCheck {
    const { producerId: pid, producerEpoch: epoch, baseSequence: firstSeq, lastOffsetDelta } = batch;
    if (pid < 0n) return APPEND;
    if (firstSeq < 0 || epoch < 0 || lastOffsetDelta < 0) {
      const what = `producer ${pid} sent epoch ${epoch}, base sequence ${firstSeq}, lastOffsetDelta ${lastOffsetDelta}`;
      return { kind: "error", error: new InvalidRecordError(`invalid idempotent batch: ${what}`) };
    }
    const entry = this.producers.get(pid);
    if (entry === undefined) return APPEND;
    if (epoch < entry.epoch) {
      return fail("INVALID_PRODUCER_EPOCH", `producer ${pid} epoch ${epoch} is older than the current epoch ${entry.epoch}`);
    }
    if (epoch > entry.epoch) {
      if (firstSeq === 0) return APPEND;
      return fail("OUT_OF_ORDER_SEQUENCE_NUMBER", `producer ${pid} new epoch ${epoch} must start at sequence 0, got ${firstSeq}`);
    }
    const lastSeq = incrementSequence(firstSeq, lastOffsetDelta);
    for (const cached of entry.batches) {
      if (cached.firstSeq === firstSeq && cached.lastSeq === lastSeq) {
        return { kind: "duplicate", baseOffset: cached.baseOffset, lastOffset: cached.lastOffset };
      }
    }
    const latest = entry.batches[entry.batches.length - 1];
    // An entry always holds at least one batch of its epoch; the guard only keeps a hand-made entry safe.
    if (latest === undefined) return APPEND;
    const expected = incrementSequence(latest.lastSeq, 1);
    if (firstSeq === expected) return APPEND;
    return fail("OUT_OF_ORDER_SEQUENCE_NUMBER", `producer ${pid} epoch ${epoch}: expected sequence ${expected}, got ${firstSeq}..${lastSeq}`);
  }

  /** Records a batch that was appended at [baseOffset, lastOffset]. Non-idempotent batches are ignored. */
  record(batch: ProducerBatch, baseOffset: bigint, lastOffset: bigint, timestampMs: number): void {
    if (batch.producerId < 0n || batch.baseSequence < 0) return;
    let entry = this.producers.get(batch.producerId);
    if (entry === undefined) {
      entry = { producerId: batch.producerId, epoch: batch.producerEpoch, batches: [], lastTimestamp: timestampMs };
      this.producers.set(batch.producerId, entry);
    } else if (entry.epoch !== batch.producerEpoch) {
      // A new epoch restarts the sequence at 0: the old epoch's batches can no longer match anything.
      entry.epoch = batch.producerEpoch;
      entry.batches.length = 0;
    }
    const firstSeq = batch.baseSequence;
    entry.batches.push({ firstSeq, lastSeq: incrementSequence(firstSeq, batch.lastOffsetDelta), baseOffset, lastOffset });
    if (entry.batches.length > PRODUCER_BATCH_WINDOW) entry.batches.shift();
    // Client timestamps can go backwards; idleness is measured from the newest one.
    if (timestampMs > entry.lastTimestamp) entry.lastTimestamp = timestampMs;
  }

  /** Forgets every producer. */
  clear(): void {
    this.producers.clear();
  }

  /** Forgets producers idle for producerIdExpirationMs or longer; returns how many. Call periodically. */
  removeExpired(nowMs: number): number {
    let removed = 0;
    for (const [pid, entry] of this.producers) {
      if (nowMs - entry.lastTimestamp >= this.producerIdExpirationMs) {
        this.producers.delete(pid);
        removed++;
      }
    }
    return removed;
  }

  /*
   * Snapshot encoding, version 1, big-endian:
   *
   *   0      4       6        10        14
   *   +------+-------+--------+---------+------------------------------------------+
   *   |"RVPT"| ver=1 | crc32c | count N | N entries, ordered by producerId          |
   *   +------+-------+--------+---------+------------------------------------------+
   *   crc32c covers bytes [10, end).
   *
   *   entry:  producerId i64 | epoch i16 | lastTimestamp i64 | k u8 (<= 5) | k × batch (oldest first)
   *   batch:  firstSeq i32 | lastSeq i32 | baseOffset i64 | lastOffset i64
   *
   * Binary rather than JSON so a flipped digit cannot pass as a different offset: the CRC catches it.
   */
  serialize(): Uint8Array {
    const entries = this.entries();
    let size = HEADER;
    for (const e of entries) size += ENTRY + e.batches.length * BATCH;
    const out = new Uint8Array(size);
    const v = new DataView(out.buffer);
    out.set(TABLE_MAGIC, 0);
    v.setUint16(4, TABLE_VERSION);
    v.setUint32(10, entries.length);
    let p = HEADER;
    for (const e of entries) {
      v.setBigInt64(p, e.producerId);
      v.setInt16(p + 8, e.epoch);
      v.setBigInt64(p + 10, BigInt(Math.trunc(e.lastTimestamp)));
      v.setUint8(p + 18, e.batches.length);
      p += ENTRY;
      for (const b of e.batches) {
        v.setInt32(p, b.firstSeq);
        v.setInt32(p + 4, b.lastSeq);
        v.setBigInt64(p + 8, b.baseOffset);
        v.setBigInt64(p + 16, b.lastOffset);
        p += BATCH;
      }
    }
    v.setUint32(6, crc32c(out.subarray(10)));
    return out;
  }

  /** Decodes serialize()'s output. Throws StorageError (not retriable) on any corruption. */
  static deserialize(bytes: Uint8Array, options: ProducerStateOptions = {}): ProducerStateTable {
    const corrupt = (why: string) => new StorageError(`producer state snapshot is corrupt: ${why}`, { retriable: false });
    if (bytes.length < HEADER) throw corrupt(`${bytes.length} bytes is shorter than the header`);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (TABLE_MAGIC.some((m, i) => bytes[i] !== m)) throw corrupt("bad magic");
    if (v.getUint16(4) !== TABLE_VERSION) throw corrupt(`unknown version ${v.getUint16(4)}`);
    if (v.getUint32(6) !== crc32c(bytes.subarray(10))) throw corrupt("CRC mismatch");
    const table = new ProducerStateTable(options);
    const count = v.getUint32(10);
    let p = HEADER;
    for (let i = 0; i < count; i++) {
      if (p + ENTRY > bytes.length) throw corrupt(`entry ${i} is truncated`);
      const producerId = v.getBigInt64(p);
      const epoch = v.getInt16(p + 8);
      const k = v.getUint8(p + 18);
      if (producerId < 0n || epoch < 0 || k === 0 || k > PRODUCER_BATCH_WINDOW || table.producers.has(producerId)) {
        throw corrupt(`entry ${i} (producer ${producerId}, epoch ${epoch}, ${k} batches) is invalid`);
      }
      const entry: ProducerEntry = { producerId, epoch, batches: [], lastTimestamp: Number(v.getBigInt64(p + 10)) };
      p += ENTRY;
      if (p + k * BATCH > bytes.length) throw corrupt(`entry ${i}'s batches are truncated`);
      for (let j = 0; j < k; j++, p += BATCH) {
        const batch = { firstSeq: v.getInt32(p), lastSeq: v.getInt32(p + 4), baseOffset: v.getBigInt64(p + 8), lastOffset: v.getBigInt64(p + 16) };
        if (batch.firstSeq < 0 || batch.lastSeq < 0 || batch.baseOffset < 0n || batch.lastOffset < batch.baseOffset) {
          throw corrupt(`entry ${i} batch ${j} is invalid`);
        }
        entry.batches.push(batch);
      }
      table.producers.set(producerId, entry);
    }
    if (p !== bytes.length) throw corrupt(`${bytes.length - p} trailing bytes`);
    return table;
  }
}
