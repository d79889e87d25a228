// `rivulet produce <topic>`: one record per line of stdin (or per -D delimiter, or per --file; keys,
// headers, tombstones and timestamps as produce-input.ts shapes them, batches compressed with -z). The input is read as a stream, a chunk at a
// time; when the producer holds its limit of unacknowledged bytes the reader waits (producer.drained()),
// so stdin is not read faster than the broker acknowledges.
//
// Failure (issue 12): a line the broker cannot take (too large, invalid) fails alone: its neighbours are
// stored, and the line is reported by number with the reason. While the broker is unreachable the
// producer keeps retrying within --timeout (the delivery timeout) and says so once on stderr; when the
// deadline passes, reading stops. Exit 0 only if every line was stored; otherwise one line per refused
// input line (the first few) and one summary line: how many lines were not stored, which, and why.

import { Connection, RivuletClient, type Producer, type ProducerOptions } from "../client/index.js";
import { compressor } from "../core/codecs.js";
import { RivuletError } from "../errors/index.js";
import { brokerFlags, brokerUrl, clusterFor, profileConnectionOptions } from "./client.js";
import type { ClusterProducer, RivuletCluster } from "../client/cluster.js";
import type { CrossBrokerProducer } from "../client/producer/cross-broker.js";
import { defineCommand } from "./command.js";
import { CliError, UsageError } from "./errors.js";
import { checkFiles, inputRecords, parseDelimiter, parseHeader, parseTimestamp, shapeRecord, type Shape } from "./produce-input.js";
import { OutageNotes } from "./outage-notes.js";
import { Progress } from "./progress.js";
import { formatBytes, formatNumber } from "./table.js";
import { topicMetadata } from "./topics.js";

export function parseAcks(acks: string): ProducerOptions["acks"] {
  return acks === "all" || acks === "-1" ? "all" : acks === "1" ? 1 : 0;
}

/** Errors that are one record's fault: the other lines go on. Any other failure stops reading. */
const RECORD_ERRORS = new Set(["MESSAGE_TOO_LARGE", "INVALID_RECORD", "CORRUPT_MESSAGE"]);
/** Refused lines reported one by one before the summary. */
const LINES_SHOWN = 10;

interface Failure {
  line: number;
  error: Error;
}

/** "3, 7-9, 12" for sorted line numbers, at most `max` ranges ("..." after). */
export function lineRanges(lines: number[], max = 5): string {
  const ranges: string[] = [];
  for (let i = 0; i < lines.length; ) {
    let j = i;
    while (j + 1 < lines.length && lines[j + 1] === lines[j]! + 1) j++;
    if (ranges.length === max) {
      ranges.push("...");
      break;
    }
    ranges.push(i === j ? formatNumber(lines[i]!) : `${formatNumber(lines[i]!)}-${formatNumber(lines[j]!)}`);
    i = j + 1;
  }
  return ranges.join(", ");
}

