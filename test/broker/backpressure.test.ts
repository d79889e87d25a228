import { describe, expect, it } from "vitest";
import { batch, tempDataDirs } from "./helpers.js";

const env = tempDataDirs();

describe("shard backpressure", () => {
  it("reports needsDrain when a shard's task slots are full and emits drain when they free up", async () => {
    const broker = await env.broker({ shards: 1, shardConcurrency: 2, shardMaxQueue: 1000 });
    await broker.createTopic("bp", { configs: { "flush.messages": "1" } });
    let drained = 0;
    broker.on("drain", () => drained++);
    const pending = Array.from({ length: 40 }, () => broker.produce("bp", 0, batch(["x"]), { acks: "all" }));
    // The produces reach the shard after a few awaits each; watch until tasks queue beyond the two slots
    // (or every produce has settled, which would mean they never queued and the assertions below fail).
    let settled = false;
    const all = Promise.all(pending).finally(() => (settled = true));
    while (!settled && broker.shardStats()[0]!.queued === 0) await new Promise((r) => setImmediate(r));
    expect(broker.shardStats()[0]!.inFlight).toBeGreaterThan(2);
    expect(broker.needsDrain).toBe(true);
    expect(broker.partitionNeedsDrain("bp", 0)).toBe(true);
    await all;
    const results = await Promise.all(pending);
    expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i)));
    await new Promise((r) => setTimeout(r, 10));
    expect(broker.needsDrain).toBe(false);
    expect(drained).toBeGreaterThan(0);
  });
});
