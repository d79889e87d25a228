// `rivulet produce <topic>`: one record per line of stdin. The input is read as a stream, a chunk at a
// time; when the producer holds its limit of unacknowledged bytes the reader waits (producer.drained()),
// so stdin is not read faster than the broker acknowledges.
//
// Failure (issue 12): a line the broker cannot take (too large, invalid) fails alone: its neighbours are
// stored, and the line is reported by number with the reason. While the broker is unreachable the
// producer keeps retrying within --timeout (the delivery timeout) and says so once on stderr; when the
// deadline passes, reading stops. Exit 0 only if every line was stored; otherwise one line per refused
// input line (the first few) and one summary line: how many lines were not stored, which, and why.

import { Connection, RivuletClient, type ProducerOptions } from "../client/index.js";
import { RivuletError } from "../errors/index.js";
import { brokerFlags, brokerUrl, profileConnectionOptions } from "./client.js";
import { defineCommand } from "./command.js";
import { CliError, UsageError } from "./errors.js";
import { readLines, splitKey } from "./lines.js";
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
    "key-separator": { kind: "string", description: "split each line at the first SEP into key and value (a line without SEP has no key)", placeholder: "SEP" },
    acks: { kind: "string", description: "acknowledgement: 0 (none), 1 (leader), all (durable per the topic's flush policy)", default: "all", choices: ["0", "1", "all", "-1"] },
    partition: { kind: "integer", description: "write every record to this partition (default: by key, else sticky)", min: 0 },
    idempotent: { kind: "boolean", description: "idempotent producer: retries cannot duplicate or reorder records (needs --acks all)" },
    progress: { kind: "boolean", description: "print progress to stderr every second (default when stderr is a terminal)" },
    "linger-ms": { kind: "integer", description: "how long a batch waits for more records", default: 5, min: 0 },
    "batch-bytes": { kind: "integer", description: "send a batch once it holds this many bytes", default: 256 * 1024, min: 1 },
    "max-in-flight": { kind: "integer", description: "produce requests in flight per partition (at most 5 with --idempotent)", default: 5, min: 1 },
    timeout: { kind: "integer", description: "give up on a line not stored within MS (retrying while the broker is unreachable)", default: 120_000, min: 1, placeholder: "MS" },
    ...brokerFlags,
  },
  details: [
    "Lines end with \\n or \\r\\n; a last line without a newline is produced too; an empty line is a record with an empty value.",
    "A line the broker refuses (too large, invalid) is reported by number and the other lines are still stored. Exit status 1 if any line was not stored.",
  ],
  async run({ flags, args }) {
    const [topic] = args as [string];
    const separator = flags["key-separator"];
    if (separator === "") throw new UsageError("--key-separator must not be empty");
    if (flags.idempotent && parseAcks(flags.acks) !== "all") throw new UsageError("--idempotent needs --acks all");
    if (flags.idempotent && flags["max-in-flight"] > 5) throw new UsageError("--idempotent allows at most 5 requests in flight (--max-in-flight)");
    const sep = separator === undefined ? undefined : Buffer.from(separator);
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
    try {
      const meta = await topicMetadata(client.admin, topic);
      if (flags.partition !== undefined && flags.partition >= meta.partitions.length) {
        throw new CliError(`topic '${topic}' has no partition ${flags.partition} (it has ${meta.partitions.length})`);
      }
      await produceLines(client, topic, { ...flags, sep, url, timeoutMs });
    } finally {
      client.close();
    }
  },
});

interface LineOptions {
  acks: string;
  idempotent: boolean;
  partition: number | undefined;
  progress: boolean;
  "linger-ms": number;
  "batch-bytes": number;
  "max-in-flight": number;
  sep: Buffer | undefined;
  url: string;
  timeoutMs: number;
}

async function produceLines(client: RivuletClient, topic: string, options: LineOptions): Promise<void> {
  const stderr = (line: string) => process.stderr.write(`${progressLine ? "\n" : ""}rivulet: ${line}\n`);
  let progressLine = false;
  let outage: { error: Error } | undefined;
  const onRetry = (event: { error: Error }) => {
    if (outage) return;
    outage = event;
    const what = (event.error as RivuletError).code === "NETWORK_EXCEPTION" ? `lost the broker at ${options.url}` : `the broker at ${options.url} cannot take records now`;
    stderr(`${what} (${event.error.message}); retrying for up to ${formatNumber(options.timeoutMs / 1000)} s (--timeout)`);
  };
  // A lost connection is an outage even while no send is in flight to fail (the command waits on its input).
  client.on("disconnected", ({ error }) => onRetry({ error }));
  client.on("reconnected", () => {
    if (!outage) return;
    outage = undefined;
    stderr(`the broker at ${options.url} is back; resuming`);
  });
  const producer = client.producer({
    acks: parseAcks(options.acks),
    idempotent: options.idempotent,
    lingerMs: options["linger-ms"],
    batchBytes: options["batch-bytes"],
    maxInFlight: options["max-in-flight"],
    deliveryTimeoutMs: options.timeoutMs,
    requestTimeoutMs: Math.min(30_000, options.timeoutMs),
    onRetry,
  });

  let sent = 0;
  let acked = 0;
  let bytes = 0;
  const failures: Failure[] = [];
  /** A failure that is not one line's fault (deadline passed, topic deleted, ...): stop reading. */
  let fatal: Failure | undefined;
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const started = performance.now();
  const rate = () => {
    const seconds = (performance.now() - started) / 1000;
    return `produced ${formatNumber(acked)} of ${formatNumber(sent)} lines (${formatBytes(bytes)}), ${formatNumber(acked / Math.max(seconds, 1e-3))} records/s`;
  };
  const progress = options.progress || process.stderr.isTTY ? new Progress(rate).start() : undefined;
  progressLine = progress !== undefined && process.stderr.isTTY === true;

  read: for await (const lines of readLines(process.stdin)) {
    for (const line of lines) {
      if (fatal) break read;
      // send() may count a record against the buffer limit only after a hop (a topic's first record):
      // yield now and then so `congested` is current within one chunk of many short lines.
      if ((sent & 1023) === 1023) await new Promise((resolve) => setImmediate(resolve));
      if (producer.congested) await producer.drained();
      if (fatal) break read;
      const number = ++sent;
      bytes += line.length;
      const [key, value] = options.sep ? splitKey(line, options.sep) : [null, line];
      producer.send({ topic, partition: options.partition, key, value }).then(
        () => {
          acked++;
          if (outage) {
            outage = undefined;
            stderr(`the broker at ${options.url} is back; resuming`);
          }
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
  for (const f of own.slice(0, LINES_SHOWN)) stderr(`line ${formatNumber(f.line)} was not stored: ${f.error.message}`);
  if (own.length > LINES_SHOWN) stderr(`... and ${formatNumber(own.length - LINES_SHOWN)} more lines refused by the broker's limits`);
  const numbers = failures.map((f) => f.line);
  const why = fatal ? fatal.error.message : own.length === failures.length ? "refused by the broker's limits (see above)" : failures.find((f) => !own.includes(f))!.error.message;
  const notRead = unread ? `; input after line ${formatNumber(sent)} was not read` : "";
  const count = `${formatNumber(failures.length)} of ${formatNumber(sent)} line${sent === 1 ? "" : "s"} ${failures.length === 1 ? "was" : "were"} not stored`;
  throw new CliError(`${count} (line${numbers.length > 1 ? "s" : ""} ${lineRanges(numbers)}): ${why}${notRead}`);
}
