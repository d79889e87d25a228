// kill -9 while an acks=all record has been seen by readers but not acknowledged to its producer
// (docs/storage.md, "When consumers see a record" and "The durability contract"). The broker runs as a child
// process (test/helpers/broker-child.ts) with its fdatasyncs held by the shard fault hook (ShardFaults, passed
// in the child's JSON config like any BrokerConfig field): a WebSocket subscriber and a Kafka long-poll Fetch
// both get the record, the producer has no answer, then the process is killed with SIGKILL. A process kill
// keeps the page cache, and the record was written before it was announced, so after the restart it is
// expected at its offset: the tests assert it is, that offsets stay contiguous with nothing repeated, and
// that the partition reads and takes appends at the next offset.
import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { brokerChildren, closeBroker, exited } from "../helpers/broker-child.js";
import { nextWithin, take } from "../helpers/consume.js";
import { heldFsync, outcomeOf, settlesWithin } from "../helpers/held-fsync.js";
import { fetchedRecords, fetchPartition, Wire } from "../helpers/kafka-wire.js";
import { sleep, text } from "../helpers/ws-server.js";

const children = brokerChildren();
const fsync = heldFsync("kill-early-wake");
const topic = "early-wake-kill";

describe("kill -9 after readers saw an acks=all record its producer was never acknowledged", () => {
  it("finds the record at its offset after the restart, offsets contiguous, the partition readable and appendable", async () => {
    const dataDir = children.dataDir("early-wake-kill");
    const broker = await children.start(dataDir, undefined, { shards: 1, shardFaults: fsync.faults });
    const client = await connect({ url: `ws://127.0.0.1:${broker.port}/ws`, reconnect: false });
    const fetcher = await Wire.open(`127.0.0.1:${broker.kafkaPort}`);
    const acked = ["acked-0", "acked-1", "acked-2", "acked-3", "acked-4"];
    try {
      await client.admin.createTopic(topic, { partitions: 1 });
      const producer = client.producer({ acks: "all", lingerMs: 0, retries: 0 });
      for (const [i, value] of acked.entries()) expect((await producer.send({ topic, partition: 0, value })).offset).toBe(BigInt(i));
      const consumer = client.consumer({ topic, from: "earliest" });
      expect((await take(consumer, acked.length)).map((r) => text(r.value))).toEqual(acked);

      // Both readers wait at the log end (offset 5); the child cannot be asked whether they parked, so give them time.
      const started = performance.now();
      const longPoll = fetchPartition(fetcher, topic, 0, 5n, { maxWaitMs: 5_000 });
      await sleep(300);

      fsync.hold();
      let answered = false;
      const held = outcomeOf(producer.send({ topic, partition: 0, value: "held" })).finally(() => (answered = true));
      const seen = await nextWithin(consumer, 5_000, () => "the subscriber did not get the acks=all record while its fdatasync was held");
      expect([seen.offset, text(seen.value)]).toEqual([5n, "held"]);
      const polled = await longPoll;
      expect(performance.now() - started).toBeLessThan(4_000);
      expect(fetchedRecords(polled, 5n)).toEqual([[5n, "held"]]);
      expect(polled.highWatermark).toBe(6n);
      expect(answered).toBe(false);
      expect(await settlesWithin(held, 200)).toBe(false);

      broker.child.kill("SIGKILL");
      await exited(broker.child);
      // Never acknowledged: the connection died with the process.
      expect("error" in (await held)).toBe(true);
    } finally {
      fetcher.close();
      client.close();
    }

    // Restart without the fault (the hold is gone too, so later acks=all produces are answered).
    fsync.release();
    const restarted = await children.start(dataDir, undefined, { shards: 1 });
    const again = await connect({ url: `ws://127.0.0.1:${restarted.port}/ws`, reconnect: false });
    const reader = await Wire.open(`127.0.0.1:${restarted.kafkaPort}`);
    try {
      // Found: the record the readers saw, at the offset they saw it at, after every acknowledged one.
      const reread = again.consumer({ topic, from: "earliest" });
      const got = await take(reread, acked.length + 1);
      expect(got.map((r) => [r.offset, text(r.value)])).toEqual([...acked, "held"].map((value, i) => [BigInt(i), value]));
      expect(await settlesWithin(reread.next(), 300)).toBe(false);
      await reread.close();
      expect((await again.producer({ acks: "all", lingerMs: 0 }).send({ topic, partition: 0, value: "after-restart" })).offset).toBe(6n);
      const all = await fetchPartition(reader, topic, 0, 0n, { maxWaitMs: 0 });
      expect(fetchedRecords(all).map(([offset]) => offset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n]);
      expect(fetchedRecords(all).at(-1)).toEqual([6n, "after-restart"]);
      expect(all.highWatermark).toBe(7n);
    } finally {
      reader.close();
      again.close();
      await closeBroker(restarted);
    }
    expect(restarted.child.exitCode).toBe(0);
  }, 90_000);
});
