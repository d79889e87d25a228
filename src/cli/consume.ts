// `rivulet consume <topic>`: prints records to stdout. Without --follow it stops at the log end as seen at
// start (each partition's end offset from metadata), so `consume` of a busy topic still terminates; with
// --follow it waits for new records until interrupted or --max-messages is reached. With --group it reads
// as a member of a consumer group: the broker assigns the partitions, reading starts at the group's
// committed offsets, and what was printed is committed on the way out, also on Ctrl-C (SIGINT, exit 130)
// and SIGTERM (exit 143). A broker restart is ridden through (one stderr line each way); --timeout bounds
// how long the broker may stay unreachable (exit 1 with one line).

import type { Consumer, ConsumerOptions, GroupConsumer, RivuletClient, StartFrom } from "../client/index.js";
import { decompress } from "../core/codecs.js";
import { brokerFlags, clusterFor, connectBroker, timeoutFlag } from "./client.js";
import type { RivuletCluster } from "../client/cluster.js";
import type { ClusterGroupConsumer } from "../client/cluster-group.js";
import type { ClusterPartitionsConsumer } from "../client/cluster-merge.js";
import { defineCommand } from "./command.js";
import { CliError, UsageError } from "./errors.js";
import { OUTPUT_FORMATS, recordWriter, type OutputFormat } from "./format.js";
import { Output } from "./output.js";
import { Progress } from "./progress.js";
import { formatBytes, formatNumber } from "./table.js";
import { templateWriter } from "./template.js";
import { topicMetadata } from "./topics.js";

/** Where to start: a StartFrom for every partition, or "N records before the end" per partition. */
export type StartSpec = { from: StartFrom } | { lastN: bigint };

export function parseFrom(raw: string): StartSpec {
  if (raw === "earliest" || raw === "beginning") return { from: "earliest" };
  if (raw === "latest" || raw === "end") return { from: "latest" };
  if (/^\d+$/.test(raw)) return { from: { offset: BigInt(raw) } };
  if (/^-\d+$/.test(raw)) return { lastN: -BigInt(raw) };
  if (raw.startsWith("@")) {
    const rest = raw.slice(1);
    const ms = /^\d+$/.test(rest) ? Number(rest) : Date.parse(rest);
    if (!Number.isFinite(ms)) throw new UsageError(`--from @: '${rest}' is neither milliseconds since the epoch nor an ISO date`);
    return { from: { timestamp: ms } };
  }
  throw new UsageError(`--from must be earliest, latest, an offset, -N (last N records) or @<ms or ISO date>, got '${raw}'`);
}

export const consume = defineCommand({
  name: "consume",
  summary: "Print a topic's records to stdout.",
  args: [{ name: "topic", description: "topic to read" }],
  flags: {
    from: { kind: "string", description: "earliest, latest, an offset, -N (last N per partition), or @<ms since epoch | ISO date>", default: "earliest", placeholder: "POS" },
    partition: { kind: "integer", multiple: true, description: "read only this partition", min: 0 },
    "max-messages": { kind: "integer", description: "stop after N records", min: 1 },
    follow: { kind: "boolean", description: "keep waiting for new records (default: stop at the end offsets seen at start)" },
    format: { kind: "string", description: "value: the value per line; kv: key<SEP>value; json: one object per line", default: "value", choices: OUTPUT_FORMATS, placeholder: "FORMAT" },
    "key-separator": { kind: "string", description: "separator for --format kv", default: "=", placeholder: "SEP" },
    template: { kind: "string", description: "kcat-style output template (overrides --format): %t %p %o %T %k %K %s %S %h %% and \\n \\t", placeholder: "FMT" },
    to: { kind: "string", description: "stop point per partition: end (the end seen at start, the default without --follow), an offset (exclusive), or @<ms | ISO date>", placeholder: "POS" },
    "print-null": { kind: "boolean", short: "Z", description: "print null keys, values and header values as NULL instead of nothing (kcat -Z; --format value, kv and --template)" },
    progress: { kind: "boolean", description: "print records read and the rate to stderr every second (default when stdout is not a terminal and stderr is)" },
    "print-offsets": { kind: "boolean", description: "on exit, print the next offset of each partition read as one JSON line on stderr (for scripts)" },
    group: { kind: "string", description: "read as a member of this consumer group (partitions assigned by the broker; starts at its committed offsets, commits what was printed)", placeholder: "GROUP" },
    ...brokerFlags,
    ...timeoutFlag,
  },
  details: [
    "Ctrl-C (SIGINT) or SIGTERM stops reading; with --group, what was printed is committed first. Exit codes: 130 (SIGINT), 143 (SIGTERM); a second signal exits at once.",
    "JSON output: offsets are strings; keys, values and header values are UTF-8 strings, or base64 with \"keyEncoding\"/\"valueEncoding\": \"base64\" when they are not valid UTF-8.",
  ],
  async run({ flags, args }) {
    const [topic] = args as [string];
    const start = parseFrom(flags.from);
    const stop = flags.to === undefined ? undefined : parseTo(flags.to);
    if (stop && flags.follow) throw new UsageError("--to and --follow contradict each other: --to stops, --follow never does");
    if (stop && flags.group !== undefined) throw new UsageError("--to cannot be used with --group (the group's partitions move between members)");
    if (flags.group !== undefined) {
      if (flags.partition.length) throw new UsageError("--partition cannot be used with --group (the group assigns partitions)");
      if (!("from" in start) || (start.from !== "earliest" && start.from !== "latest")) {
        throw new UsageError("with --group, --from must be earliest or latest (where partitions without a committed offset start)");
      }
    }
    const client = await connectBroker(flags.broker, { follow: flags.follow, timeoutMs: flags.timeout });
    let cluster: RivuletCluster | undefined;
    try {
      // A cluster's broker: each partition is read from its leader, and the group joined at its coordinator.
      cluster = await clusterFor(client, flags.broker, client.connection.requestTimeoutMs);
      return await consumeWith(client, topic, start, {
        partitions: flags.partition,
        maxMessages: flags["max-messages"],
        follow: flags.follow,
        format: flags.format as OutputFormat,
        keySeparator: flags["key-separator"],
        group: flags.group,
        template: flags.template,
        stop,
        printOffsets: flags["print-offsets"],
        printNull: flags["print-null"],
        progress: flags.progress || (process.stdout.isTTY !== true && process.stderr.isTTY === true),
        cluster,
      });
    } finally {
      cluster?.close();
      client.close();
    }
  },
});

