// CHUNK frames built in one reused buffer (src/frontends/ws/session.ts, for a transport that copies on
// send): several subscriptions on one connection read concurrently from the start in multi-MiB chunks (the
// buffer grows), then tail small records one at a time (it shrinks back): every record arrives exactly
// once, in order, byte for byte, whichever subscription's frame was built in the buffer last.
import { describe, expect, it } from "vitest";
import { take } from "../helpers/consume.js";
import { randomBytes, seededRandom } from "../helpers/random.js";
import { sharedServer, wsServers } from "../helpers/ws-server.js";

const env = wsServers();
const shared = sharedServer(env);

describe("CHUNK frames from a reused buffer", () => {
  it("three subscriptions on one connection, big chunks then small ones: every record once, in order, exact", async () => {
    const partitions = [0, 1, 2];
    await shared.client.admin.createTopic("chunk-frames", { partitions: partitions.length });
    const random = seededRandom(14);
    const sent = partitions.map(() => [] as Uint8Array[]);
    const producer = shared.client.producer({ lingerMs: 5 });
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 400; i++) {
      for (const p of partitions) {
        const value = randomBytes(random, 1 + ((i * 7919 + p * 104729) % 40_000));
        sent[p]!.push(value);
        sends.push(producer.send({ topic: "chunk-frames", partition: p, value }));
      }
    }
    await Promise.all(sends);
    const consumers = partitions.map((p) =>
      shared.client.consumer({ topic: "chunk-frames", partitions: [p], from: "earliest", maxChunkBytes: 6 << 20, windowBytes: 16 << 20 }),
    );
    const got = await Promise.all(consumers.map((c) => take(c, 400, 30_000)));
    for (const p of partitions) {
      expect(got[p]!.map((r) => r.offset)).toEqual(sent[p]!.map((_, i) => BigInt(i)));
      got[p]!.forEach((r, i) => expect(Buffer.from(r.value!).equals(Buffer.from(sent[p]![i]!)), `partition ${p} record ${i}`).toBe(true));
    }

    // Tailing: one small record at a time per partition, interleaved.
    for (let i = 0; i < 10; i++) {
      for (const p of partitions) {
        const value = randomBytes(random, 1 + i);
        sent[p]!.push(value);
        await producer.send({ topic: "chunk-frames", partition: p, value });
      }
      const tail = await Promise.all(consumers.map((c) => take(c, 1)));
      for (const p of partitions) {
        expect(tail[p]![0]!.offset).toBe(BigInt(400 + i));
        expect([...tail[p]![0]!.value!]).toEqual([...sent[p]![400 + i]!]);
      }
    }
    await Promise.all(consumers.map((c) => c.close()));
    await producer.close();
  }, 60_000);
});
