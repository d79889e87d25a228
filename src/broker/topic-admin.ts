// Topic administration: create, delete, list, describe, add partitions, alter configs. Metadata changes are
// durable (TopicStore) before the shards act on them, and a topic's partitions are opened on their owning
// shards through the router.

import { randomUUID } from "node:crypto";
import { InvalidArgumentError, KafkaProtocolError, UnknownTopicOrPartitionError } from "../errors/index.js";
import type { Logger } from "../log.js";
import { defaultLogConfig, kafkaConfigNames, parseKafkaConfigs, resolveLogConfig, type LogConfig } from "../storage/log-config.js";
import type { PartitionSpec, PartitionStatus } from "../shard/protocol.js";
import { partitionKey } from "../shard/protocol.js";
import type { AppendWatch } from "./append-watch.js";
import type { ShardRouter } from "./router.js";
import type { SharedReads } from "./shared-reads.js";
import { collisionKey, hasCollisionRisk, InvalidTopicError, isInternalTopic, validateTopicName } from "./topic-name.js";
import type { TopicRecord, TopicStore } from "./topic-store.js";

export const MAX_PARTITIONS = 10_000;

export interface CreateTopicOptions {
  /** Default 1. */
  partitions?: number;
  /** Kafka-style topic configs: {"retention.ms": "3600000", "cleanup.policy": "compact"}. */
  configs?: Record<string, string>;
}

export interface TopicDescription {
  name: string;
  id: string;
  internal: boolean;
  partitions: PartitionStatus[];
  /** Every effective config as Kafka names it, with whether the topic overrides the default. */
  configs: Array<{ name: string; value: string; isDefault: boolean }>;
}

export class TopicAdmin {
  constructor(
    private readonly store: TopicStore,
    private readonly router: ShardRouter,
    private readonly watch: AppendWatch,
    private readonly reads: SharedReads,
    private readonly topicDefaults: Partial<LogConfig>,
    private readonly logger: Logger,
  ) {}

  find(name: string): TopicRecord | undefined {
    return this.store.get(name);
  }

  get(name: string): TopicRecord {
    const topic = this.store.get(name);
    if (!topic) throw new UnknownTopicOrPartitionError(`unknown topic ${name}`);
    return topic;
  }

  /** Throws UNKNOWN_TOPIC_OR_PARTITION unless the partition exists. */
  checkPartition(topic: string, partition: number): void {
    const record = this.store.get(topic);
    if (!record || !Number.isInteger(partition) || partition < 0 || partition >= record.partitions) {
      throw new UnknownTopicOrPartitionError(`unknown topic or partition ${topic}-${partition}`);
    }
  }

  logConfig(topic: TopicRecord): Partial<LogConfig> {
    return { ...this.topicDefaults, ...parseKafkaConfigs(topic.configs) };
  }

