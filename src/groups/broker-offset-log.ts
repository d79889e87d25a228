// The durable OffsetLog: Kafka's internal compacted topic `__consumer_offsets`, written and read through
// the broker core like any topic. Compaction keeps the latest record per key (group, topic, partition), so
// the topic stays about as large as the set of live offsets.
//
// Behavior:
// - The topic is created on first use if missing (cleanup.policy=compact, `partitions` partitions, default
//   4); if it exists its partition count is used as found. A group always maps to one partition, chosen as
//   Kafka chooses it (abs(groupId.hashCode) % partitions), so one commit is one atomic batch and a group's
//   records replay in order. The partition count must therefore never change (front ends should refuse
//   CreatePartitions on internal topics).
// - append: one uncompressed RecordBatch of keyed records, acks=-1; it resolves once the broker has the
//   batch durably per the topic's flush policy.
// - replay: each partition from its log start to its high watermark; control batches are skipped; a batch
//   that cannot be decoded (compressed by someone else) is skipped with a warning.

import { Attributes, decodeRecordBatch, encodeRecordBatch, scanBatches } from "../core/index.js";
import { KafkaProtocolError } from "../errors/index.js";
import type { Logger } from "../log.js";
import type { OffsetLog, OffsetLogRecord } from "./offset-store.js";

export const OFFSETS_TOPIC = "__consumer_offsets";

/** The slice of the Broker this log uses (a seam: the Broker class satisfies it). */
export interface OffsetLogBroker {
  topic(name: string): { partitions: number } | undefined;
  createTopic(name: string, options: { partitions: number; configs: Record<string, string> }): Promise<unknown>;
  /** `internal`: the offsets topic is internal; only the broker's own writers may append to it. */
  produce(topic: string, partition: number, batch: Uint8Array, options: { acks: -1; transfer: boolean; internal: true }): Promise<unknown>;
  fetch(topic: string, partition: number, offset: bigint, options: { maxBytes: number }): Promise<{ records: Uint8Array; highWatermark: bigint }>;
  listOffsets(topic: string, partition: number, spec: "earliest"): Promise<{ offset: bigint }>;
}

export interface BrokerOffsetLogOptions {
  /** Partitions when the topic is created. Default 4. */
  partitions?: number;
  /** Default `__consumer_offsets`. */
  topic?: string;
  /** Bytes per fetch during replay. Default 1 MiB. */
  fetchBytes?: number;
  logger?: Logger;
}

export class BrokerOffsetLog implements OffsetLog {
  readonly topic: string;
  private partitions = 0;
  private ready: Promise<void> | undefined;

  constructor(private readonly broker: OffsetLogBroker, private readonly options: BrokerOffsetLogOptions = {}) {
    this.topic = options.topic ?? OFFSETS_TOPIC;
  }

  /** The partition a group's records go to (Kafka's GroupMetadataManager.partitionFor). */
  partitionFor(groupId: string): number {
    return javaAbs(javaStringHash(groupId)) % this.partitions;
  }

  async replay(visit: (record: OffsetLogRecord) => void): Promise<void> {
    await this.ensureTopic();
    for (let p = 0; p < this.partitions; p++) await this.replayOne(p, visit);
  }

  /** One partition, from its log start to its high watermark (the coordinator loading a partition it now leads). */
  async replayPartition(partition: number, visit: (record: OffsetLogRecord) => void): Promise<void> {
    await this.ensureTopic();
    await this.replayOne(partition, visit);
  }

  async append(groupId: string, records: OffsetLogRecord[]): Promise<void> {
    await this.ensureTopic();
    const batch = encodeRecordBatch(records.map((r) => ({ key: r.key, value: r.value })));
    await this.broker.produce(this.topic, this.partitionFor(groupId), batch, { acks: -1, transfer: true, internal: true });
  }

  private ensureTopic(): Promise<void> {
    this.ready ??= this.createIfMissing().catch((error) => {
      this.ready = undefined; // let the next call try again
      throw error;
    });
    return this.ready;
  }

  private async createIfMissing(): Promise<void> {
    let existing = this.broker.topic(this.topic);
    if (!existing) {
      try {
        await this.broker.createTopic(this.topic, { partitions: this.options.partitions ?? 4, configs: { "cleanup.policy": "compact" } });
      } catch (error) {
        if (!(error instanceof KafkaProtocolError && error.code === "TOPIC_ALREADY_EXISTS")) throw error;
      }
      existing = this.broker.topic(this.topic);
    }
    if (!existing) throw new KafkaProtocolError("COORDINATOR_NOT_AVAILABLE", `${this.topic} could not be created`);
    this.partitions = existing.partitions;
  }

  private async replayOne(partition: number, visit: (record: OffsetLogRecord) => void): Promise<void> {
    let offset = (await this.broker.listOffsets(this.topic, partition, "earliest")).offset;
    const maxBytes = this.options.fetchBytes ?? 1024 * 1024;
    for (;;) {
      const { records, highWatermark } = await this.broker.fetch(this.topic, partition, offset, { maxBytes });
      if (offset >= highWatermark || records.length === 0) return;
      const { batches } = scanBatches(records, { verifyCrc: false });
      const start = offset;
      for (const b of batches) {
        if (b.lastOffset < offset) continue;
        if ((b.attributes & Attributes.CONTROL) === 0) {
          try {
            for (const r of decodeRecordBatch(records.subarray(b.position, b.position + b.size)).records) {
              if (r.offset >= offset && r.key) visit({ key: r.key, value: r.value });
            }
          } catch (error) {
            this.options.logger?.warn("skipping an unreadable batch in the offsets topic", { partition, offset: b.baseOffset, error });
          }
        }
        offset = b.lastOffset + 1n;
      }
      if (offset === start) {
        // Bytes that did not move us forward: stop rather than fetch the same place forever.
        this.options.logger?.warn("offsets topic replay made no progress; stopping", { partition, offset });
        return;
      }
    }
  }
}

/** java.lang.String#hashCode over UTF-16 code units. */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs: Math.abs, with MIN_VALUE mapped to 0. */
function javaAbs(n: number): number {
  return n === -0x80000000 ? 0 : Math.abs(n);
}
