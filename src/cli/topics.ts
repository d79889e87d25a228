// `rivulet topics create|list|describe|delete`.

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
  commands: [create, list, describe, alter, remove],
};
