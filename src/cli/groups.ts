// `rivulet groups list|describe|reset-offsets|delete`: consumer-group administration. Resetting offsets and
// deleting a group are refused by the broker while the group has members (NON_EMPTY_GROUP); both become
// one line naming the group. With --json, offsets are strings (they may pass 2^53), as in `consume`.

import type { Admin, StartFrom } from "../client/index.js";
import { RivuletError } from "../errors/index.js";
import { brokerFlags, timeoutFlag, withBroker } from "./client.js";
import { defineCommand, type CommandGroup } from "./command.js";
import { CliError, UsageError } from "./errors.js";
import { renderTable, type Cell } from "./table.js";
import { topicMetadata } from "./topics.js";

type GroupDescription = Awaited<ReturnType<Admin["describeGroup"]>>;
export type ResetTarget = StartFrom;

const jsonFlag = { json: { kind: "boolean", description: "print the result as one JSON document" } } as const;

/** `--to`: earliest, latest, an offset, or @<ms since the epoch | ISO date>. */
export function parseResetTarget(raw: string): ResetTarget {
  if (raw === "earliest" || raw === "latest") return raw;
  if (/^\d+$/.test(raw)) return { offset: BigInt(raw) };
  if (raw.startsWith("@")) {
    const rest = raw.slice(1);
    const ms = /^\d+$/.test(rest) ? Number(rest) : Date.parse(rest);
    if (!Number.isFinite(ms)) throw new UsageError(`--to @: '${rest}' is neither milliseconds since the epoch nor an ISO date`);
    return { timestamp: ms };
  }
  throw new UsageError(`--to must be earliest, latest, an offset or @<ms or ISO date>, got '${raw}'`);
}

/** The broker's refusals and unknown names as one clear line each. */
function groupErrors(group: string, topic?: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof RivuletError) {
      if (error.code === "NON_EMPTY_GROUP") throw new CliError(`group ${group} has active members; stop them first`);
      if (error.code === "GROUP_ID_NOT_FOUND") throw new CliError(`unknown group '${group}'`);
      if (error.code === "UNKNOWN_TOPIC_OR_PARTITION" && topic !== undefined) throw new CliError(`unknown topic '${topic}'`);
    }
    throw error;
  };
}

/** An unknown group is described as Dead with nothing in it (as Kafka does). */
function isUnknown(d: GroupDescription): boolean {
  return d.state === "Dead" && d.members.length === 0 && d.offsets.length === 0;
}

/** "orders(0,1) audit(2)" */
function formatAssignment(assignment: { topic: string; partition: number }[]): string {
  if (assignment.length === 0) return "-";
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of assignment) {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push(partition);
  }
  return [...byTopic]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([topic, partitions]) => `${topic}(${partitions.sort((a, b) => a - b).join(",")})`)
    .join(" ");
}

const known = (value: bigint): Cell => (value < 0n ? "-" : value);

const list = defineCommand({
  name: "list",
  summary: "List consumer groups: id, protocol type and state.",
  flags: { ...jsonFlag, ...brokerFlags, ...timeoutFlag },
  async run({ flags }) {
    const groups = await withBroker(flags, (client) => client.admin.listGroups());
    groups.sort((a, b) => a.groupId.localeCompare(b.groupId));
    if (flags.json) {
      process.stdout.write(JSON.stringify(groups.map(({ groupId, protocolType, state }) => ({ groupId, protocolType, state }))) + "\n");
      return;
    }
    process.stdout.write(renderTable(["GROUP", "PROTOCOL TYPE", "STATE"], groups.map((g) => [g.groupId, g.protocolType || "-", g.state])));
  },
});

const describe = defineCommand({
  name: "describe",
  summary: "Show a group's state, members with their partitions, and per-partition committed offset, log end and lag.",
  args: [{ name: "group", description: "group id" }],
  flags: { ...jsonFlag, ...brokerFlags, ...timeoutFlag },
  details: ["Lag is log end - committed offset; a partition without a committed offset shows '-' and is not counted in the total."],
  async run({ flags, args }) {
    const [group] = args as [string];
    const d = await withBroker(flags, (client) => client.admin.describeGroup(group));
    if (isUnknown(d)) throw new CliError(`unknown group '${group}'`);
    const members = [...d.members].sort((a, b) => a.memberId.localeCompare(b.memberId));
    const offsets = [...d.offsets].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    const totalLag = offsets.reduce((sum, o) => (o.lag >= 0n ? sum + o.lag : sum), 0n);

    if (flags.json) {
      const str = (v: bigint) => (v < 0n ? null : v.toString());
      const out = {
        groupId: d.groupId,
        state: d.state,
        protocolType: d.protocolType,
        protocol: d.protocol,
        members: members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, host: m.host, assignment: m.assignment })),
        offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, committed: str(o.committed), logEndOffset: str(o.logEndOffset), lag: str(o.lag) })),
        totalLag: totalLag.toString(),
      };
      process.stdout.write(JSON.stringify(out) + "\n");
      return;
    }

    const out = [
      renderTable(["GROUP", "STATE", "PROTOCOL TYPE", "PROTOCOL", "MEMBERS"], [[d.groupId, d.state, d.protocolType || "-", d.protocol || "-", members.length]]),
      members.length
        ? renderTable(["MEMBER", "CLIENT", "HOST", "PARTITIONS"], members.map((m) => [m.memberId, m.clientId || "-", m.host || "-", formatAssignment(m.assignment)]))
        : "no active members\n",
      offsets.length
        ? renderTable(["TOPIC", "PARTITION", "COMMITTED", "LOG END", "LAG"], offsets.map((o) => [o.topic, o.partition, known(o.committed), known(o.logEndOffset), known(o.lag)]))
        : "no committed offsets\n",
      `total lag: ${totalLag}\n`,
    ];
    process.stdout.write(out.join("\n"));
  },
});

