// The topics.json format, parsed strictly. Every field is checked before the broker believes it, because
// the broker acts on this file: a name becomes a directory path, a partition count decides which
// directories are data. A file that fails any check is reported with the reason and never half-used.
//
//   {"version":1,
//    "topics":[{"name":"orders","id":"6f1c...","partitions":6,"configs":{"retention.ms":"86400000"},"createdAt":1700000000000}],
//    "pending":[{"name":"tmp","id":"9a2e...","from":0,"to":3,"reason":"delete"}]}
//
// `pending` (optional) lists partition directories the broker may remove at start-up: written durably
// before a topic's directories are created (create, add partitions) or removed (delete), and cleared once
// that finished. It is the only licence the broker has to delete a directory by itself (docs/operations.md).

import { parseKafkaConfigs } from "../storage/log-config.js";
import { validateTopicName } from "./topic-name.js";

export interface TopicRecord {
  name: string;
  /** A random UUID: distinguishes a re-created topic from the deleted one of the same name. */
  id: string;
  partitions: number;
  configs: Record<string, string>;
  createdAt: number;
}

/** Directories `<name>-<from>` .. `<name>-<to - 1>` being created or removed: safe to remove after a crash. */
export interface PendingChange {
  name: string;
  id: string;
  from: number;
  to: number;
  reason: "create" | "add-partitions" | "delete";
}

export interface TopicsFile {
  topics: TopicRecord[];
  pending: PendingChange[];
}

export const METADATA_VERSION = 1;
/** A hard ceiling for counts read from the file (the creation limits are lower and configurable). */
const MAX_STORED_PARTITIONS = 1_000_000;

/** topics.json (or its backup) does not hold valid metadata; `reason` says why, naming the field. */
export class MetadataFormatError extends Error {}

export function parseTopicsFile(bytes: Uint8Array): TopicsFile {
  if (bytes.length === 0) throw new MetadataFormatError("the file is empty");
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new MetadataFormatError(`not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(parsed)) throw new MetadataFormatError("the top level is not a JSON object");
  if (parsed.version !== METADATA_VERSION) throw new MetadataFormatError(`"version" is ${JSON.stringify(parsed.version)}, expected ${METADATA_VERSION}`);
  if (!Array.isArray(parsed.topics)) throw new MetadataFormatError(`"topics" is ${describe(parsed.topics)}, expected an array`);
  const topics = parsed.topics.map((t, i) => parseTopic(t, `topics[${i}]`));
  const seen = new Set<string>();
  for (const t of topics) {
    if (seen.has(t.name)) throw new MetadataFormatError(`topic "${t.name}" is listed twice`);
    seen.add(t.name);
  }
  const pendingRaw = parsed.pending ?? [];
  if (!Array.isArray(pendingRaw)) throw new MetadataFormatError(`"pending" is ${describe(pendingRaw)}, expected an array`);
  const pending = pendingRaw.map((p, i) => parsePending(p, `pending[${i}]`));
  return { topics, pending };
}

export function serializeTopicsFile(file: TopicsFile): Uint8Array {
  const body: Record<string, unknown> = { version: METADATA_VERSION, topics: file.topics };
  if (file.pending.length) body.pending = file.pending;
  return new TextEncoder().encode(JSON.stringify(body, null, 1));
}

function parseTopic(raw: unknown, at: string): TopicRecord {
  if (!isObject(raw)) throw new MetadataFormatError(`${at} is ${describe(raw)}, expected an object`);
  const name = topicName(raw.name, `${at}.name`);
  const id = raw.id;
  if (typeof id !== "string" || id.length === 0 || id.length > 64) throw new MetadataFormatError(`${at}.id is ${describe(id)}, expected a non-empty string`);
  const partitions = count(raw.partitions, `${at}.partitions (topic "${name}")`, 1);
  const configs = raw.configs ?? {};
  if (!isObject(configs)) throw new MetadataFormatError(`${at}.configs is ${describe(configs)}, expected an object of strings`);
  for (const [key, value] of Object.entries(configs)) {
    if (typeof value !== "string") throw new MetadataFormatError(`${at}.configs["${key}"] is ${describe(value)}, expected a string`);
  }
  try {
    parseKafkaConfigs(configs as Record<string, string>);
  } catch (error) {
    throw new MetadataFormatError(`${at}.configs (topic "${name}"): ${(error as Error).message}`);
  }
  const createdAt = raw.createdAt ?? 0;
  if (typeof createdAt !== "number" || !Number.isFinite(createdAt)) throw new MetadataFormatError(`${at}.createdAt is ${describe(createdAt)}, expected a number`);
  return { name, id, partitions, configs: { ...(configs as Record<string, string>) }, createdAt };
}

function parsePending(raw: unknown, at: string): PendingChange {
  if (!isObject(raw)) throw new MetadataFormatError(`${at} is ${describe(raw)}, expected an object`);
  const name = topicName(raw.name, `${at}.name`);
  const id = typeof raw.id === "string" ? raw.id : "";
  const from = count(raw.from, `${at}.from`, 0);
  const to = count(raw.to, `${at}.to`, from);
  const reason = raw.reason;
  if (reason !== "create" && reason !== "add-partitions" && reason !== "delete") throw new MetadataFormatError(`${at}.reason is ${describe(reason)}`);
  return { name, id, from, to, reason };
}

function topicName(raw: unknown, at: string): string {
  if (typeof raw !== "string") throw new MetadataFormatError(`${at} is ${describe(raw)}, expected a string`);
  try {
    validateTopicName(raw);
  } catch (error) {
    throw new MetadataFormatError(`${at} ${JSON.stringify(raw)} is not a legal topic name: ${(error as Error).message}`);
  }
  return raw;
}

function count(raw: unknown, at: string, min: number): number {
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < min || raw > MAX_STORED_PARTITIONS) {
    throw new MetadataFormatError(`${at} is ${describe(raw)}, expected an integer in [${min}, ${MAX_STORED_PARTITIONS}]`);
  }
  return raw;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
