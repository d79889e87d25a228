// Topic administration: create, delete, list, describe, add partitions, alter configs. Metadata changes are
// durable (TopicStore) before the shards act on them, and a topic's partitions are opened on their owning
// shards through the router. Both front ends come through here, so the rules live here once:
//
// - Create and add-partitions are atomic: the change is first written down as pending (so a crash lets
//   start-up remove what was half made), the partitions are opened, and only when every one opened is the
//   topic published; a failure removes the partitions made and publishes nothing.
// - Delete writes the removal down (topic gone, its directories pending removal) before removing files.
// - Limits: partitions per topic (INVALID_PARTITIONS) and per broker (POLICY_VIOLATION); configs checked
//   as Kafka does, and segment.bytes not below the broker's floor (INVALID_CONFIG).
// - Internal topics (`__` prefix): clients can neither delete them nor add partitions to them (the groups
//   layer maps a group to a partition by the partition count, so it must never change).

import { randomUUID } from "node:crypto";
import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError, KafkaProtocolError, UnknownTopicOrPartitionError } from "../errors/index.js";
import type { Logger } from "../log.js";
import { defaultLogConfig, kafkaConfigNames, parseKafkaConfigs, resolveLogConfig, type LogConfig } from "../storage/log-config.js";
import type { PartitionSpec, PartitionStatus } from "../shard/protocol.js";
import { partitionDirName, partitionKey } from "../shard/protocol.js";
import type { AppendWatch } from "./append-watch.js";
import type { ShardRouter } from "./router.js";
import type { SharedReads } from "./shared-reads.js";
import { collisionKey, hasCollisionRisk, InvalidTopicError, isInternalTopic, validateTopicName } from "./topic-name.js";
import type { PendingChange, TopicRecord, TopicStore } from "./topic-store.js";

/** An absolute ceiling on a partition count in a request (the configurable limits are lower). */
export const MAX_PARTITIONS = 10_000;

export interface TopicLimits {
  maxPartitionsPerTopic: number;
  maxPartitionsPerBroker: number;
  minSegmentBytes: number;
}

/** Called after a topic is deleted (the groups layer deletes its committed offsets). */
export type TopicDeletionHook = (topic: string) => Promise<void> | void;