interface ConsumeOptions {
  partitions: number[];
  maxMessages?: number;
  follow: boolean;
  format: OutputFormat;
  keySeparator: string;
  group?: string;
  template?: string;
  stop?: StopSpec;
  printOffsets?: boolean;
  printNull?: boolean;
  progress?: boolean;
  cluster?: RivuletCluster | undefined;
}

type AnyConsumer = Consumer | GroupConsumer | ClusterPartitionsConsumer | ClusterGroupConsumer;

/** Where reading stops: the ends seen at start, an offset, or the first offset at or after a time. */
export type StopSpec = "end" | { offset: bigint } | { timestamp: number };

export function parseTo(raw: string): StopSpec {
  if (raw === "end" || raw === "latest") return "end";
  if (/^\d+$/.test(raw)) return { offset: BigInt(raw) };
  if (raw.startsWith("@")) {
    const rest = raw.slice(1);
    const ms = /^\d+$/.test(rest) ? Number(rest) : Date.parse(rest);
    if (!Number.isFinite(ms)) throw new UsageError(`--to @: '${rest}' is neither milliseconds since the epoch nor an ISO date`);
    return { timestamp: ms };
  }
  throw new UsageError(`--to must be end, an offset or @<ms or ISO date>, got '${raw}'`);
}

