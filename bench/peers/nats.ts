// NATS JetStream through the `nats` package: one file-backed stream per run (one subject, so one ordered
// log as a partition is); publish with acknowledgements, pipelined (a window of publishes awaiting their
// PubAck); read back with a pull consumer (ack policy none: no consumer of any system acknowledges here).
import { AckPolicy, connect, DeliverPolicy, StorageType, type NatsConnection } from "nats";
import { now, type Consuming, type PacedSender, type Producing, type Timing } from "./workload.js";

// 1,024 unacknowledged publishes: the fastest of 64-30,000 tried here. nats.js spends ~50 us of CPU per
// JetStream publish (a request with its own timer per message), five times the server's time: the client,
// not nats-server, bounds the produce figure.
const WINDOW = 1024;
/** PubAck wait; generous, so that a backlog shows up as latency rather than as a failed run. */
const ACK_TIMEOUT_MS = 60_000;
const PULL_BATCH = 10_000;

const open = (port: number) => connect({ servers: `127.0.0.1:${port}`, maxReconnectAttempts: 0 });

/** Creates the stream for `subject` (stream and subject share the name). */
export async function natsCreateStream(port: number, name: string): Promise<void> {
  const nc = await open(port);
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name, subjects: [name], storage: StorageType.File });
  await nc.close();
}

export function natsProducing(port: number): Producing {
  return {
    async produce(stream: string, values: Buffer[]): Promise<Timing> {
      await natsCreateStream(port, stream);
      const nc = await open(port);
      const js = nc.jetstream();
      const start = now();
      let inFlight = 0;
      let failure: unknown;
      let room: (() => void) | undefined;
      const settled = () => {
        inFlight--;
        room?.();
      };
      for (let i = 0; i < values.length && !failure; i++) {
        while (inFlight >= WINDOW) await new Promise<void>((resolve) => (room = resolve));
        inFlight++;
        js.publish(stream, values[i]!, { timeout: ACK_TIMEOUT_MS }).then(settled, (error: unknown) => {
          failure ??= error;
          settled();
        });
      }
      while (inFlight > 0) await new Promise<void>((resolve) => (room = resolve));
      const seconds = (now() - start) / 1000;
      await nc.close();
      if (failure) throw failure;
      return { records: values.length, seconds };
    },
  };
}

async function pullConsumer(nc: NatsConnection, stream: string, deliver: DeliverPolicy) {
  const jsm = await nc.jetstreamManager();
  const name = `bench-${deliver}`;
  await jsm.consumers.add(stream, { durable_name: name, ack_policy: AckPolicy.None, deliver_policy: deliver });
  return nc.jetstream().consumers.get(stream, name);
}

export function natsConsuming(port: number): Consuming {
  return {
    async consume(stream: string, count: number): Promise<Timing> {
      const nc = await open(port);
      const start = now();
      const consumer = await pullConsumer(nc, stream, DeliverPolicy.All);
      const messages = await consumer.consume({ max_messages: PULL_BATCH });
      let seen = 0;
      for await (const m of messages) {
        if (m.data.length !== 100) throw new Error("nats: unexpected value size");
        if (++seen >= count) break;
      }
      const seconds = (now() - start) / 1000;
      // Not messages.close(): with nats 2.29 against server 2.9 it can wait forever; closing the connection
      // ends the pull.
      void messages.close().catch(() => {});
      await nc.close();
      return { records: seen, seconds };
    },
  };
}

/**
 * PubAck wait in the latency run: when nats.js falls behind, nats-server treats its ack inbox as a slow
 * consumer and drops acks, which then never come; 10 s ends such a run in reasonable time.
 */
const LATENCY_ACK_TIMEOUT_MS = 10_000;

export async function natsSender(port: number, stream: string): Promise<PacedSender> {
  const nc = await open(port);
  const js = nc.jetstream();
  const pending = new Set<Promise<unknown>>();
  let failure: unknown;
  return {
    get unacknowledged() {
      return pending.size;
    },
    abandon() {
      void nc.close().catch(() => {});
    },
    send(values) {
      for (const value of values) {
        const p = js.publish(stream, value, { timeout: LATENCY_ACK_TIMEOUT_MS }).catch((error: unknown) => void (failure ??= error));
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }
    },
    async finish() {
      await Promise.all(pending);
      await nc.close();
      if (failure) throw failure;
    },
  };
}

/** The tailing consumer (in tail.ts's process): a pull consumer delivering only new messages. */
export async function natsTail(port: number, stream: string, onValue: (value: Uint8Array) => void, ready: () => void): Promise<() => Promise<void>> {
  const nc = await open(port);
  const consumer = await pullConsumer(nc, stream, DeliverPolicy.New);
  const messages = await consumer.consume({ max_messages: 1000 });
  ready();
  void (async () => {
    for await (const m of messages) onValue(m.data);
  })();
  return async () => {
    void messages.close().catch(() => {});
    await nc.close();
  };
}
