// `rivulet produce <topic>`: one record per line of stdin. The input is read as a stream, a chunk at a
// time; when the producer holds its limit of unacknowledged bytes the reader waits (producer.drained()),
// so stdin is not read faster than the broker acknowledges. Exit 0 only once every line is acknowledged.

import type { ProducerOptions } from "../client/index.js";
import { brokerFlags, withClient } from "./client.js";
import { defineCommand } from "./command.js";
import { CliError, UsageError } from "./errors.js";
import { readLines, splitKey } from "./lines.js";
import { Progress } from "./progress.js";
import { formatBytes, formatNumber } from "./table.js";
import { topicMetadata } from "./topics.js";

export function parseAcks(acks: string): ProducerOptions["acks"] {
  return acks === "all" || acks === "-1" ? "all" : acks === "1" ? 1 : 0;
}

interface Tally {
  /** Lines handed to the producer, acknowledged, failed; bytes read. */
  sent: number;
  acked: number;
  failed: number;
  bytes: number;
  /** The earliest line that failed. */
  failure?: { line: number; error: Error };
}

export const produce = defineCommand({
  name: "produce",
  summary: "Produce one record per line of stdin.",
  args: [{ name: "topic", description: "topic to write to" }],
  flags: {
    "key-separator": { kind: "string", description: "split each line at the first SEP into key and value (a line without SEP has no key)", placeholder: "SEP" },
    acks: { kind: "string", description: "acknowledgement: 0 (none), 1 (leader), all (durable per the topic's flush policy)", default: "all", choices: ["0", "1", "all", "-1"] },
    partition: { kind: "integer", description: "write every record to this partition (default: by key, else sticky)", min: 0 },
    idempotent: { kind: "boolean", description: "idempotent producer: retries cannot duplicate records" },
    progress: { kind: "boolean", description: "print progress to stderr every second (default when stderr is a terminal)" },
    "linger-ms": { kind: "integer", description: "how long a batch waits for more records", default: 5, min: 0 },
    "batch-bytes": { kind: "integer", description: "send a batch once it holds this many bytes", default: 256 * 1024, min: 1 },
    ...brokerFlags,
  },
  details: ["Lines end with \\n or \\r\\n; a last line without a newline is produced too; an empty line is a record with an empty value."],
  async run({ flags, args }) {
    const [topic] = args as [string];
    const separator = flags["key-separator"];
    if (separator === "") throw new UsageError("--key-separator must not be empty");
    const sep = separator === undefined ? undefined : Buffer.from(separator);

    await withClient(flags.broker, async (client) => {
      const meta = await topicMetadata(client.admin, topic);
      if (flags.partition !== undefined && flags.partition >= meta.partitions.length) {
        throw new CliError(`topic '${topic}' has no partition ${flags.partition} (it has ${meta.partitions.length})`);
      }
      const producer = client.producer({ acks: parseAcks(flags.acks), idempotent: flags.idempotent, lingerMs: flags["linger-ms"], batchBytes: flags["batch-bytes"] });
      const tally: Tally = { sent: 0, acked: 0, failed: 0, bytes: 0 };
      const waiters: Array<() => void> = [];
      const wake = () => {
        const list = waiters.splice(0);
        for (const w of list) w();
      };
      const started = performance.now();
      const rate = () => {
        const seconds = (performance.now() - started) / 1000;
        return `produced ${formatNumber(tally.acked)} of ${formatNumber(tally.sent)} lines (${formatBytes(tally.bytes)}), ${formatNumber(tally.acked / Math.max(seconds, 1e-3))} records/s`;
      };
      const progress = flags.progress || process.stderr.isTTY ? new Progress(rate).start() : undefined;

      read: for await (const lines of readLines(process.stdin)) {
        for (const line of lines) {
          if (tally.failure) break read;
          // send() counts a record against the buffer limit only after a few microtask hops: yield now
          // and then so `congested` is current within one chunk of many short lines.
          if ((tally.sent & 1023) === 1023) await new Promise((resolve) => setImmediate(resolve));
          if (producer.congested) await producer.drained();
          const number = ++tally.sent;
          tally.bytes += line.length;
          const [key, value] = sep ? splitKey(line, sep) : [null, line];
          producer.send({ topic, partition: flags.partition, key, value }).then(
            () => {
              tally.acked++;
              if (waiters.length) wake();
            },
            (error: Error) => {
              tally.failed++;
              if (!tally.failure || number < tally.failure.line) tally.failure = { line: number, error };
              wake();
            },
          );
        }
      }
      // Seal open batches, then wait for every answer (a failure stops reading but not what is in flight).
      await producer.flush().catch(() => {});
      await new Promise<void>((resolve) => {
        const check = () => (tally.acked + tally.failed >= tally.sent ? resolve() : waiters.push(check));
        check();
      });
      progress?.stop();
      if (tally.failure) {
        const { line, error } = tally.failure;
        throw new CliError(`line ${line} was not produced: ${error.message}${tally.acked ? ` (${formatNumber(tally.acked)} lines were)` : ""}`);
      }
    });
  },
});
