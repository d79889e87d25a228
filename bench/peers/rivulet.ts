// Rivulet, two ways in: the project's client over WebSocket (loaded from dist/, so it measures whatever
// producer and consumer are built), and the Kafka protocol through kcat (librdkafka). One topic of one
// partition per run, created with the durability settings the run names (see TOPIC_CONFIGS).
import type * as ClientModule from "../../src/client/index.js";
import { loadDist } from "../ws/common.js";
import { AckLatencies, now, type Consuming, type PacedSender, type Producing, type Timing } from "./workload.js";
import { runKcat } from "../lib/kcat.js";

type Client = typeof ClientModule;
let clientModule: Client | undefined;
export async function rivuletClient(): Promise<Client> {
  return (clientModule ??= await loadDist<Client>("dist/client/index.js"));
}

/**
 * acks=1 topics fsync once a second (as Redis' appendfsync everysec). acks=all needs no topic setting: the
 * broker answers it only after a group-committed fdatasync covers the batch (docs/storage.md), so its
 * topics keep the defaults.
 */
export const TOPIC_CONFIGS = {
  everysec: { "flush.ms": "1000" },
  fsync: {},
} as const;

export async function createTopic(url: string, topic: string, durability: keyof typeof TOPIC_CONFIGS): Promise<void> {
  const { connect } = await rivuletClient();
  const c = await connect({ url, reconnect: false });
  try {
    await c.admin.createTopic(topic, { partitions: 1, configs: { ...TOPIC_CONFIGS[durability] } });
  } finally {
    c.close();
  }
}

/**
 * The project's client over WebSocket. `style` "send": one `producer.send()` per record, each with its own
 * promise (what an app that needs every record's offset does); "sendAll": the same records handed over in
 * calls of SEND_ALL_CHUNK with `producer.sendAll()` (one promise per call, no offsets: bulk loading).
 */
export function wsProducing(url: string, acks: 1 | "all", style: "send" | "sendAll" = "send"): Producing {
  return {
    async produce(topic: string, values: Buffer[]): Promise<Timing> {
      const { connect } = await rivuletClient();
      await createTopic(url, topic, acks === "all" ? "fsync" : "everysec");
      const c = await connect({ url, reconnect: false });
      const producer = c.producer({ acks });
      let acked = 0;
      let failure: unknown;
      let done: (() => void) | undefined;
      const onAcks = (n: number) => () => {
        if ((acked += n) === values.length) done?.();
      };
      const onAck = onAcks(1);
      const onError = (error: unknown) => {
        failure ??= error;
        done?.();
      };
      const start = now();
      if (style === "sendAll") {
        for (let i = 0; i < values.length && !failure; i += SEND_ALL_CHUNK) {
          if (producer.congested) await producer.drained();
          const records = values.slice(i, i + SEND_ALL_CHUNK).map((value) => ({ topic, partition: 0, value }));
          producer.sendAll(records).then(onAcks(records.length), onError);
          await new Promise((resolve) => setImmediate(resolve));
        }
      } else {
        for (let i = 0; i < values.length && !failure; i++) {
          // Let acknowledgements and socket writes run now and then; respect the producer's backpressure.
          if ((i & 1023) === 1023) await new Promise((resolve) => setImmediate(resolve));
          if (producer.congested) await producer.drained();
          producer.send({ topic, partition: 0, value: values[i]! }).then(onAck, onError);
        }
      }
      await producer.flush();
      if (acked < values.length && !failure) await new Promise<void>((resolve) => (done = resolve));
      const seconds = (now() - start) / 1000;
      await producer.close();
      c.close();
      if (failure) throw failure;
      return { records: values.length, seconds };
    },
  };
}

const SEND_ALL_CHUNK = 8192;