async function consumeWith(client: RivuletClient, topic: string, start: StartSpec, options: ConsumeOptions): Promise<number> {
  const meta = await topicMetadata(client.admin, topic);
  const all = meta.partitions.map((p) => p.partition);
  for (const p of options.partitions) {
    if (!all.includes(p)) throw new CliError(`topic '${topic}' has no partition ${p} (it has ${all.length})`);
  }
  const partitions = options.partitions.length ? [...new Set(options.partitions)] : all;
  // The end of each partition as seen now: without --follow, reading stops there (or at --to).
  const ends = new Map(meta.partitions.map((p) => [p.partition, p.logEndOffset]));
  const stop = options.stop;
  if (stop !== undefined && stop !== "end") {
    for (const p of partitions) {
      if ("offset" in stop) ends.set(p, stop.offset);
      else {
        const found = await (options.cluster?.admin ?? client.admin).listOffsets(topic, p, { timestamp: stop.timestamp });
        ends.set(p, found.offset >= 0n ? found.offset : ends.get(p)!);
      }
    }
  }

  let consumer: AnyConsumer;
  const cluster = options.cluster;
  if (options.group !== undefined) {
    // Commits are this command's: on each way out (end, --max-messages, a signal), after printing.
    const groupOptions = { topic, group: options.group, from: "from" in start && start.from === "latest" ? "latest" : "earliest", autoCommitIntervalMs: 1000, decompress } as const;
    consumer = cluster ? cluster.consumer(groupOptions) : client.consumer(groupOptions);
  } else if (cluster) {
    const positions = "from" in start ? undefined : lastNPositions(meta.partitions, partitions, start.lastN);
    consumer = cluster.consumer({ topic, partitions, decompress, ...("from" in start ? { from: start.from } : {}), ...(positions ? { positions } : {}) });
  } else {
    // Batches compressed by a producer (-z, kcat, any Kafka client) are inflated here, in Node.
    const consumerOptions: ConsumerOptions = { topic, partitions, from: "earliest", decompress };
    if ("from" in start) consumerOptions.from = start.from;
    else {
      consumerOptions.positions = lastNPositions(meta.partitions, partitions, start.lastN);
    }
    consumer = client.consumer(consumerOptions);
  }
  // Ctrl-C / SIGTERM: stop handing out records (what was handed out was printed), commit, exit 128+n.
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(signalExitCode(interrupted)); // a second signal: at once
    interrupted = signal;
    consumer.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await readAll(client, consumer, partitions, ends, options, () => interrupted);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** -N: N records before each partition's end, but not before its start. */
function lastNPositions(all: { partition: number; logStartOffset: bigint; logEndOffset: bigint }[], partitions: number[], lastN: bigint): Map<number, bigint> {
  return new Map(
    all.filter((p) => partitions.includes(p.partition)).map((p) => {
      const back = p.logEndOffset - lastN;
      return [p.partition, back > p.logStartOffset ? back : p.logStartOffset];
    }),
  );
}

/** 130 for SIGINT, 143 for SIGTERM (128 + the signal's number), as shells report them. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : signal === "SIGHUP" ? 129 : 1;
}

async function readAll(
  client: RivuletClient,
  consumer: AnyConsumer,
  partitions: number[],
  ends: Map<number, bigint>,
  options: ConsumeOptions,
  interrupted: () => NodeJS.Signals | undefined,
): Promise<number> {
  await consumer.start();

  // Partitions still to read up to their end. A group member's partitions are known once assigned; until
  // then it is not done. Records past a partition's end are skipped, except in a group (what is handed
  // out is committed, so skipping would lose it for the group).
  const mine = () => ("assignment" in consumer ? consumer.assignment() : partitions);
  const active = new Set(partitions);
  if (options.group === undefined) {
    const positions = consumer.positions();
    for (const p of partitions) if ((positions.get(p) ?? -1n) >= ends.get(p)!) active.delete(p);
  }
  const done = (): boolean => {
    const owned = mine();
    if (owned.length === 0) return false;
    const positions = consumer.positions();
    for (const p of owned) if ((positions.get(p) ?? -1n) < ends.get(p)!) return false;
    return true;
  };

  const output = new Output();
  const write = options.template !== undefined ? templateWriter(options.template, output, options.printNull) : recordWriter(options.format, output, options.keySeparator, options.printNull);
  let count = 0;
  let bytes = 0;
  // What there is to read, when it is known (not following, not a group): the gap to each end at start.
  const starts = consumer.positions();
  const total = options.follow || options.group !== undefined ? undefined : partitions.reduce((n, p) => n + Number((ends.get(p) ?? 0n) - (starts.get(p) ?? ends.get(p) ?? 0n)), 0);
  const began = performance.now();
  const progress = options.progress
    ? new Progress(() => {
        const seconds = Math.max((performance.now() - began) / 1000, 1e-3);
        const of = total !== undefined && total > 0 ? ` of ${formatNumber(total)} (${Math.min(100, Math.floor((count / total) * 100))}%)` : "";
        return `consumed ${formatNumber(count)}${of} records (${formatBytes(bytes)}), ${formatNumber(count / seconds)} records/s`;
      }).start()
    : undefined;
  // A partition can end on offsets no record is handed out for (control batches), and a group member may
  // get its partitions later: while no record arrives, look at the consumer's positions instead.
  let arrived = false;
  const idle = options.follow
    ? undefined
    : setInterval(() => {
        if (!arrived && done()) consumer.stop();
        arrived = false;
      }, 100);

  let failure: unknown;
  try {
    if (!interrupted() && (options.follow || !done())) {
      for await (const record of consumer) {
        arrived = true;
        const ended = !options.follow && record.offset + 1n >= ends.get(record.partition)!;
        if (!options.follow && options.group === undefined) {
          if (!active.has(record.partition)) continue; // past this partition's end as seen at start
          if (ended) active.delete(record.partition);
        }
        write(record);
        count++;
        bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0);
        if (options.maxMessages !== undefined && count >= options.maxMessages) break;
        if (ended && (options.group === undefined ? active.size === 0 : done())) break;
        if (output.full) await output.flush();
        else output.flushSoon();
      }
    }
  } catch (error) {
    failure = error;
  } finally {
    if (idle) clearInterval(idle);
    consumer.stop();
  }
  // Printed first, committed second: a crash in between repeats records rather than losing them.
  await output.end();
  progress?.stop();
  if ("commit" in consumer && !(failure && client.connection.isClosed)) {
    try {
      // After a signal the user is waiting: a broker that is away gets a few seconds, not the full deadline.
      await consumer.commit(undefined, interrupted() ? { timeoutMs: Math.min(client.connection.requestTimeoutMs, 5_000) } : {});
    } catch (error) {
      process.stderr.write(`rivulet: could not commit the offsets of group ${options.group} (the next run repeats what was printed since the last commit): ${(error as Error).message}\n`);
      if (!failure && !interrupted()) failure = error;
    }
  }
  if (options.printOffsets) {
    const next = consumer.positions();
    process.stderr.write(`${JSON.stringify({ topic: (consumer.options as { topic: string }).topic, offsets: Object.fromEntries([...next].map(([p, o]) => [p, o.toString()])) })}\n`);
  }
  await consumer.close();
  if (failure) throw failure;
  const signal = interrupted();
  return signal ? signalExitCode(signal) : 0;
}