const resetOffsets = defineCommand({
  name: "reset-offsets",
  summary: "Set a group's committed offsets for every partition of a topic (the group must have no active members).",
  args: [{ name: "group", description: "group id (created if it does not exist)" }],
  flags: {
    topic: { kind: "string", description: "topic whose offsets to reset (required)", placeholder: "NAME" },
    to: { kind: "string", description: "earliest, latest, an offset, or @<ms since epoch | ISO date> (the first record at or after it; the log end if none)", placeholder: "POS" },
    "dry-run": { kind: "boolean", description: "print the plan (partition, current offset, new offset, lag after) and change nothing" },
    ...jsonFlag,
    ...brokerFlags, ...timeoutFlag,
  },
  async run({ flags, args }) {
    const [group] = args as [string];
    if (flags.topic === undefined) throw new UsageError("missing --topic");
    if (flags.to === undefined) throw new UsageError("missing --to");
    const topic = flags.topic;
    const target = parseResetTarget(flags.to);
    if (flags["dry-run"]) return void (await withBroker(flags, (client) => printPlan(client.admin, group, topic, target, flags.json)));
    const partitions = await withBroker(flags, (client) => client.admin.resetOffsets(group, topic, target).catch(groupErrors(group, topic)));
    partitions.sort((a, b) => a.partition - b.partition);
    if (flags.json) {
      process.stdout.write(JSON.stringify({ groupId: group, topic, offsets: partitions.map((p) => ({ partition: p.partition, offset: p.offset.toString() })) }) + "\n");
      return;
    }
    process.stdout.write(renderTable(["TOPIC", "PARTITION", "NEW OFFSET"], partitions.map((p) => [topic, p.partition, p.offset])));
  },
});

/**
 * `reset-offsets --dry-run`: what the reset would commit, resolved as the broker resolves it (an explicit
 * offset as given; earliest, latest and @time through the partition's offsets; @time past the last record
 * is the log end), next to what is committed now. Nothing is written. The real reset is refused while the
 * group has active members, and new records move "latest" before it runs; the plan names active members.
 */
async function printPlan(admin: Admin, group: string, topic: string, target: ResetTarget, json: boolean): Promise<void> {
  const meta = await topicMetadata(admin, topic);
  const d = await admin.describeGroup(group);
  const committed = new Map(d.offsets.filter((o) => o.topic === topic).map((o) => [o.partition, o.committed]));
  const plan = await Promise.all(
    meta.partitions.map(async (p) => {
      let next: bigint;
      if (target === "earliest") next = p.logStartOffset;
      else if (target === "latest") next = p.logEndOffset;
      else if ("offset" in target) next = target.offset;
      else {
        const found = await admin.listOffsets(topic, p.partition, { timestamp: target.timestamp });
        next = found.offset >= 0n ? found.offset : p.logEndOffset;
      }
      const current = committed.get(p.partition) ?? -1n;
      const lag = p.logEndOffset - next;
      return { partition: p.partition, current, next, lag: lag < 0n ? 0n : lag, logEndOffset: p.logEndOffset };
    }),
  );
  plan.sort((a, b) => a.partition - b.partition);
  const members = d.members.length;
  if (json) {
    const str = (v: bigint) => (v < 0n ? null : v.toString());
    const partitions = plan.map((p) => ({ partition: p.partition, current: str(p.current), new: p.next.toString(), lag: p.lag.toString(), changes: p.current !== p.next }));
    process.stdout.write(JSON.stringify({ groupId: group, topic, dryRun: true, activeMembers: members, partitions }) + "\n");
    return;
  }
  const rows = plan.map((p): Cell[] => [topic, p.partition, known(p.current), p.next, p.lag, p.current === p.next ? "no" : "yes"]);
  const notes = [`dry run: nothing was changed; 'rivulet groups reset-offsets ${group} --topic ${topic} --to ...' without --dry-run applies it`];
  if (members > 0) notes.push(`group ${group} has ${members} active member${members === 1 ? "" : "s"}: the reset would be refused until they stop`);
  process.stdout.write(renderTable(["TOPIC", "PARTITION", "CURRENT", "NEW", "LAG AFTER", "CHANGES"], rows) + notes.map((n) => `${n}\n`).join(""));
}

const remove = defineCommand({
  name: "delete",
  summary: "Delete a group and its committed offsets (the group must have no active members).",
  args: [{ name: "group", description: "group id" }],
  flags: { ...brokerFlags, ...timeoutFlag },
  async run({ flags, args }) {
    const [group] = args as [string];
    await withBroker(flags, (client) => client.admin.deleteGroup(group).catch(groupErrors(group)));
    process.stdout.write(`deleted group ${group}\n`);
  },
});

export const groups: CommandGroup = {
  name: "groups",
  summary: "List, describe, reset the offsets of and delete consumer groups.",
  commands: [list, describe, resetOffsets, remove],
};