export const produce = defineCommand({
  name: "produce",
  summary: "Produce one record per line of stdin.",
  args: [{ name: "topic", description: "topic to write to" }],
  flags: {
    "key-separator": { kind: "string", short: "K", description: "split each record at the first SEP into key and value (a record without SEP has no key, or --key); kcat escapes", placeholder: "SEP" },
    key: { kind: "string", short: "k", description: "the key of every record without its own (kcat -k; -K keys take precedence)", placeholder: "KEY" },
    header: { kind: "string", short: "H", multiple: true, description: "add a header NAME=VALUE to every record (NAME alone: a null value)", placeholder: "NAME=VALUE" },
    delimiter: { kind: "string", short: "D", description: "records are separated by DELIM instead of lines (\\n \\r \\t \\0 \\\\ \\xNN escapes, as kcat -D)", placeholder: "DELIM" },
    tombstone: { kind: "boolean", short: "Z", description: "send an empty value as null: a tombstone, which deletes its key from a compacted topic (kcat -Z)" },
    compression: { kind: "string", short: "z", description: "compress batches", default: "none", choices: ["none", "gzip", "snappy", "lz4", "zstd"], placeholder: "CODEC" },
    timestamp: { kind: "string", description: "the timestamp of every record: milliseconds since the epoch or an ISO date (default: now)", placeholder: "TIME" },
    "timestamp-delimiter": { kind: "string", description: "each record starts with its own timestamp in ms, then SEP (before any key)", placeholder: "SEP" },
    file: { kind: "string", multiple: true, description: "produce the whole file as one record (stdin is not read)", placeholder: "PATH" },
    acks: { kind: "string", description: "acknowledgement: 0 (none), 1 (leader), all (durable per the topic's flush policy)", default: "all", choices: ["0", "1", "all", "-1"] },
    partition: { kind: "integer", short: "p", description: "write every record to this partition (default: by key, else sticky)", min: 0 },
    idempotent: { kind: "boolean", description: "idempotent producer: retries cannot duplicate or reorder records (needs --acks all)" },
    progress: { kind: "boolean", description: "print progress to stderr every second (default when stderr is a terminal)" },
    "linger-ms": { kind: "integer", description: "how long a batch waits for more records", default: 5, min: 0 },
    "batch-bytes": { kind: "integer", description: "send a batch once it holds this many bytes (capped by the topic's max.message.bytes)", default: 256 * 1024, min: 1 },
    "max-in-flight": { kind: "integer", description: "produce requests in flight per partition (at most 5 with --idempotent)", default: 5, min: 1 },
    timeout: { kind: "integer", description: "give up on a line not stored within MS (retrying while the broker is unreachable)", default: 120_000, min: 1, placeholder: "MS" },
    ...brokerFlags,
  },
  details: [
    "Lines end with \\n or \\r\\n; a last line without a newline is produced too; an empty line is a record with an empty value (null with -Z). With -D the input is split at exactly DELIM.",
    "Examples: printf 'k1:v1\\nk2:\\n' | rivulet produce t -K: -Z -H source=shell   (k2 becomes a tombstone);  rivulet produce t --file report.pdf -k report -z zstd",
    "A line the broker refuses (too large, invalid) is reported by number and the other lines are still stored. Exit status 1 if any line was not stored.",
  ],
  async run({ flags, args }) {
    const [topic] = args as [string];
    if (flags["key-separator"] === "") throw new UsageError("--key-separator must not be empty");
    if (flags.idempotent && parseAcks(flags.acks) !== "all") throw new UsageError("--idempotent needs --acks all");
    if (flags.idempotent && flags["max-in-flight"] > 5) throw new UsageError("--idempotent allows at most 5 requests in flight (--max-in-flight)");
    const files = flags.file;
    if (files.length && (flags["key-separator"] !== undefined || flags.delimiter !== undefined || flags["timestamp-delimiter"] !== undefined)) {
      throw new UsageError("--file sends each file whole: -K, -D and --timestamp-delimiter split input and do not apply (use -k for a key)");
    }
    if (flags.timestamp !== undefined && flags["timestamp-delimiter"] !== undefined) throw new UsageError("--timestamp and --timestamp-delimiter contradict each other (one time for all, or one per record)");
    const shape: Shape = {
      keySeparator: flags["key-separator"] === undefined ? undefined : parseDelimiter(flags["key-separator"], "-K/--key-separator"),
      key: flags.key === undefined ? undefined : Buffer.from(flags.key),
      headers: flags.header.map(parseHeader),
      tombstone: flags.tombstone,
      timestamp: flags.timestamp === undefined ? undefined : parseTimestamp(flags.timestamp, "--timestamp"),
      timestampSeparator: flags["timestamp-delimiter"] === undefined ? undefined : parseDelimiter(flags["timestamp-delimiter"], "--timestamp-delimiter"),
    };
    const delimiter = flags.delimiter === undefined ? undefined : parseDelimiter(flags.delimiter, "-D/--delimiter");
    await checkFiles(files);
    const codec = CODECS[flags.compression]!;
    const compression = codec === 0 ? undefined : { codec, compress: await compressor(codec) };
    const url = brokerUrl(flags.broker);
    const timeoutMs = flags.timeout;

    // Reconnects without limit: the producer's delivery timeout (--timeout) decides when to give up.
    const connection = new Connection({ url, ...(await profileConnectionOptions()), reconnect: { initialDelayMs: 100, maxDelayMs: 1000 }, requestTimeoutMs: Math.min(30_000, timeoutMs) });
    try {
      await connection.connect();
    } catch {
      connection.close();
      throw new CliError(`cannot connect to the broker at ${url} (is 'rivulet serve' running? set --broker or RIVULET_BROKER)`);
    }
    const client = new RivuletClient(connection);
    let cluster: RivuletCluster | undefined;
    try {
      const meta = await topicMetadata(client.admin, topic);
      // A cluster's broker: route each record to its partition's leader, following leader changes.
      cluster = await clusterFor(client, flags.broker, Math.min(30_000, timeoutMs));
      if (flags.partition !== undefined && flags.partition >= meta.partitions.length) {
        throw new CliError(`topic '${topic}' has no partition ${flags.partition} (it has ${meta.partitions.length})`);
      }
      const unit = files.length ? "file" : delimiter ? "record" : "line";
      await produceLines(client, topic, inputRecords(files, delimiter), { ...flags, shape, compression, unit, url: cluster ? `${topic}'s leader (cluster)` : url, timeoutMs, cluster });
    } finally {
      cluster?.close();
      client.close();
    }
  },
});

/** -z names to Kafka codec ids. */
const CODECS: Record<string, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

interface LineOptions {
  acks: string;
  idempotent: boolean;
  partition: number | undefined;
  progress: boolean;
  "linger-ms": number;
  "batch-bytes": number;
  "max-in-flight": number;
  shape: Shape;
  compression: ProducerOptions["compression"];
  /** What one input record is called in messages: line, record or file. */
  unit: string;
  url: string;
  timeoutMs: number;
  /** Cluster mode: records go to their partitions' leaders through this cluster client. */
  cluster?: RivuletCluster | undefined;
}

