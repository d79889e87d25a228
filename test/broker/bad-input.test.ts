import { describe, expect, it } from "vitest";
import { CorruptRecordError, encodeRecordBatch } from "../../src/core/index.js";
import { batch, tempDataDirs } from "./helpers.js";
import { flip } from "../helpers/flip.js";

const env = tempDataDirs();

describe("bad requests get typed errors and leave the broker serving others", () => {
  it("unknown topic/partition, corrupt, oversized, control, keyless-to-compacted, negative offsets, bad acks", async () => {
    const broker = await env.broker();
    await broker.createTopic("ok", { configs: { "max.message.bytes": "2000" } });
    await broker.createTopic("compacted", { configs: { "cleanup.policy": "compact" } });
    await expect(broker.produce("missing", 0, batch(["x"]))).rejects.toMatchObject({ code: "UNKNOWN_TOPIC_OR_PARTITION", kafkaCode: 3 });
    await expect(broker.produce("ok", 7, batch(["x"]))).rejects.toMatchObject({ kafkaCode: 3 });
    await expect(broker.produce("ok", -1, batch(["x"]))).rejects.toMatchObject({ kafkaCode: 3 });

    const corrupt = batch(["x"]);
    flip(corrupt, corrupt.length - 1, 0xff);
    const error = await broker.produce("ok", 0, corrupt).catch((e) => e);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect(error).toMatchObject({ code: "CORRUPT_MESSAGE", kafkaCode: 2, reason: "BAD_CRC" });
    await expect(broker.produce("ok", 0, new Uint8Array(30))).rejects.toMatchObject({ kafkaCode: 2 });

    await expect(broker.produce("ok", 0, batch(["y".repeat(3000)]))).rejects.toMatchObject({ code: "MESSAGE_TOO_LARGE", kafkaCode: 10 });
    const control = encodeRecordBatch([{ key: "k", value: "v" }], { attributes: 0x20 });
    await expect(broker.produce("ok", 0, control)).rejects.toMatchObject({ code: "INVALID_RECORD", kafkaCode: 87 });
    const keyless = encodeRecordBatch([{ key: null, value: "v" }]);
    await expect(broker.produce("compacted", 0, keyless)).rejects.toMatchObject({ code: "INVALID_RECORD" });

    await expect(broker.fetch("ok", 0, -1n)).rejects.toMatchObject({ code: "OFFSET_OUT_OF_RANGE", kafkaCode: 1 });
    await expect(broker.fetch("ok", 0, 5n)).rejects.toMatchObject({ code: "OFFSET_OUT_OF_RANGE" });
    await expect(broker.produce("ok", 0, batch(["x"]), { acks: 2 as never })).rejects.toMatchObject({ code: "INVALID_REQUIRED_ACKS" });

    // And it still serves everyone.
    expect((await broker.produce("ok", 0, batch(["fine"]))).baseOffset).toBe(0n);
    expect((await broker.fetch("ok", 0, 0n)).records.length).toBeGreaterThan(0);
  });
});
