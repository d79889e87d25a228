// kill -9 at each step of a transaction (issue 16, crash contract): a broker child process is SIGKILLed
// (1) with the transaction open after AddPartitions and produce, (2) right after PrepareCommit is durable and
// before any marker, (3) after the markers and before CompleteCommit. After a restart every partition must
// agree on one outcome (committed for 2 and 3: the decision was durable; aborted for 1, by the timeout),
// read_committed readers must reach the log end (no stuck LSO), and the transactional id must work again.
// The crash points are the coordinator's fault hook (RIVULET_TXN_CRASH_AT, src/transactions/index.ts).

import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { eventually, sleep } from "../kafka/helpers.js";
import { brokerChildren, closeBroker, exited } from "../helpers/broker-child.js";

const brokers = brokerChildren();

function client(kafkaPort: number): Kafka {
  return new Kafka({ brokers: [`127.0.0.1:${kafkaPort}`], clientId: "txn-crash", logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 }, requestTimeout: 5000 });
}

/** Values a fresh consumer reads from `topic` with the given isolation, once `expected` arrived (or 4 s). */
async function readAll(kafka: Kafka, topic: string, readUncommitted: boolean, expected: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `crash-reader-${Math.random()}`, readUncommitted, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
  const deadline = Date.now() + 4000;
  while (values.length < expected && Date.now() < deadline) await sleep(50);
  await sleep(300);
  await consumer.disconnect();
  return values.sort();
}

type Step = "open" | "prepared" | "markers-written";

describe("kill -9 during a transaction", () => {
  for (const step of ["open", "prepared", "markers-written"] as Step[]) {
    it(`crash ${step === "open" ? "with the transaction open (after AddPartitions and produce)" : `at ${step}`}: every partition agrees, the LSO reaches the log end`, async () => {
      const dataDir = brokers.dataDir("txn-crash");
      const first = await brokers.start(dataDir, step === "open" ? undefined : step);
      let kafka = client(first.kafkaPort);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: "crash", numPartitions: 2 }] });
      await admin.disconnect();
      const producer = kafka.producer({ transactionalId: `crash-${step}`, maxInFlightRequests: 1, idempotent: true, transactionTimeout: 1500 });
      await producer.connect();
      const txn = await producer.transaction();
      await txn.send({ topic: "crash", messages: [{ value: "p0", partition: 0 }, { value: "p1", partition: 1 }] });
      if (step === "open") first.child.kill("SIGKILL");
      else await txn.commit().catch(() => undefined); // the broker kills itself mid-EndTxn
      await exited(first.child);
      expect(first.child.signalCode).toBe("SIGKILL");
      await producer.disconnect().catch(() => undefined);

      const second = await brokers.start(dataDir);
      kafka = client(second.kafkaPort);
      const committed = step !== "open";
      // One data batch and one marker per partition: read_committed's end (the LSO) must reach 2 on both.
      const check = kafka.admin();
      await check.connect();
      await eventually(async () => {
        const offsets = await check.fetchTopicOffsets("crash"); // kafkajs lists with read_committed
        return offsets.every((o) => o.high === "2");
      }, 10_000, "LSO at the log end on both partitions");
      await check.disconnect();
      expect(await readAll(kafka, "crash", false, committed ? 2 : 0)).toEqual(committed ? ["p0", "p1"] : []);
      expect(await readAll(kafka, "crash", true, 2)).toEqual(["p0", "p1"]);

      // The id is usable again: a new instance commits a new transaction.
      const again = kafka.producer({ transactionalId: `crash-${step}`, maxInFlightRequests: 1, idempotent: true });
      await again.connect();
      const next = await again.transaction();
      await next.send({ topic: "crash", messages: [{ value: "after", partition: 0 }] });
      await next.commit();
      await again.disconnect();
      expect(await readAll(kafka, "crash", false, committed ? 3 : 1)).toEqual(committed ? ["after", "p0", "p1"] : ["after"]);

      await closeBroker(second);
    }, 60_000);
  }
});