async function produceLines(client: RivuletClient, topic: string, input: AsyncIterable<Buffer[]>, options: LineOptions): Promise<void> {
  const unit = options.unit;
  const stderr = (line: string) => process.stderr.write(`${progressLine ? "\n" : ""}rivulet: ${line}\n`);
  let progressLine = false;
  const outage = new OutageNotes({ url: options.url, timeoutMs: options.timeoutMs, note: stderr });
  const onRetry = (event: { error: Error }) => outage.retrying(event.error as RivuletError, sent);
  // A lost connection is an outage even while no send is in flight to fail (the command waits on its input).
  // (Cluster mode: the bootstrap connection carries no records; the cluster producer reports its retries.)
  if (!options.cluster) {
    client.on("disconnected", ({ error }) => onRetry({ error }));
    client.on("reconnected", () => outage.reconnected());
  }
  const settings = {
    acks: parseAcks(options.acks),
    idempotent: options.idempotent,
    lingerMs: options["linger-ms"],
    batchBytes: options["batch-bytes"],
    maxInFlight: options["max-in-flight"],
    deliveryTimeoutMs: options.timeoutMs,
    requestTimeoutMs: Math.min(30_000, options.timeoutMs),
    onRetry,
    compression: options.compression,
  };
  const producer: Producer | ClusterProducer | CrossBrokerProducer = options.cluster ? options.cluster.producer(settings) : client.producer(settings);

  let sent = 0;
  let acked = 0;
  let bytes = 0;
  const failures: Failure[] = [];
  /** Records the input shaped badly (not the broker's refusals). */
  const shapingErrors = new Set<Error>();
  /** A failure that is not one line's fault (deadline passed, topic deleted, ...): stop reading. */
  let fatal: Failure | undefined;
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const started = performance.now();
  const rate = () => {
    const seconds = (performance.now() - started) / 1000;
    return `produced ${formatNumber(acked)} of ${formatNumber(sent)} ${unit}s (${formatBytes(bytes)}), ${formatNumber(acked / Math.max(seconds, 1e-3))} records/s`;
  };
  const progress = options.progress || process.stderr.isTTY ? new Progress(rate).start() : undefined;
  progressLine = progress !== undefined && process.stderr.isTTY === true;

  read: for await (const lines of input) {
    for (const line of lines) {
      if (fatal) break read;
      // send() may count a record against the buffer limit only after a hop (a topic's first record):
      // yield now and then so `congested` is current within one chunk of many short lines.
      if ((sent & 1023) === 1023) await new Promise((resolve) => setImmediate(resolve));
      if (producer.congested) await producer.drained();
      if (fatal) break read;
      const number = ++sent;
      bytes += line.length;
      const shaped = shapeRecord(line, options.shape);
      if (shaped instanceof Error) shapingErrors.add(shaped);
      const sending = shaped instanceof Error ? Promise.reject(shaped) : producer.send({ topic, partition: options.partition, ...shaped });
      sending.then(
        () => {
          acked++;
          outage.acknowledged(number);
          if (waiters.length) wake();
        },
        (error: Error) => {
          const failure = { line: number, error };
          failures.push(failure);
          if (!RECORD_ERRORS.has((error as RivuletError).code) && (!fatal || number < fatal.line)) fatal = failure;
          wake();
        },
      );
    }
  }
  const unread = fatal !== undefined;
  // Send what is batching and wait for every answer: each line ends stored or failed, within --timeout.
  await producer.flush().catch(() => {});
  await new Promise<void>((resolve) => {
    const check = () => (acked + failures.length >= sent ? resolve() : waiters.push(check));
    check();
  });
  progress?.stop();
  progressLine = false;
  if (failures.length === 0) return;

  failures.sort((a, b) => a.line - b.line);
  const own = failures.filter((f) => RECORD_ERRORS.has((f.error as RivuletError).code));
  for (const f of own.slice(0, LINES_SHOWN)) stderr(`${unit} ${formatNumber(f.line)} was not stored: ${f.error.message}`);
  const refusedBy = own.some((f) => shapingErrors.has(f.error)) ? "refused" : "refused by the broker's limits";
  if (own.length > LINES_SHOWN) stderr(`... and ${formatNumber(own.length - LINES_SHOWN)} more ${unit}s ${refusedBy}`);
  const numbers = failures.map((f) => f.line);
  const why = fatal ? fatal.error.message : own.length === failures.length ? `${refusedBy} (see above)` : failures.find((f) => !own.includes(f))!.error.message;
  const notRead = unread ? `; input after ${unit} ${formatNumber(sent)} was not read` : "";
  const count = `${formatNumber(failures.length)} of ${formatNumber(sent)} ${unit}${sent === 1 ? "" : "s"} ${failures.length === 1 ? "was" : "were"} not stored`;
  throw new CliError(`${count} (${unit}${numbers.length > 1 ? "s" : ""} ${lineRanges(numbers)}): ${why}${notRead}`);
}