  async create(name: string, options: CreateTopicOptions = {}): Promise<TopicRecord> {
    validateTopicName(name);
    if (this.store.get(name)) throw new KafkaProtocolError("TOPIC_ALREADY_EXISTS", `topic ${name} already exists`);
    const collides = this.store.list().find((t) => collisionKey(t.name) === collisionKey(name));
    if (collides) throw new InvalidTopicError(`topic ${name} collides with existing topic ${collides.name} ('.' and '_' are interchangeable in metric names)`);
    if (hasCollisionRisk(name) && !isInternalTopic(name)) this.logger.warn("topic name uses '.' or '_', which can collide in metric names", { topic: name });
    const partitions = options.partitions ?? 1;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new KafkaProtocolError("INVALID_PARTITIONS", `partitions must be an integer in [1, ${MAX_PARTITIONS}], got ${partitions}`);
    }
    const configs = { ...(options.configs ?? {}) };
    validateConfigs(configs, this.topicDefaults);
    const record: TopicRecord = { name, id: randomUUID(), partitions, configs, createdAt: Date.now() };
    this.store.put(record);
    await this.open(record, 0, partitions);
    this.logger.info("topic created", { topic: name, partitions });
    return record;
  }

  private async open(record: TopicRecord, from: number, to: number): Promise<void> {
    const config = this.logConfig(record);
    const specs: PartitionSpec[] = [];
    for (let partition = from; partition < to; partition++) specs.push({ topic: record.name, partition, config });
    const results = await this.router.run("open", specs);
    const failed = results.find((r) => r.error);
    if (failed?.error) throw failed.error;
    for (const result of results) if (result.ok) this.watch.setEnd(result.ok.topic, result.ok.partition, result.ok.logEndOffset);
  }

  async delete(name: string): Promise<void> {
    const record = this.get(name);
    // Forget the topic durably first: a crash now leaves only orphan directories, removed at next start.
    this.store.remove(name);
    const refs = Array.from({ length: record.partitions }, (_, partition) => ({ topic: name, partition }));
    const results = await this.router.run("delete", refs);
    for (const ref of refs) {
      this.watch.forget(ref.topic, ref.partition);
      this.reads.invalidate(partitionKey(ref.topic, ref.partition));
    }
    const failed = results.find((r) => r.error);
    if (failed?.error) this.logger.warn("topic deleted but some partition files were not removed", { topic: name, error: failed.error });
    this.logger.info("topic deleted", { topic: name });
  }

  list(): TopicRecord[] {
    return this.store.list();
  }

  async describe(name: string): Promise<TopicDescription> {
    const record = this.get(name);
    const refs = Array.from({ length: record.partitions }, (_, partition) => ({ topic: name, partition }));
    const statuses = await this.router.run("status", refs);
    const effective = resolveLogConfig(this.logConfig(record));
    const defaults = resolveLogConfig(this.topicDefaults);
    const configs = Object.entries(kafkaConfigNames).map(([kafkaName, field]) => ({
      name: kafkaName,
      value: configValue(effective[field]),
      isDefault: !(kafkaName in record.configs) && configValue(effective[field]) === configValue(defaults[field]),
    }));
    return {
      name,
      id: record.id,
      internal: name.startsWith("__"),
      partitions: statuses.map((s, partition) => s.ok ?? { topic: name, partition, logStartOffset: -1n, logEndOffset: -1n, sizeBytes: 0 }),
      configs,
    };
  }

  /** Grows a topic to `total` partitions (Kafka CreatePartitions: never shrinks). */
  async addPartitions(name: string, total: number): Promise<void> {
    const record = this.get(name);
    if (!Number.isInteger(total) || total <= record.partitions || total > MAX_PARTITIONS) {
      throw new KafkaProtocolError("INVALID_PARTITIONS", `topic ${name} has ${record.partitions} partitions; the new count must be larger (and <= ${MAX_PARTITIONS}), got ${total}`);
    }
    const updated = { ...record, partitions: total };
    this.store.put(updated);
    await this.open(updated, record.partitions, total);
  }

  /** Replaces a topic's config overrides (Kafka AlterConfigs semantics: unspecified configs revert to default). */
  async alterConfigs(name: string, configs: Record<string, string>): Promise<void> {
    const record = this.get(name);
    validateConfigs(configs, this.topicDefaults);
    const updated = { ...record, configs: { ...configs } };
    this.store.put(updated);
    const config = this.logConfig(updated);
    const specs = Array.from({ length: record.partitions }, (_, partition) => ({ topic: name, partition, config }));
    const results = await this.router.run("reconfigure", specs);
    const failed = results.find((r) => r.error);
    if (failed?.error) throw failed.error;
  }
}

function validateConfigs(configs: Record<string, string>, defaults: Partial<LogConfig>): void {
  try {
    resolveLogConfig({ ...defaults, ...parseKafkaConfigs(configs) });
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new KafkaProtocolError("INVALID_CONFIG", error.message);
    throw error;
  }
}

function configValue(value: unknown): string {
  if (Array.isArray(value)) return value.join(",");
  if (value === defaultLogConfig.flushMessages) return String(Number.MAX_SAFE_INTEGER);
  return String(value);
}