/** `style` "records": `for await` over the consumer, one record at a time; "batches": `consumer.batches()`, a chunk's records at a time. */
export function wsConsuming(url: string, style: "records" | "batches" = "records"): Consuming {
  return {
    async consume(topic: string, count: number): Promise<Timing> {
      const { connect } = await rivuletClient();
      const c = await connect({ url, reconnect: false });
      const start = now();
      const consumer = c.consumer({ topic, partitions: [0], from: "earliest" });
      let seen = 0;
      if (style === "batches") {
        outer: for await (const batch of consumer.batches()) {
          for (const record of batch) {
            if (record.value!.length !== 100) throw new Error("rivulet: unexpected value size");
            if (++seen >= count) break outer;
          }
        }
      } else {
        for await (const record of consumer) {
          if (record.value!.length !== 100) throw new Error("rivulet: unexpected value size");
          if (++seen >= count) break;
        }
      }
      const seconds = (now() - start) / 1000;
      c.close();
      return { records: seen, seconds };
    },
  };
}

export async function wsSender(url: string, topic: string, acks: 1 | "all"): Promise<PacedSender> {
  const { connect } = await rivuletClient();
  const c = await connect({ url, reconnect: false });
  const producer = c.producer({ acks, lingerMs: 0 });
  let failure: unknown;
  let unacknowledged = 0;
  const ackTimes = new AckLatencies();
  const onError = (error: unknown) => {
    unacknowledged--;
    failure ??= error;
  };
  return {
    get unacknowledged() {
      return unacknowledged;
    },
    ackLatency: (measureFrom) => ackTimes.percentiles(measureFrom),
    abandon() {
      c.close();
    },
    send(values) {
      unacknowledged += values.length;
      // Every value of one call carries the same send stamp (workload.ts): one callback per call.
      const stamp = values[0]?.readDoubleLE(0) ?? 0;
      const onAck = () => {
        unacknowledged--;
        ackTimes.add(stamp);
      };
      for (const value of values) producer.send({ topic, partition: 0, value }).then(onAck, onError);
    },
    async finish() {
      await producer.flush();
      await producer.close();
      c.close();
      if (failure) throw failure;
    },
  };
}

/** The tailing consumer (in tail.ts's process): a streaming subscription from the log end. */
export async function wsTail(url: string, topic: string, onValue: (value: Uint8Array) => void, ready: () => void): Promise<() => Promise<void>> {
  const { connect } = await rivuletClient();
  const c = await connect({ url, reconnect: false });
  const consumer = c.consumer({ topic, partitions: [0], from: "latest" });
  await consumer.start();
  ready();
  void (async () => {
    for await (const record of consumer) onValue(record.value!);
  })().catch(() => {});
  return async () => {
    await consumer.close();
    c.close();
  };
}


/**
 * kcat -P: the values one per line on stdin; wall time of the whole process, so start-up and metadata
 * (~0.1 s) are included and its steady rate is understated.
 */
export function kcatProducing(url: string, bootstrap: string, acks: 1 | "all"): Producing {
  return {
    async produce(topic: string, values: Buffer[]): Promise<Timing> {
      await createTopic(url, topic, acks === "all" ? "fsync" : "everysec");
      const parts: Buffer[] = [];
      const newline = Buffer.from("\n");
      for (const v of values) parts.push(v, newline);
      const stdin = Buffer.concat(parts);
      const r = await runKcat(["-b", bootstrap, "-P", "-t", topic, "-p", "0", "-X", `acks=${acks === "all" ? -1 : 1}`, "-X", "linger.ms=5", "-X", "batch.num.messages=10000"], stdin);
      if (r.code !== 0) throw new Error(`kcat -P failed: ${r.stderr}`);
      return { records: values.length, seconds: r.seconds };
    },
  };
}

/** kcat -C from the beginning to the partition's end (-e); wall time of the process, as kcat -P. */
export function kcatConsuming(bootstrap: string): Consuming {
  return {
    async consume(topic: string, count: number): Promise<Timing> {
      const r = await runKcat(["-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-X", "fetch.wait.max.ms=100", "-f", "%s\\n"], null);
      if (r.code !== 0) throw new Error(`kcat -C failed: ${r.stderr}`);
      const records = Math.round(r.stdoutBytes / 101);
      if (records !== count) throw new Error(`kcat read ${records} records, expected ${count}`);
      return { records, seconds: r.seconds };
    },
  };
}
