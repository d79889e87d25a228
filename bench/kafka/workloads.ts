// The timed halves of bench/kafka.bench.ts: produce N 100-byte records to one partition, then consume them
// from the beginning, with kafkajs and kcat through the Kafka listener and with src/client over WebSocket.
// Inputs (records, kcat's stdin) are built before the clock starts.
import { Kafka, logLevel } from "kafkajs";
import type * as ClientModule from "../../src/client/index.js";
import { runKcat } from "../lib/kcat.js";

export interface Timing {
  records: number;
  seconds: number;
}

const now = () => performance.now();

/** Transport options for the TLS benchmark (bench/tls.bench.ts); plaintext when omitted. */
export interface Transport {
  /** kafkajs's `ssl` (the CA to trust). */
  ssl?: { ca: string[] };
  /** Extra kcat -X settings (security.protocol=ssl, ssl.ca.location=...). */
  kcat?: string[];
  /** WebSocket constructor for src/client (one trusting the test CA for wss://). */
  WebSocket?: unknown;
}

export async function kafkajsProduce(bootstrap: string, topic: string, values: Buffer[], batch = 1000, inFlight = 8, transport: Transport = {}): Promise<Timing> {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: "bench-kafkajs", logLevel: logLevel.NOTHING, ssl: transport.ssl });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const batches: { value: Buffer }[][] = [];
  for (let i = 0; i < values.length; i += batch) batches.push(values.slice(i, i + batch).map((value) => ({ value })));
  const start = now();
  let next = 0;
  const lane = async () => {
    while (next < batches.length) {
      const messages = batches[next++]!;
      await producer.send({ topic, acks: 1, messages: messages.map((m) => ({ ...m, partition: 0 })) });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = (now() - start) / 1000;
  await producer.disconnect();
  return { records: values.length, seconds };
}

/** Timed from the first record to the last: the group join before it is not throughput. */
export async function kafkajsConsume(bootstrap: string, topic: string, count: number, transport: Transport = {}): Promise<Timing> {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: "bench-kafkajs", logLevel: logLevel.NOTHING, ssl: transport.ssl });
  const consumer = kafka.consumer({ groupId: `bench-${topic}`, maxWaitTimeInMs: 100, maxBytesPerPartition: 4 << 20, maxBytes: 16 << 20 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let first = 0;
  const seconds = await new Promise<number>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (seen === 0) first = now();
        seen += batch.messages.length;
        if (seen >= count) resolve((now() - first) / 1000);
      },
    });
  });
  await consumer.disconnect();
  return { records: seen, seconds };
}


/** Wall time of the whole kcat process (start-up and metadata included, ~0.1 s). */
export async function kcatProduce(bootstrap: string, topic: string, stdin: Buffer, count: number, transport: Transport = {}): Promise<Timing> {
  const r = await runKcat(["-b", bootstrap, "-P", "-t", topic, "-p", "0", "-X", "acks=1", "-X", "linger.ms=5", "-X", "batch.num.messages=10000", ...(transport.kcat ?? [])], stdin);
  if (r.code !== 0) throw new Error(`kcat -P failed: ${r.stderr}`);
  return { records: count, seconds: r.seconds };
}

export async function kcatConsume(bootstrap: string, topic: string, count: number, lineBytes: number, transport: Transport = {}): Promise<Timing> {
  const r = await runKcat(["-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-X", "fetch.wait.max.ms=100", "-f", "%s\\n", ...(transport.kcat ?? [])], null);
  if (r.code !== 0) throw new Error(`kcat -C failed: ${r.stderr}`);
  const records = Math.round(r.stdoutBytes / lineBytes);
  if (records !== count) throw new Error(`kcat read ${records} records, expected ${count}`);
  return { records, seconds: r.seconds };
}

export async function wsProduce(client: typeof ClientModule, url: string, topic: string, values: Buffer[], transport: Transport = {}): Promise<Timing> {
  const c = await client.connect({ url, WebSocket: transport.WebSocket as never });
  const producer = c.producer({ acks: 1, lingerMs: 5 });
  const start = now();
  const pending: Promise<unknown>[] = [];
  for (const value of values) pending.push(producer.send({ topic, partition: 0, value }));
  await Promise.all(pending);
  const seconds = (now() - start) / 1000;
  await producer.close();
  c.close();
  return { records: values.length, seconds };
}

export async function wsConsume(client: typeof ClientModule, url: string, topic: string, count: number, transport: Transport = {}): Promise<Timing> {
  const c = await client.connect({ url, WebSocket: transport.WebSocket as never });
  const consumer = c.consumer({ topic, partitions: [0], from: "earliest" });
  let seen = 0;
  let first = 0;
  for await (const _record of consumer) {
    if (seen === 0) first = now();
    if (++seen >= count) break;
  }
  const seconds = (now() - first) / 1000;
  c.close();
  return { records: seen, seconds };
}
