// `rivulet topics create|list|describe|alter|add-partitions|delete-records|delete`.

import type { Admin, TopicMetadata } from "../client/index.js";
import { RivuletError } from "../errors/index.js";
import { brokerFlags, timeoutFlag, withBroker } from "./client.js";
import { defineCommand, type CommandGroup } from "./command.js";
import { CliError, UsageError } from "./errors.js";
import { formatBytes, renderTable } from "./table.js";

/** Metadata of one topic, with "unknown topic" as a clear user error. */
export async function topicMetadata(admin: Admin, topic: string): Promise<TopicMetadata> {
  try {
    const [meta] = await admin.metadata([topic]);
    if (!meta) throw new CliError(`unknown topic '${topic}'`);
    return meta;
  } catch (error) {
    if (error instanceof RivuletError && error.code === "UNKNOWN_TOPIC_OR_PARTITION") throw new CliError(`unknown topic '${topic}'`);
    throw error;
  }
}

function unknownTopicAsCliError(topic: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof RivuletError && error.code === "UNKNOWN_TOPIC_OR_PARTITION") throw new CliError(`unknown topic '${topic}'`);
    throw error;
  };
}

/** "k=v" pairs from repeated --config flags. */
export function parseConfigs(pairs: string[]): Record<string, string> {
  const configs: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--config expects key=value, got '${pair}'`);
    configs[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return configs;
}

const create = defineCommand({
  name: "create",
  summary: "Create a topic.",
  args: [{ name: "name", description: "topic name (letters, digits, '.', '_', '-'; at most 249 characters)" }],
  flags: {
    partitions: { kind: "integer", description: "number of partitions", default: 1, min: 1 },
    config: { kind: "string", multiple: true, description: "topic config as key=value, e.g. retention.ms=3600000 or cleanup.policy=compact", placeholder: "KEY=VALUE" },
    "if-not-exists": { kind: "boolean", description: "succeed if the topic already exists" },
    ...brokerFlags, ...timeoutFlag,
  },
  async run({ flags, args }) {
    const [name] = args as [string];
    const configs = parseConfigs(flags.config);
    await withBroker(flags, async (client) => {
      const created = await client.admin.createTopic(name, { partitions: flags.partitions, configs, ifNotExists: flags["if-not-exists"] });
      if (!created) return;
      process.stdout.write(`created topic ${name} (${flags.partitions} partition${flags.partitions === 1 ? "" : "s"})\n`);
    });
  },
});

const alter = defineCommand({
  name: "alter",
  summary: "Set or remove a topic's config overrides (the others are kept).",
  args: [{ name: "name", description: "topic name" }],
  flags: {
    config: { kind: "string", multiple: true, description: "set key=value (repeatable)", placeholder: "KEY=VALUE" },
    "delete-config": { kind: "string", multiple: true, description: "remove an override, back to the broker's default (repeatable)", placeholder: "KEY" },
    ...brokerFlags, ...timeoutFlag,
  },
  async run({ flags, args }) {
    const [name] = args as [string];
    const set = parseConfigs(flags.config);
    const remove = flags["delete-config"];
    if (Object.keys(set).length === 0 && remove.length === 0) throw new UsageError("topics alter needs --config key=value or --delete-config key");
    await withBroker(flags, (client) => client.admin.alterTopicConfigs(name, { set, remove }).catch(unknownTopicAsCliError(name)));
    process.stdout.write(`altered topic ${name}\n`);
  },
});

const addPartitions = defineCommand({
  name: "add-partitions",
  summary: "Grow a topic to a new partition total (existing records stay; new keyed records may hash elsewhere).",
  args: [{ name: "name", description: "topic name" }],
  flags: {
    total: { kind: "integer", description: "the new partition count: more than the current one (partitions are never removed)", min: 1 },
    ...brokerFlags, ...timeoutFlag,
  },
  async run({ flags, args }) {
    const [name] = args as [string];
    if (flags.total === undefined) throw new UsageError("topics add-partitions needs --total N (the new partition count)");
    const total = flags.total;
    await withBroker(flags, async (client) => {
      try {
        await client.admin.addPartitions(name, total);
      } catch (error) {
        if (error instanceof RivuletError && error.code === "INVALID_PARTITIONS") throw new CliError(`${error.message} (partitions can only be added)`);
        unknownTopicAsCliError(name)(error);
      }
    });
    process.stdout.write(`topic ${name} now has ${total} partitions\n`);
  },
});

/** `--before`: an offset, or "end" (everything up to the high watermark, Kafka's -1). */
export function parseBefore(raw: string): bigint {
  const text = raw.trim().replace(/_/g, "");
  if (text === "end" || text === "-1") return -1n;
  if (!/^\d+$/.test(text)) throw new UsageError(`--before expects an offset or 'end', got '${raw}'`);
  return BigInt(text);
}

const deleteRecords = defineCommand({
  name: "delete-records",
  summary: "Delete the records before an offset (moves the log start offset up; durable).",
  args: [{ name: "name", description: "topic name" }],
  flags: {
    partition: { kind: "integer", multiple: true, description: "partition to trim (repeatable; default: every partition)", min: 0 },
    before: { kind: "string", description: "first offset to keep, or 'end' to delete everything up to the log end", placeholder: "OFFSET" },
    json: { kind: "boolean", description: "print one JSON array of {partition, logStartOffset}" },
    ...brokerFlags, ...timeoutFlag,
  },
  async run({ flags, args }) {
    const [name] = args as [string];
    if (flags.before === undefined) throw new UsageError("topics delete-records needs --before OFFSET (or --before end)");
    const offset = parseBefore(flags.before);
    const result = await withBroker(flags, async (client) => {
      const partitions = flags.partition.length ? flags.partition : (await topicMetadata(client.admin, name)).partitions.map((p) => p.partition);
      try {
        return await client.admin.deleteRecords(name, partitions.map((partition) => ({ partition, offset })));
      } catch (error) {
        if (error instanceof RivuletError && error.code === "OFFSET_OUT_OF_RANGE") throw new CliError(`${error.message}: offset ${offset} is beyond the log end`);
        return unknownTopicAsCliError(name)(error);
      }
    });
    if (flags.json) return void process.stdout.write(`${JSON.stringify(result.map((r) => ({ partition: r.partition, logStartOffset: String(r.lowWatermark) })))}\n`);
    process.stdout.write(renderTable(["PARTITION", "LOG START"], result.map((r) => [r.partition, r.lowWatermark])));
  },
});

const list = defineCommand({
  name: "list",
  summary: "List topics, one name per line.",
  flags: { ...brokerFlags, ...timeoutFlag, json: { kind: "boolean", description: "print one JSON array of names" } },
  async run({ flags }) {
    const names = (await withBroker(flags, (client) => client.admin.listTopics())).sort();
    if (flags.json) return void process.stdout.write(`${JSON.stringify(names)}\n`);
    process.stdout.write(names.map((n) => n + "\n").join(""));
  },
});

const describe = defineCommand({
  name: "describe",
  summary: "Show a topic's partitions (log start and end offsets) and configs (default or set on the topic).",
  args: [{ name: "name", description: "topic name" }],
  flags: {
    ...brokerFlags,
    ...timeoutFlag,
    json: { kind: "boolean", description: "print one JSON document (offsets as strings: they may pass 2^53)" },
    sizes: { kind: "boolean", description: "also show each partition's size on disk (a broker older than this flag refuses it)" },
  },
  async run({ flags, args }) {
    const [name] = args as [string];
    const info = await withBroker(flags, (client) => client.admin.describeTopic(name, { sizes: flags.sizes }).catch(unknownTopicAsCliError(name)));
    const partitions = [...info.partitions].sort((a, b) => a.partition - b.partition);
    if (flags.json) {
      const doc = {
        name: info.name,
        id: info.id,
        partitions: partitions.map((p) => ({ partition: p.partition, logStartOffset: String(p.logStartOffset), logEndOffset: String(p.logEndOffset), ...(p.sizeBytes === undefined ? {} : { sizeBytes: p.sizeBytes }) })),
        configs: Object.fromEntries([...info.configs].sort((a, b) => a.name.localeCompare(b.name)).map((c) => [c.name, { value: c.value, source: c.isDefault ? "default" : "topic" }])),
      };
      return void process.stdout.write(`${JSON.stringify(doc)}\n`);
    }
    const out = [
      renderTable(["TOPIC", "ID", "PARTITIONS"], [[info.name, info.id, partitions.length]]),
      renderTable(
        ["PARTITION", "LOG START", "LOG END", "RECORDS", ...(flags.sizes ? ["SIZE"] : [])],
        partitions.map((p) => [p.partition, p.logStartOffset, p.logEndOffset, p.logEndOffset - p.logStartOffset, ...(flags.sizes ? [formatBytes(p.sizeBytes ?? 0)] : [])]),
      ),
      renderTable(
        ["CONFIG", "VALUE", "SOURCE"],
        [...info.configs].sort((a, b) => a.name.localeCompare(b.name)).map((c) => [c.name, c.value, c.isDefault ? "default" : "topic"]),
      ),
    ];
    process.stdout.write(out.join("\n"));
  },
});

const remove = defineCommand({
  name: "delete",
  summary: "Delete a topic and all its records.",
  args: [{ name: "name", description: "topic name" }],
  flags: {
    "if-exists": { kind: "boolean", description: "succeed if the topic does not exist" },
    ...brokerFlags, ...timeoutFlag,
  },
  async run({ flags, args }) {
    const [name] = args as [string];
    await withBroker(flags, async (client) => {
      try {
        await client.admin.deleteTopic(name);
      } catch (error) {
        if (flags["if-exists"] && error instanceof RivuletError && error.code === "UNKNOWN_TOPIC_OR_PARTITION") return;
        unknownTopicAsCliError(name)(error);
      }
      process.stdout.write(`deleted topic ${name}\n`);
    });
  },
});

export const topics: CommandGroup = {
  name: "topics",
  summary: "Create, list, describe and delete topics.",
  commands: [create, list, describe, alter, addPartitions, deleteRecords, remove],
};
