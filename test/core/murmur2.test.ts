import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, murmur2, partitionForKey } from "../../src/core/index.js";
import { randomBytes, seededRandom } from "../helpers/random.js";

const require = createRequire(import.meta.url);
// kafkajs's Java-compatible default partitioner: an independent implementation of the same function.
const kafkajsMurmur2 = require("kafkajs/src/producer/partitioners/default/murmur2.js") as (key: Buffer) => number;
const { Partitioners } = require("kafkajs") as {
  Partitioners: { DefaultPartitioner: () => (args: unknown) => number };
};

describe("murmur2", () => {
  it("matches the known answers from Kafka's own Utils tests", () => {
    const cases: Array<[string, number]> = [
      ["21", -973932308],
      ["foobar", -790332482],
      ["a-little-bit-long-string", -985981536],
      ["a-little-bit-longer-string", -1486304829],
      ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
      ["abc", 479470107],
    ];
    for (const [key, expected] of cases) expect(murmur2(key), key).toBe(expected);
  });

  it("agrees with kafkajs's murmur2 on every length 0..64 and random keys", () => {
    const random = seededRandom(7);
    for (let len = 0; len <= 64; len++) {
      const key = randomBytes(random, len);
      expect(murmur2(key)).toBe(kafkajsMurmur2(Buffer.from(key)) | 0);
    }
  });

  it("partitionForKey agrees with kafkajs's DefaultPartitioner on 2,000 random keys", () => {
    const random = seededRandom(42);
    const partitioner = Partitioners.DefaultPartitioner();
    for (let i = 0; i < 2000; i++) {
      const partitions = 1 + Math.floor(random() * 64);
      const key = randomBytes(random, Math.floor(random() * 40));
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
      const expected = partitioner({ topic: "t", partitionMetadata, message: { key: Buffer.from(key) } });
      expect(partitionForKey(key, partitions)).toBe(expected);
    }
  });

  it("hashes strings as their UTF-8 bytes", () => {
    expect(partitionForKey("clé-ü", 7)).toBe(partitionForKey(new TextEncoder().encode("clé-ü"), 7));
  });

  it("rejects a partition count that is not a positive integer", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => partitionForKey("k", bad)).toThrow(InvalidArgumentError);
    }
    expect(partitionForKey("k", 3)).toBeGreaterThanOrEqual(0);
  });
});
