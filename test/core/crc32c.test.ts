// CRC-32C through the WASM core: published vectors, a differential check against the plain-TS reference
// over every length class the kernels distinguish (slice-by-8 below 128 bytes; SIMD rounds of 128 bytes,
// then 32-byte steps, then a 0..31-byte tail; the wrapper's copy chunks), unaligned pointers, split inputs,
// and kafkajs.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { Crc32c, crc32c } from "../../src/core/crc32c.js";
import { allocOrThrow, core, heap } from "../../src/core/instance.js";
import { crc32cBitwise, crc32cRef } from "../reference/crc32c-ref.js";
import { randomBytes, randomInt, seededRandom } from "../helpers/random.js";

const require = createRequire(import.meta.url);
// kafkajs's own CRC-32C (byte-at-a-time table), the one its RecordBatch codec uses: an independent
// implementation. The module exports the function itself; it returns an unsigned number.
const kafkajsCrc32c = require("kafkajs/src/protocol/recordBatch/crc32C/crc32C.js") as (buffer: Buffer) => number;

const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;
const ascii = (s: string) => new TextEncoder().encode(s);
const filled = (length: number, f: (i: number) => number) => Uint8Array.from({ length }, (_, i) => f(i));

/** Lengths where the kernels change behaviour, for a given period: k * period + {-1, 0, +1}. */
function around(period: number, multiples: number[]): number[] {
  return multiples.flatMap((k) => [k * period - 1, k * period, k * period + 1]).filter((n) => n >= 0);
}