export interface CreateTopicOptions {
  /** Default 1. */
  partitions?: number;
  /** Kafka-style topic configs: {"retention.ms": "3600000", "cleanup.policy": "compact"}. */
  configs?: Record<string, string>;
  /** Cluster mode: replicas per partition (-1 or absent: the cluster default). Ignored on a single node. */
  replicationFactor?: number;
  /** Cluster mode: the topic id the controller chose, so every broker answers the same id (Fetch v13+). */
  id?: string;
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
    private readonly limits: TopicLimits = { maxPartitionsPerTopic: 1000, maxPartitionsPerBroker: 4000, minSegmentBytes: 14 },
    private readonly dataDir?: string,
  ) {}

  private readonly deletionHooks = new Set<TopicDeletionHook>();

  /** Registers a hook run (awaited, errors logged) after every topic deletion; returns its remover. */
  onTopicDeleted(hook: TopicDeletionHook): () => void {
    this.deletionHooks.add(hook);
    return () => this.deletionHooks.delete(hook);
  }

  find(name: string): TopicRecord | undefined {
    return this.store.get(name);
  }

  findById(id: string): TopicRecord | undefined {
    return this.store.getById(id);
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
    this.assertNoPendingChange(name, "TOPIC_ALREADY_EXISTS");
    const collides = this.store.list().find((t) => collisionKey(t.name) === collisionKey(name));
    if (collides) throw new InvalidTopicError(`topic ${name} collides with existing topic ${collides.name} ('.' and '_' are interchangeable in metric names)`);
    if (hasCollisionRisk(name) && !isInternalTopic(name)) this.logger.warn("topic name uses '.' or '_', which can collide in metric names", { topic: name });
    const partitions = options.partitions ?? 1;
    this.checkPartitionCount(name, partitions, 0);
    const configs = { ...(options.configs ?? {}) };
    this.validateConfigs(configs);
    const record: TopicRecord = { name, id: options.id ?? randomUUID(), partitions, configs, createdAt: Date.now() };
    await this.openAtomically(record, 0, "create");
    this.logger.info("topic created", { topic: name, partitions });
    return record;
  }

  /**
   * Refuses a second change to a topic while one is being made (or awaits clean-up after a failure): a
   * create racing another create or a delete gets TOPIC_ALREADY_EXISTS, as from Kafka; other changes
   * INVALID_REQUEST.
   */
  private assertNoPendingChange(name: string, code: "TOPIC_ALREADY_EXISTS" | "INVALID_REQUEST"): void {
    const pending = this.store.pendingChanges().find((p) => p.name === name);
    if (pending) throw new KafkaProtocolError(code, `topic ${name} has a ${pending.reason} in progress`);
  }

  /** Per-topic limit: INVALID_PARTITIONS; the broker-wide one: POLICY_VIOLATION. `current`: partitions it has. */
  private checkPartitionCount(name: string, total: number, current: number): void {
    const max = Math.min(this.limits.maxPartitionsPerTopic, MAX_PARTITIONS);
    if (!Number.isInteger(total) || total < 1 || total > max) {
      throw new KafkaProtocolError("INVALID_PARTITIONS", `partitions must be an integer in [1, ${max}] (max partitions per topic), got ${total}`);
    }
    const inUse = this.store.partitionCount();
    if (inUse - current + total > this.limits.maxPartitionsPerBroker) {
      throw new KafkaProtocolError(
        "POLICY_VIOLATION",
        `topic ${name} with ${total} partitions would bring this broker to ${inUse - current + total} partitions; the limit is ${this.limits.maxPartitionsPerBroker} (maxPartitionsPerBroker)`,
      );
    }
  }

  /**
   * Opens partitions [from, record.partitions) and publishes `record` only if every one opened; on any
   * failure removes what was made and publishes nothing. The pending entry written first lets start-up
   * finish the removal if we crash in between.
   */
  private async openAtomically(record: TopicRecord, from: number, reason: PendingChange["reason"]): Promise<void> {
    const change: PendingChange = { name: record.name, id: record.id, from, to: record.partitions, reason };
    // Whatever is already where a partition directory goes is not ours: a rollback leaves it alone.
    const preexisting = new Set<number>();
    for (let p = from; p < record.partitions; p++) if (this.dataDir && existsSync(join(this.dataDir, partitionDirName(record.name, p)))) preexisting.add(p);
    this.store.addPending(change);
    try {
      await this.open(record, from, record.partitions);
      // Publishing is part of the change: if it cannot be written (disk full, no descriptor left), the
      // partitions just opened are removed like any other failure, or they would stay open, unpublished,
      // with the pending entry blocking the name until the next start.
      this.store.resolvePending(change, record);
    } catch (error) {
      await this.rollback(change, preexisting);
      throw error;
    }
  }

  private async rollback(change: PendingChange, preexisting: Set<number>, attempt = 0): Promise<void> {
    const refs = Array.from({ length: change.to - change.from }, (_, i) => ({ topic: change.name, partition: change.from + i }));
    try {
      await this.router.run("delete", refs);
      for (const ref of refs) {
        this.watch.forget(ref.topic, ref.partition);
        // A partition that failed half-way is not in its shard's table: remove the directory it made here.
        const dir = this.dataDir && join(this.dataDir, partitionDirName(ref.topic, ref.partition));
        if (dir && !preexisting.has(ref.partition) && isDirectory(dir)) rmSync(dir, { recursive: true, force: true });
      }
      this.store.resolvePending(change);
      if (change.reason === "delete") this.logger.info("deleted topic's left-over partition files removed", { topic: change.name, partitions: refs.length });
      else this.logger.warn(`topic ${change.reason} failed; removed the partitions it had made`, { topic: change.name, partitions: refs.length });
    } catch (error) {
      // The pending entry stays (the next start removes the directories) and blocks the name: try again
      // with a backoff, since the cause is often passing (out of descriptors, a full disk). Logged once.
      const what = change.reason === "delete" ? "topic deleted but its partition files" : `topic ${change.reason} failed and its partitions`;
      if (attempt === 0) this.logger.error(`${what} could not all be removed; retrying (else the next start will)`, { topic: change.name, error });
      const retry = setTimeout(() => {
        if (this.store.pendingChanges().includes(change)) void this.rollback(change, preexisting, attempt + 1);
      }, Math.min(30_000, 500 * 2 ** attempt));
      retry.unref?.();
    }
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
    if (isInternalTopic(name)) throw new InvalidTopicError(`topic ${name} is internal (its data is the broker's own) and cannot be deleted`);
    // Forget the topic and write down its directories for removal in one durable step: a crash from here
    // on leaves directories start-up knows it may remove.
    const change: PendingChange = { name, id: record.id, from: 0, to: record.partitions, reason: "delete" };
    this.store.addPending(change, true);
    const refs = Array.from({ length: record.partitions }, (_, partition) => ({ topic: name, partition }));
    const results = await this.router.run("delete", refs);
    for (const ref of refs) {
      this.watch.forget(ref.topic, ref.partition);
      this.reads.invalidate(partitionKey(ref.topic, ref.partition));
    }
    // The topic is gone either way. Left-over files, or a pending entry that could not be cleared (it
    // blocks re-creating the name), are retried in the background like a failed create's clean-up.
    const failed = results.find((r) => r.error);
    let cleared = !failed?.error;
    if (cleared) {
      try {
        this.store.resolvePending(change);
      } catch {
        cleared = false;
      }
    }
    if (!cleared) void this.rollback(change, new Set());
    for (const hook of this.deletionHooks) {
      try {
        await hook(name);
      } catch (error) {
        this.logger.error("a topic-deletion hook failed", { topic: name, error });
      }
    }
    this.logger.info("topic deleted", { topic: name });
  }

  list(): TopicRecord[] {
    return this.store.list();
  }

  private validateConfigs(configs: Record<string, string>): void {
    validateConfigs(configs, this.topicDefaults, this.limits.minSegmentBytes);
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
      internal: isInternalTopic(name),
      partitions: statuses.map((s, partition) => s.ok ?? { topic: name, partition, logStartOffset: -1n, logEndOffset: -1n, sizeBytes: 0 }),
      configs,
    };
  }

  /** Grows a topic to `total` partitions (Kafka CreatePartitions: never shrinks); atomic like create. */
  async addPartitions(name: string, total: number): Promise<void> {
    const record = this.get(name);
    if (isInternalTopic(name)) throw new KafkaProtocolError("INVALID_REQUEST", `topic ${name} is internal: its partition count cannot change`);
    this.assertNoPendingChange(name, "INVALID_REQUEST");
    if (!Number.isInteger(total) || total <= record.partitions) {
      throw new KafkaProtocolError("INVALID_PARTITIONS", `topic ${name} has ${record.partitions} partitions; the new count must be larger, got ${total}`);
    }
    this.checkPartitionCount(name, total, record.partitions);
    await this.openAtomically({ ...record, partitions: total }, record.partitions, "add-partitions");
  }

  /** Replaces a topic's config overrides (Kafka AlterConfigs semantics: unspecified configs revert to default). */
  async alterConfigs(name: string, configs: Record<string, string>): Promise<void> {
    const record = this.get(name);
    this.validateConfigs(configs);
    const updated = { ...record, configs: { ...configs } };
    this.store.put(updated);
    const config = this.logConfig(updated);
    const specs = Array.from({ length: record.partitions }, (_, partition) => ({ topic: name, partition, config }));
    const results = await this.router.run("reconfigure", specs);
    const failed = results.find((r) => r.error);
    if (failed?.error) throw failed.error;
  }
}

function validateConfigs(configs: Record<string, string>, defaults: Partial<LogConfig>, minSegmentBytes: number): void {
  let parsed: Partial<LogConfig>;
  try {
    if (typeof configs !== "object" || configs === null) throw new InvalidArgumentError("configs must be an object of strings");
    for (const [key, value] of Object.entries(configs)) if (typeof value !== "string") throw new InvalidArgumentError(`config ${key} must be a string`);
    parsed = parseKafkaConfigs(configs);
    resolveLogConfig({ ...defaults, ...parsed });
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new KafkaProtocolError("INVALID_CONFIG", error.message);
    throw error;
  }
  if (parsed.segmentBytes !== undefined && parsed.segmentBytes < minSegmentBytes) {
    throw new KafkaProtocolError("INVALID_CONFIG", `segment.bytes must be at least ${minSegmentBytes} on this broker, got ${parsed.segmentBytes}`);
  }
}

function configValue(value: unknown): string {
  if (Array.isArray(value)) return value.join(",");
  if (value === defaultLogConfig.flushMessages) return String(Number.MAX_SAFE_INTEGER);
  return String(value);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
