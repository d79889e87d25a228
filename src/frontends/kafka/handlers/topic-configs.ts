// Topic and broker configs as the config APIs (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs)
// show and change them. Shared by those three handlers.
//
// Where a value comes from, as Kafka reports it (config_source): a topic override is
// DYNAMIC_TOPIC_CONFIG (1); a broker-wide default given to `rivulet serve` is STATIC_BROKER_CONFIG (4),
// under the broker config's own name (`log.retention.ms` for `retention.ms`, as Kafka names them);
// Rivulet's built-in default is DEFAULT_CONFIG (5). Synonyms list every level that has a value, most
// specific first, which is what `kafka-configs --describe --all` and AdminClient show.
//
// Broker configs (resource type 4) are those broker-wide topic defaults, read-only here: the broker takes
// them from its command line, so AlterConfigs on a broker answers INVALID_REQUEST rather than pretend. The
// exception, in cluster mode: the replication throttle rates (and the topics' throttled replica lists),
// which live in the cluster metadata (throttle-configs.ts).

import { InvalidArgumentError, KafkaErrors, KafkaProtocolError } from "../../../errors/index.js";
import type { TopicRecord } from "../../../broker/topic-store.js";
import type { DescribedConfig } from "../../../protocol/kafka/index.js";
import { defaultLogConfig, kafkaConfigNames, parseKafkaConfigs, resolveLogConfig, type LogConfig } from "../../../storage/log-config.js";
import type { KafkaBrokerContext } from "./context.js";

export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;
export const ConfigSource = { DYNAMIC_TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

/** Topic config → the broker config that sets its default (Kafka's names). */
export const brokerConfigName: Record<string, string> = {
  "segment.bytes": "log.segment.bytes",
  "segment.ms": "log.roll.ms",
  "index.interval.bytes": "log.index.interval.bytes",
  "retention.ms": "log.retention.ms",
  "retention.bytes": "log.retention.bytes",
  "cleanup.policy": "log.cleanup.policy",
  "delete.retention.ms": "log.cleaner.delete.retention.ms",
  "flush.messages": "log.flush.interval.messages",
  "flush.ms": "log.flush.interval.ms",
  "max.message.bytes": "message.max.bytes",
};

// Kafka's ConfigType codes (DescribeConfigs v3+): INT 3, LONG 5, LIST 7.
const configType: Record<string, number> = {
  "segment.bytes": 3,
  "index.interval.bytes": 3,
  "max.message.bytes": 3,
  "cleanup.policy": 7,
  "leader.replication.throttled.replicas": 7,
  "follower.replication.throttled.replicas": 7,
};
const LONG = 5;

const documentation: Record<string, string> = {
  "segment.bytes": "Roll a new segment file when the active one would grow past this many bytes.",
  "segment.ms": "Roll a new segment file once the active one's first record is this old.",
  "index.interval.bytes": "Bytes of log between two entries of the sparse offset index.",
  "retention.ms": "Delete closed segments whose newest record is older than this (-1: keep forever).",
  "retention.bytes": "Delete the oldest closed segments while the partition is larger than this (-1: no limit).",
  "cleanup.policy": "delete, compact, or both.",
  "delete.retention.ms": "How long a tombstone outlives the records it deletes in a compacted log.",
  "flush.messages": "fsync after this many records.",
  "flush.ms": "fsync data older than this.",
  "max.message.bytes": "Largest record batch accepted.",
};

function text(value: unknown): string {
  if (Array.isArray(value)) return value.join(",");
  if (value === defaultLogConfig.flushMessages) return String(Number.MAX_SAFE_INTEGER);
  return String(value);
}

function brokerDefaults(ctx: KafkaBrokerContext): { effective: LogConfig; explicit: Partial<LogConfig> } {
  const explicit = ctx.broker.config.topicDefaults ?? {};
  return { effective: resolveLogConfig(explicit), explicit };
}

export function build(name: string, value: string, source: number, synonyms: DescribedConfig["synonyms"], readOnly: boolean, docs: boolean, doc = documentation[name]): DescribedConfig {
  return {
    name,
    value,
    readOnly,
    isDefault: source === ConfigSource.DEFAULT_CONFIG,
    configSource: source,
    isSensitive: false,
    synonyms,
    configType: configType[name] ?? configType[Object.keys(brokerConfigName).find((k) => brokerConfigName[k] === name) ?? ""] ?? LONG,
    documentation: docs ? (doc ?? null) : null,
  };
}

/** Every config of a topic (or those in `keys`), with sources and, if asked, synonyms. */
export function describeTopicConfigs(ctx: KafkaBrokerContext, record: TopicRecord, keys: string[] | null, synonyms: boolean, docs: boolean): DescribedConfig[] {
  const { effective, explicit } = brokerDefaults(ctx);
  const out: DescribedConfig[] = [];
  for (const [name, field] of Object.entries(kafkaConfigNames)) {
    if (keys && !keys.includes(name)) continue;
    const levels: { name: string; value: string; source: number }[] = [];
    if (name in record.configs) levels.push({ name, value: record.configs[name]!, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    if (field in explicit) levels.push({ name: brokerConfigName[name]!, value: text(effective[field]), source: ConfigSource.STATIC_BROKER_CONFIG });
    levels.push({ name: brokerConfigName[name]!, value: text(defaultLogConfig[field]), source: ConfigSource.DEFAULT_CONFIG });
    const top = levels[0]!;
    out.push(build(name, top.value, top.source, synonyms ? levels : [], false, docs));
  }
  return out;
}

/** The broker's topic defaults under their broker config names, read-only. */
export function describeBrokerConfigs(ctx: KafkaBrokerContext, keys: string[] | null, synonyms: boolean, docs: boolean): DescribedConfig[] {
  const { effective, explicit } = brokerDefaults(ctx);
  const out: DescribedConfig[] = [];
  for (const [topicName, field] of Object.entries(kafkaConfigNames)) {
    const name = brokerConfigName[topicName]!;
    if (keys && !keys.includes(name)) continue;
    const levels: { name: string; value: string; source: number }[] = [];
    if (field in explicit) levels.push({ name, value: text(effective[field]), source: ConfigSource.STATIC_BROKER_CONFIG });
    levels.push({ name, value: text(defaultLogConfig[field]), source: ConfigSource.DEFAULT_CONFIG });
    const top = levels[0]!;
    out.push(build(name, top.value, top.source, synonyms ? levels : [], true, docs));
  }
  return out;
}

/** Checks a full set of topic overrides against the broker defaults; throws INVALID_CONFIG. */
export function validateTopicConfigs(ctx: KafkaBrokerContext, configs: Record<string, string>): void {
  try {
    resolveLogConfig({ ...(ctx.broker.config.topicDefaults ?? {}), ...parseKafkaConfigs(configs) });
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new KafkaProtocolError("INVALID_CONFIG", error.message);
    throw error;
  }
}

/** The topic a config resource names, or a typed error. */
export function configTopic(ctx: KafkaBrokerContext, name: string): TopicRecord {
  const record = ctx.broker.topic(name);
  if (!record) throw new KafkaProtocolError("UNKNOWN_TOPIC_OR_PARTITION", `topic ${name} does not exist`);
  return record;
}

/** A broker resource must name this node (or be "" for the cluster-wide default). */
export function checkBrokerResource(ctx: KafkaBrokerContext, name: string): void {
  if (name !== "" && name !== String(ctx.nodeId)) {
    throw new KafkaProtocolError("INVALID_REQUEST", `broker ${name} is not this broker (node ${ctx.nodeId})`);
  }
}

export const NONE = KafkaErrors.NONE.code;
