// Per-partition log settings, named and defaulted as Kafka's topic configs are, except where Rivulet's
// target (one small machine, no ops team) argues for a different default (noted).

import { InvalidArgumentError } from "../errors/index.js";

export interface LogConfig {
  /** Roll the active segment when it would grow past this (Kafka `segment.bytes`, default 128 MiB here; Kafka's is 1 GiB). */
  segmentBytes: number;
  /** Roll the active segment once its first record is this old (Kafka `segment.ms`, default 7 days). */
  segmentMs: number;
  /** Bytes of log between two sparse index entries (Kafka `index.interval.bytes`, default 4096). */
  indexIntervalBytes: number;
  /** Delete closed segments whose newest record is older than this; -1 keeps forever (Kafka `retention.ms`, default 7 days). */
  retentionMs: number;
  /** Delete oldest closed segments while the log is larger than this; -1 means no size limit (Kafka `retention.bytes`). */
  retentionBytes: number;
  /** "delete", "compact" or both (Kafka `cleanup.policy`). */
  cleanupPolicy: ReadonlyArray<"delete" | "compact">;
  /** How long a tombstone outlives its record in a compacted log (Kafka `delete.retention.ms`, default 1 day). */
  deleteRetentionMs: number;
  /** fsync after this many records appended since the last fsync (Kafka `flush.messages`; default: never by count). */
  flushMessages: number;
  /**
   * fsync data older than this (Kafka `flush.ms`). Kafka's default is "never" (it relies on replication);
   * Rivulet runs as a single node, so it defaults to 1000 ms: a power cut loses at most about a second of
   * acknowledged acks=0/1 writes.
   */
  flushMs: number;
  /** Largest record batch accepted (Kafka `max.message.bytes`, default 1 MiB + overhead). */
  maxMessageBytes: number;
}

export const defaultLogConfig: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 128 * 1024 * 1024,
  segmentMs: 7 * 24 * 3600 * 1000,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  cleanupPolicy: Object.freeze(["delete"] as const),
  deleteRetentionMs: 24 * 3600 * 1000,
  flushMessages: Number.MAX_SAFE_INTEGER,
  flushMs: 1000,
  maxMessageBytes: 1024 * 1024 + 12,
});

/** Kafka config names <-> LogConfig fields, for topic configs given as strings (admin APIs, CLI). */
export const kafkaConfigNames: Record<string, keyof LogConfig> = {
  "segment.bytes": "segmentBytes",
  "segment.ms": "segmentMs",
  "index.interval.bytes": "indexIntervalBytes",
  "retention.ms": "retentionMs",
  "retention.bytes": "retentionBytes",
  "cleanup.policy": "cleanupPolicy",
  "delete.retention.ms": "deleteRetentionMs",
  "flush.messages": "flushMessages",
  "flush.ms": "flushMs",
  "max.message.bytes": "maxMessageBytes",
};

function integer(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/** Merges overrides onto the defaults and checks every value's range. */
export function resolveLogConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  const c = { ...defaultLogConfig, ...overrides };
  // Positions in the offset index are u32 and Kafka caps segments at a signed int: stay below 2 GiB.
  integer("segment.bytes", c.segmentBytes, 14, 2 ** 31 - 1);
  integer("segment.ms", c.segmentMs, 1);
  integer("index.interval.bytes", c.indexIntervalBytes, 0, 2 ** 31 - 1);
  integer("retention.ms", c.retentionMs, -1);
  integer("retention.bytes", c.retentionBytes, -1);
  integer("delete.retention.ms", c.deleteRetentionMs, 0);
  integer("flush.messages", c.flushMessages, 1);
  integer("flush.ms", c.flushMs, 0);
  integer("max.message.bytes", c.maxMessageBytes, 0, 2 ** 31 - 1);
  if (c.cleanupPolicy.length === 0 || c.cleanupPolicy.some((p) => p !== "delete" && p !== "compact")) {
    throw new InvalidArgumentError(`cleanup.policy must be delete, compact or both, got ${c.cleanupPolicy.join(",")}`);
  }
  return c;
}

/** Parses Kafka-style string configs ({"retention.ms": "60000", "cleanup.policy": "compact"}) into overrides. */
export function parseKafkaConfigs(configs: Record<string, string>): Partial<LogConfig> {
  const out: Partial<Record<keyof LogConfig, unknown>> = {};
  for (const [name, raw] of Object.entries(configs)) {
    if (name === "min.insync.replicas") {
      // Not a log setting: cluster mode's replica manager reads it (docs/cluster.md); checked here only.
      if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new InvalidArgumentError(`min.insync.replicas must be an integer >= 1, got "${raw}"`);
      continue;
    }
    const field = kafkaConfigNames[name];
    if (!field) throw new InvalidArgumentError(`unknown topic config ${name}`);
    if (field === "cleanupPolicy") {
      out[field] = raw.split(",").map((s) => s.trim());
    } else {
      const value = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(value)) throw new InvalidArgumentError(`${name} must be a number, got "${raw}"`);
      out[field] = value;
    }
  }
  resolveLogConfig(out as Partial<LogConfig>);
  return out as Partial<LogConfig>;
}