describe("crc32c: known answers", () => {
  const vectors: Array<[string, Uint8Array, number]> = [
    ["empty input", new Uint8Array(0), 0],
    ['"123456789" (the CRC catalogue check value)', ascii("123456789"), 0xe3069283],
    // RFC 3720 (iSCSI) appendix B.4.
    ["32 bytes of 0x00", new Uint8Array(32), 0x8a9136aa],
    ["32 bytes of 0xFF", new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ["32 bytes ascending 0x00..0x1F", filled(32, (i) => i), 0x46dd794e],
    ["32 bytes descending 0x1F..0x00", filled(32, (i) => 31 - i), 0x113fdb5c],
  ];

  for (const [name, data, expected] of vectors) {
    it(`${name} -> ${hex(expected)}`, () => {
      expect(hex(crc32c(data))).toBe(hex(expected));
      expect(hex(crc32cRef(data))).toBe(hex(expected));
      expect(hex(crc32cBitwise(data))).toBe(hex(expected));
    });
  }

  it("the table reference agrees with the bitwise definition on every length 0..300", () => {
    const random = seededRandom(3720);
    for (let len = 0; len <= 300; len++) {
      const data = randomBytes(random, len);
      expect(crc32cRef(data), `length ${len}`).toBe(crc32cBitwise(data));
    }
  });
});

describe("crc32c: against the reference", () => {
  it("agrees on every length 0..1100 (every round count 0..7, step count 0..3 and tail 0..31)", () => {
    const random = seededRandom(1);
    for (let len = 0; len <= 1100; len++) {
      const data = randomBytes(random, len);
      expect(crc32c(data), `length ${len}`).toBe(crc32cRef(data));
    }
  });

  it("agrees around multiples of the 128-byte round, of 4 KiB and of the 64 KiB copy chunk", () => {
    const random = seededRandom(2);
    const lengths = [
      ...around(128, [9, 10, 16, 31, 32, 33, 64, 100, 257]),
      ...around(4096, [1, 2, 3, 4, 7, 8, 15, 16, 17]),
      ...around(64 * 1024, [1, 2, 3, 5]),
      ...around(1 << 20, [1]),
    ];
    for (const len of lengths) {
      const data = randomBytes(random, len);
      expect(crc32c(data), `length ${len}`).toBe(crc32cRef(data));
    }
  });

  it("agrees on random lengths up to 3 MiB", () => {
    const random = seededRandom(3);
    const big = randomBytes(random, 3 * 1024 * 1024 + 64);
    for (let i = 0; i < 24; i++) {
      const len = i < 12 ? randomInt(random, 0, 70_000) : randomInt(random, 0, big.length - 64);
      const start = randomInt(random, 0, 63);
      const data = big.subarray(start, start + len);
      expect(crc32c(data), `length ${len} at ${start}`).toBe(crc32cRef(data));
    }
  });

  it("agrees on structured inputs that random bytes rarely produce (all zeros, all ones, one bit set)", () => {
    for (const len of [255, 256, 257, 1000, 4096, 65_537]) {
      const zeros = new Uint8Array(len);
      const ones = new Uint8Array(len).fill(0xff);
      expect(crc32c(zeros), `zeros ${len}`).toBe(crc32cRef(zeros));
      expect(crc32c(ones), `ones ${len}`).toBe(crc32cRef(ones));
    }
    // A single set bit at each position of a 4-block input exercises every lane, plane and nibble table.
    const data = new Uint8Array(512);
    for (let bit = 0; bit < data.length * 8; bit++) {
      data[bit >> 3] = 1 << (bit & 7);
      expect(crc32c(data), `bit ${bit}`).toBe(crc32cRef(data));
      data[bit >> 3] = 0;
    }
  });

  it("agrees on subarrays starting at offsets 1..15 of a larger buffer", () => {
    const random = seededRandom(4);
    const backing = randomBytes(random, 20_000);
    for (let offset = 1; offset <= 15; offset++) {
      for (const len of [7, 100, 255, 256, 300, 1000, 4097, 16_384]) {
        const data = backing.subarray(offset, offset + len);
        expect(crc32c(data), `length ${len} at offset ${offset}`).toBe(crc32cRef(data));
      }
    }
  });
});

describe("crc32c_update in linear memory (as other core code calls it)", () => {
  const size = 70_000;
  const base = allocOrThrow(size + 64);

  it("agrees with the reference at unaligned pointers 0..15 and with a non-zero incoming CRC", () => {
    const random = seededRandom(5);
    const data = randomBytes(random, size);
    for (let misalign = 0; misalign < 16; misalign++) {
      heap().set(data, base + misalign);
      for (const len of [0, 1, 63, 255, 256, 257, 383, 1000, 4096, 12_345, size]) {
        const part = data.subarray(0, len);
        expect(core.crc32c_update(0, base + misalign, len) >>> 0, `len ${len} +${misalign}`).toBe(crc32cRef(part));
        const seed = crc32cRef(data.subarray(len, len + 9));
        expect(core.crc32c_update(seed, base + misalign, len) >>> 0).toBe(crc32cRef(part, seed));
      }
    }
  });

  it("reads exactly [ptr, ptr + len): bytes on either side do not change the result", () => {
    const random = seededRandom(6);
    for (const len of [0, 5, 128, 256, 300, 1024, 5000]) {
      const data = randomBytes(random, len);
      const ptr = base + 32;
      heap().set(data, ptr);
      heap().fill(0x00, base, ptr);
      heap().fill(0x00, ptr + len, ptr + len + 32);
      const before = core.crc32c_update(0, ptr, len);
      heap().fill(0xa5, base, ptr);
      heap().fill(0x5a, ptr + len, ptr + len + 32);
      expect(core.crc32c_update(0, ptr, len), `length ${len}`).toBe(before);
      expect(before >>> 0).toBe(crc32cRef(data));
    }
  });
});

describe("crc32c: incremental equals one-shot", () => {
  it("Crc32c over random splits, including odd positions", () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 60; trial++) {
      const data = randomBytes(random, randomInt(random, 0, trial < 40 ? 3000 : 200_000));
      const expected = crc32cRef(data);
      const hash = new Crc32c();
      let offset = 0;
      while (offset < data.length) {
        const piece = randomInt(random, 0, Math.max(1, data.length >> 2)) | 1; // odd sizes straddle everything
        hash.update(data.subarray(offset, offset + piece));
        offset += piece;
      }
      expect(hash.digest(), `trial ${trial}, ${data.length} bytes`).toBe(expected);
    }
  });

  it("the seed argument chains a split at every position of a 700-byte input", () => {
    const data = randomBytes(seededRandom(8), 700);
    const expected = crc32cRef(data);
    for (let cut = 0; cut <= data.length; cut++) {
      expect(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut))), `cut ${cut}`).toBe(expected);
    }
  });

  it("many tiny pieces (1..3 bytes) and empty updates", () => {
    const random = seededRandom(9);
    const data = randomBytes(random, 5000);
    const hash = new Crc32c().update(new Uint8Array(0));
    for (let offset = 0; offset < data.length; ) {
      const piece = randomInt(random, 1, 3);
      hash.update(data.subarray(offset, offset + piece)).update(new Uint8Array(0));
      offset += piece;
    }
    expect(hash.digest()).toBe(crc32cRef(data));
    expect(new Crc32c().digest()).toBe(0);
  });

  it("accepts any finished CRC as the seed, including ones with the top bit set", () => {
    const data = randomBytes(seededRandom(10), 1000);
    for (const seed of [0, 1, 0x7fffffff, 0x80000000, 0xe3069283, 0xffffffff]) {
      expect(crc32c(data, seed), hex(seed)).toBe(crc32cRef(data, seed));
      expect(crc32c(data, seed | 0), `${hex(seed)} as int32`).toBe(crc32cRef(data, seed));
    }
  });
});

describe("crc32c: against kafkajs", () => {
  it("agrees with kafkajs's crc32C on every length 0..600 and on large inputs", () => {
    const random = seededRandom(11);
    for (let len = 0; len <= 600; len++) {
      const data = Buffer.from(randomBytes(random, len));
      expect(crc32c(data), `length ${len}`).toBe(kafkajsCrc32c(data));
    }
    for (const len of [4095, 4096, 16_384, 100_003, 1 << 20]) {
      const data = Buffer.from(randomBytes(random, len));
      expect(crc32c(data), `length ${len}`).toBe(kafkajsCrc32c(data));
    }
  });
});
