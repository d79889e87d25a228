// Continuous acks=all produce to each partition of a topic (one kafkajs send loop per partition), recording
// what the cluster tests assert about availability: the acknowledged values, the failed sends, and per
// partition the longest window without an acknowledgement (from the last ack before a stall to the first
// ack after it). kafkajs retries retriable errors inside send(), so a leader move shows as one slow send; a
// send that gives up shows as a failure; both count in the window.

import type { Kafka } from "kafkajs";

export interface PartitionLoad {
  acked: string[];
  failures: string[];
  /** Longest stretch without an acknowledgement, per partition, in ms. */
  longestGapMs: number[];
  stop(): Promise<void>;
}

export function loadPartitions(kafka: Kafka, topic: string, partitions: number): PartitionLoad {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const acked: string[] = [];
  const failures: string[] = [];
  const longestGapMs = Array.from({ length: partitions }, () => 0);
  let running = true;
  const connected = producer.connect();
  const loops = Array.from({ length: partitions }, async (_, p) => {
    await connected;
    let lastAck = performance.now();
    for (let i = 0; running; i++) {
      const value = `${topic}-${p}-${i}`;
      try {
        await producer.send({ topic, acks: -1, messages: [{ value, partition: p }] });
        const now = performance.now();
        longestGapMs[p] = Math.max(longestGapMs[p]!, now - lastAck);
        lastAck = now;
        acked.push(value);
      } catch (error) {
        failures.push(`${value}: ${(error as Error).name}: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  return {
    acked,
    failures,
    longestGapMs,
    async stop() {
      running = false;
      await Promise.all(loops);
      await producer.disconnect();
    },
  };
}
