import { describe, expect, it } from "vitest";
import { createBroker } from "../../src/broker/index.js";
import { batch, tempDataDirs } from "./helpers.js";

const env = tempDataDirs();

describe("idempotent producer", () => {
  it("deduplicates retries (also across a restart), rejects gaps and stale epochs", async () => {
    const dataDir = env.dir();
    let broker = await createBroker({ dataDir, shards: 2 });
    await broker.createTopic("idem", { partitions: 2 });
    const { producerId, producerEpoch } = broker.initProducerId();
    expect(producerId).toBeGreaterThanOrEqual(0n);
    const send = (seq: number, values: string[], epoch = producerEpoch, partition = 0) =>
      broker.produce("idem", partition, batch(values, { producerId, producerEpoch: epoch, baseSequence: seq }));

    const first = await send(0, ["a", "b"]);
    const second = await send(2, ["c"]);
    expect([first.baseOffset, second.baseOffset]).toEqual([0n, 2n]);
    const retry = await send(0, ["a", "b"]);
    expect(retry).toMatchObject({ baseOffset: 0n, duplicate: true });
    await expect(send(5, ["gap"])).rejects.toMatchObject({ code: "OUT_OF_ORDER_SEQUENCE_NUMBER", kafkaCode: 45 });
    // Sequences are per partition.
    expect((await send(0, ["other partition"], producerEpoch, 1)).baseOffset).toBe(0n);

    await broker.close();
    broker = await env.broker({ dataDir, shards: 1 });
    expect(await send(2, ["c"])).toMatchObject({ baseOffset: 2n, duplicate: true });
    expect((await send(3, ["d"])).baseOffset).toBe(3n);
    // A newer epoch fences the old one.
    expect((await send(0, ["e"], producerEpoch + 1)).baseOffset).toBe(4n);
    await expect(send(4, ["stale"], producerEpoch)).rejects.toMatchObject({ code: "INVALID_PRODUCER_EPOCH", kafkaCode: 47 });
    // Ids are never handed out twice, even across restarts.
    expect(broker.initProducerId().producerId).toBeGreaterThan(producerId);
    expect((await broker.fetch("idem", 0, 0n)).logEndOffset).toBe(5n);
  });

  it("a producerId of -1 is not idempotent, whatever the sequence says", async () => {
    const broker = await env.broker();
    await broker.createTopic("plain");
    const b = () => batch(["x"], { producerId: -1n, producerEpoch: 0, baseSequence: 0 });
    expect((await broker.produce("plain", 0, b())).baseOffset).toBe(0n);
    expect((await broker.produce("plain", 0, b())).baseOffset).toBe(1n);
  });
});
