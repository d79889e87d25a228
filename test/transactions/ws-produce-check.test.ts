// The WebSocket door's transactional PRODUCE on one broker (the cluster case: test/cluster/txn-ws-verify.test.ts):
// the frame must name its transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 53); a batch for a
// partition TXN_ADD did not name is INVALID_TXN_STATE (48), one from a fenced epoch INVALID_PRODUCER_EPOCH
// (47), one naming an id that does not hold its producer INVALID_TXN_STATE; none of them is appended, and a
// frame mixing them with good items appends only the good ones.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type RivuletClient } from "../../src/client/index.js";
import { Attributes, encodeRecordBatch } from "../../src/core/index.js";
import { FrameType, type ServerFrame } from "../../src/protocol/ws/index.js";
import { kafkaServers, type KafkaTestServer } from "../kafka/helpers.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let c: RivuletClient;
const TOPIC = "ws-check";

beforeAll(async () => {
  s = await servers.start();
  c = await connect({ url: s.wsUrl });
  await c.admin.createTopic(TOPIC, { partitions: 2 });
});

afterAll(() => c?.close());

type Producer = { producerId: bigint; producerEpoch: number };
const call = (frame: Parameters<RivuletClient["connection"]["request"]>[0]): Promise<ServerFrame> => c.connection.request(frame);

async function init(transactionalId: string): Promise<Producer> {
  const r = await call({ type: FrameType.TXN_INIT, transactionalId, timeoutMs: 60_000 });
  if (r.type !== FrameType.PRODUCER_ID) throw new Error("no PRODUCER_ID");
  return { producerId: r.producerId, producerEpoch: r.producerEpoch };
}

const item = (partition: number, p: Producer, seq: number, value: string) => ({ topic: TOPIC, partition, batch: encodeRecordBatch([{ value }], { ...p, baseSequence: seq, attributes: Attributes.TRANSACTIONAL }) });

async function produce(items: ReturnType<typeof item>[], transactionalId?: string): Promise<number[]> {
  const r = await call({ type: FrameType.PRODUCE, acks: -1, timeoutMs: 5000, items, ...(transactionalId !== undefined ? { transactionalId } : {}) });
  if (r.type !== FrameType.PRODUCE_RESULT) throw new Error("no PRODUCE_RESULT");
  return r.items.map((i) => i.errorCode);
}

async function ends(): Promise<bigint[]> {
  const r = await call({ type: FrameType.LIST_OFFSETS, items: [0, 1].map((partition) => ({ topic: TOPIC, partition, timestamp: -1n })) });
  if (r.type !== FrameType.OFFSETS_RESULT) throw new Error("no OFFSETS_RESULT");
  return r.items.map((i) => i.offset);
}

describe("WebSocket transactional PRODUCE, one broker", () => {
  it("refuses batches outside the transaction, without the id, under another id or from a fenced epoch; appends only the good items", async () => {
    const first = await init("wsc-1");
    await init("wsc-other");
    await call({ type: FrameType.TXN_ADD, transactionalId: "wsc-1", ...first, partitions: [{ topic: TOPIC, partition: 0 }], group: "" });
    const before = await ends();
    expect(await produce([item(0, first, 0, "no-id")])).toEqual([53]);
    expect(await produce([item(0, first, 0, "wrong-id")], "wsc-other")).toEqual([48]);
    // Partition 1 was not added: refused; partition 0 in the same frame is appended.
    expect(await produce([item(1, first, 0, "not-added"), item(0, first, 0, "good")], "wsc-1")).toEqual([48, 0]);
    expect(await ends()).toEqual([before[0]! + 1n, before[1]!]);

    const second = await init("wsc-1"); // fences the first: its open transaction is aborted (a marker)
    await call({ type: FrameType.TXN_ADD, transactionalId: "wsc-1", ...second, partitions: [{ topic: TOPIC, partition: 0 }], group: "" });
    const fenced = await ends();
    expect(await produce([item(0, first, 1, "zombie")], "wsc-1")).toEqual([47]);
    expect(await ends()).toEqual(fenced);
    expect(await produce([item(0, second, 0, "second")], "wsc-1")).toEqual([0]);
    await call({ type: FrameType.TXN_END, transactionalId: "wsc-1", ...second, commit: true });
  });
});
