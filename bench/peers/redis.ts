// Redis Streams through ioredis: XADD pipelined (1,000 commands per pipeline, several pipelines in flight),
// XRANGE batches to read from the start, XREAD BLOCK to tail. One stream = one partition.
import { Redis } from "ioredis";
import { now, type Consuming, type PacedSender, type Producing, type Timing } from "./workload.js";

const PIPELINE = 1000;
const IN_FLIGHT = 8;
const READ_BATCH = 10_000;

const client = (port: number) => new Redis({ port, host: "127.0.0.1", lazyConnect: false, maxRetriesPerRequest: 0, enableOfflineQueue: true });

export function redisProducing(port: number): Producing {
  return {
    async produce(stream: string, values: Buffer[]): Promise<Timing> {
      const redis = client(port);
      await redis.ping();
      const start = now();
      let next = 0;
      const lane = async () => {
        while (next < values.length) {
          const from = next;
          next = Math.min(values.length, next + PIPELINE);
          const pipeline = redis.pipeline();
          for (let i = from; i < next; i++) pipeline.xadd(stream, "*", "v", values[i]!);
          const results = await pipeline.exec();
          const failed = results?.find(([error]) => error);
          if (failed) throw failed[0];
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
      const seconds = (now() - start) / 1000;
      redis.disconnect();
      return { records: values.length, seconds };
    },
  };
}

export function redisConsuming(port: number): Consuming {
  return {
    async consume(stream: string, count: number): Promise<Timing> {
      const redis = client(port);
      await redis.ping();
      const start = now();
      let seen = 0;
      let from = "-";
      while (seen < count) {
        const entries = (await redis.xrangeBuffer(stream, from, "+", "COUNT", READ_BATCH)) as [Buffer, Buffer[]][];
        if (entries.length === 0) throw new Error(`redis: stream ended after ${seen} of ${count} records`);
        for (const [, fields] of entries) if (fields[1]!.length !== 100) throw new Error("redis: unexpected value size");
        seen += entries.length;
        from = `(${entries[entries.length - 1]![0].toString()}`;
      }
      const seconds = (now() - start) / 1000;
      redis.disconnect();
      return { records: seen, seconds };
    },
  };
}

/** Each tick's values go out as one pipeline. */
export function redisSender(port: number, stream: string): PacedSender {
  const redis = client(port);
  const pending = new Set<Promise<unknown>>();
  let failure: unknown;
  let unacknowledged = 0;
  return {
    get unacknowledged() {
      return unacknowledged;
    },
    send(values) {
      const pipeline = redis.pipeline();
      for (const value of values) pipeline.xadd(stream, "*", "v", value);
      unacknowledged += values.length;
      const p = pipeline.exec().catch((error: unknown) => void (failure ??= error));
      pending.add(p);
      void p.finally(() => {
        pending.delete(p);
        unacknowledged -= values.length;
      });
    },
    abandon() {
      redis.disconnect();
    },
    async finish() {
      await Promise.all(pending);
      redis.disconnect();
      if (failure) throw failure;
    },
  };
}

/** The tailing consumer (runs in tail.ts's process): XREAD BLOCK from the stream's end. */
export async function redisTail(port: number, stream: string, onValue: (value: Buffer) => void, stopped: () => boolean, ready: () => void): Promise<() => void> {
  const redis = client(port);
  await redis.ping();
  // The stream's last id now (or 0-0): everything after it is new.
  const last = (await redis.xrevrangeBuffer(stream, "+", "-", "COUNT", 1)) as [Buffer, Buffer[]][];
  let from = last[0] ? last[0][0].toString() : "0-0";
  ready();
  void (async () => {
    while (!stopped()) {
      const reply = (await redis.xreadBuffer("COUNT", 10_000, "BLOCK", 200, "STREAMS", stream, from)) as [Buffer, [Buffer, Buffer[]][]][] | null;
      if (!reply) continue;
      const entries = reply[0]![1];
      for (const [, fields] of entries) onValue(fields[1]!);
      from = entries[entries.length - 1]![0].toString();
    }
  })();
  return () => redis.disconnect();
}
